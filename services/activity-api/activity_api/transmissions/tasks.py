"""Late-transmission marking: a daily task recording the quarters past their deadline.

Every DITEP_TRANSMISSION_LATE_INTERVAL_SECONDS (daily) each establishment's quarters
whose deadline (the counting profile's setting) passed without a transmission are
recorded in ``transmission_late`` (``service.mark_late``): once (a unique key; a second
run records nothing), with an audit event each and a log line, kept after a late
transmission. One unit of work per establishment: a run stopped half way keeps what it
recorded and the next does the rest. Run by ``ditep worker`` (PostgreSQL) or by
activity-api's in-process runner (SQLite); retried like every task
(``ditep_core.tasks.execution``).
"""

from __future__ import annotations

import structlog

from activity_api.transmissions.service import LATE_TASK, mark_late
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import utc_now
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext

logger = structlog.get_logger("ditep.transmissions")


def mark_late_transmissions(context: TaskContext, arguments: TaskArguments) -> str:
    del arguments  # a sweep over every establishment
    now = utc_now()
    with context.database.unit_of_work() as session:
        establishment_ids = [e.id for e in EstablishmentRepository(session).list_all()]
    marked = 0
    for establishment_id in establishment_ids:
        if context.stopping.is_set():
            break
        with context.database.unit_of_work(write=True) as session:
            establishment = EstablishmentRepository(session).get(establishment_id)
            if establishment is None:  # removed since the list was read
                continue
            finess = establishment.finess
            quarters = mark_late(session, establishment, now=now)
        for quarter in quarters:
            logger.info(
                "transmission_marked_late",
                finess=finess,
                period=quarter.period,
                deadline=quarter.deadline.isoformat(),
                transmitted_late=quarter.transmitted_late,
            )
        marked += len(quarters)
    return f"{marked} quarter(s) marked late, {len(establishment_ids)} establishment(s) read"


def transmission_tasks(settings: Settings) -> list[BackgroundTask]:
    return [
        BackgroundTask(
            name=LATE_TASK,
            run=mark_late_transmissions,
            every_seconds=settings.transmission_late_interval_seconds,
        )
    ]
