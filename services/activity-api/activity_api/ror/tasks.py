"""The scheduled ROR push: a background task, when DITEP_ROR_PUSH_ENABLED is true.

Every DITEP_ROR_PUSH_INTERVAL_SECONDS the current ISO week of each scheduled
establishment is pushed (a PUT per Location, after a search and a POST the first time:
pushing twice changes nothing); run by
``ditep worker`` (PostgreSQL) or by activity-api's in-process runner (SQLite). A push
refused or unreachable after its own attempts fails the task, which is then retried and,
still failing, kept as failed with the establishments concerned.
"""

from __future__ import annotations

import structlog

from activity_api.ror.push import push_establishments, scheduled_finess
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext

ROR_PUSH_TASK = "ror.push"
logger = structlog.get_logger("ditep.ror")


class RorPushFailed(RuntimeError):
    """Some Locations could not be pushed."""


def push_scheduled(context: TaskContext, arguments: TaskArguments) -> str:
    del arguments  # a sweep over the scheduled establishments
    database, settings = context.database, context.settings
    reports = push_establishments(database, settings, scheduled_finess(database, settings))
    for report in reports:
        log = logger.info if report.ok else logger.warning
        log("ror_push_report", lines=report.lines())
    failed = [report for report in reports if not report.ok]
    if failed:
        raise RorPushFailed(
            f"{len(failed)} of {len(reports)} establishment(s) not pushed: "
            + "; ".join(" ".join(report.lines()) for report in failed)[:1000]
        )
    return f"{len(reports)} establishment(s) pushed"


def ror_tasks(settings: Settings) -> list[BackgroundTask]:
    if not settings.ror_push_enabled:
        return []
    return [
        BackgroundTask(
            name=ROR_PUSH_TASK,
            run=push_scheduled,
            every_seconds=settings.ror_push_interval_seconds,
        )
    ]
