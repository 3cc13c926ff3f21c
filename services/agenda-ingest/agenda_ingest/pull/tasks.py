"""The scheduled pulls (iCal URL, CalDAV, FHIR): a background task, when enabled.

With DITEP_PULL_LOOP_ENABLED, every DITEP_PULL_LOOP_INTERVAL_SECONDS the task pulls every
source whose own interval has passed (``pull_due``), one after the other; run by
``ditep worker`` (PostgreSQL) or by agenda-ingest's in-process runner (SQLite). A source
that cannot be reached is recorded on the source (its last pull status and error, retried
at its next interval): the task itself succeeds. The sources' leases keep two workers
from pulling one source twice, so a round run twice, or killed, loses nothing. At
shutdown a round stops between sources.
"""

from __future__ import annotations

from agenda_ingest.pull.fetcher import Fetcher
from agenda_ingest.pull.service import default_owner, pull_due
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext

PULL_TASK = "pulls.run_due"


def run_due_pulls(context: TaskContext, arguments: TaskArguments) -> str:
    del arguments  # a sweep: the due sources are the database's
    outcomes = pull_due(
        context.database,
        settings=context.settings,
        protection=context.protection,
        owner=default_owner(),
        fetcher=Fetcher.from_settings(context.settings),
        stop=context.stopping,
    )
    failed = sum(outcome.failed for outcome in outcomes)
    return f"{len(outcomes)} source(s) pulled, {failed} failed (recorded on the source)"


def pull_tasks(settings: Settings) -> list[BackgroundTask]:
    if not settings.pull_loop_enabled:
        return []
    return [
        BackgroundTask(
            name=PULL_TASK,
            run=run_due_pulls,
            every_seconds=settings.pull_loop_interval_seconds,
        )
    ]
