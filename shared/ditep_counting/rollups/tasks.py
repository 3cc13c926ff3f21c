"""The rollup refresh task: recompute every out-of-date week, one establishment at a time.

Deferred by each import once its unit of work has committed (``establishment_id``), and
run periodically with no argument as a sweep over every establishment (which also catches
planned sessions that have ended, a new profile, and a deferral that was lost). Each
establishment is refreshed in a unit of work of its own: a run killed half way keeps what
it committed, and the next run does the rest. Running it twice changes nothing.
"""

from __future__ import annotations

from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext
from ditep_counting.rollups.service import REFRESH_TASK, refresh_stale


def refresh_rollups_task(context: TaskContext, arguments: TaskArguments) -> str:
    database = context.database
    only = arguments.get("establishment_id")
    with database.unit_of_work() as session:
        repository = EstablishmentRepository(session)
        if only is not None:
            ids = [int(only)]
        else:
            ids = [establishment.id for establishment in repository.list_all()]
    weeks = 0
    for establishment_id in ids:
        with database.unit_of_work(write=True) as session:
            establishment = EstablishmentRepository(session).get(establishment_id)
            if establishment is None:  # deleted meanwhile
                continue
            weeks += refresh_stale(session, establishment)
    return f"{weeks} week(s) refreshed over {len(ids)} establishment(s)"


def rollup_tasks(settings: Settings) -> list[BackgroundTask]:
    return [
        BackgroundTask(
            name=REFRESH_TASK,
            run=refresh_rollups_task,
            every_seconds=settings.rollup_refresh_interval_seconds,
        )
    ]
