"""Payload retention: a daily task purging sealed payloads past the profile's retention.

The counting profile's ``payload_retention_months`` (24 by default) says how long a
received feed's payload is kept (sealed) for replays; past it the payload is emptied and
the purge recorded in ``payload_purge`` (which imports, when, how many bytes). Batches of
``PURGE_BATCH`` imports, each in a unit of work of its own: a run killed half way keeps
what it purged, and the next does the rest; a second run finds nothing more to purge.
"""

from __future__ import annotations

from agenda_ingest.feeds.service import purge_expired_payloads
from ditep_core.models import utc_now
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext
from ditep_counting.rollups.service import active_profile

RETENTION_TASK = "payloads.purge_expired"


def purge_expired(context: TaskContext, arguments: TaskArguments) -> str:
    del arguments  # a sweep over every import
    now = utc_now()
    with context.database.unit_of_work() as session:
        months = active_profile(session).payload_retention_months
    imports = 0
    while not context.stopping.is_set():
        with context.database.unit_of_work(write=True) as session:
            purge = purge_expired_payloads(session, retention_months=months, now=now)
        if purge is None:
            break
        imports += purge.import_count
    return f"{imports} payload(s) older than {months} months purged"


def retention_tasks(settings: Settings) -> list[BackgroundTask]:
    return [
        BackgroundTask(
            name=RETENTION_TASK,
            run=purge_expired,
            every_seconds=settings.payload_retention_interval_seconds,
        )
    ]
