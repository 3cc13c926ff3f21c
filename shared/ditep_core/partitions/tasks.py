"""Partition maintenance as a background task: ``partitions.ensure``, daily.

Creates the month partitions of sessions and participants twelve months ahead (a no-op on
SQLite, where nothing is partitioned, and where every month already exists). Idempotent,
so a lost or repeated run changes nothing; rows of a month never created land in the
DEFAULT partition and are counted all the same.
"""

from __future__ import annotations

from ditep_core.partitions.service import ensure_partitions
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext

PARTITIONS_TASK = "partitions.ensure"
MONTHS_AHEAD = 12
DAY_SECONDS = 86_400


def ensure_month_partitions(context: TaskContext, arguments: TaskArguments) -> str:
    del arguments  # one sweep over every partitioned table
    with context.database.unit_of_work(write=True) as session:
        report = ensure_partitions(session, months_ahead=MONTHS_AHEAD)
    if not report.partitioned:
        return "nothing partitioned (SQLite)"
    held = f", {len(report.held_by_default)} held by DEFAULT" if report.held_by_default else ""
    return f"{len(report.created)} partition(s) created, {len(report.existing)} existing{held}"


def partition_tasks(settings: Settings) -> list[BackgroundTask]:
    # The embedded SQLite has no partitions: the in-process runner does not need the task.
    if settings.is_sqlite:
        return []
    return [
        BackgroundTask(name=PARTITIONS_TASK, run=ensure_month_partitions, every_seconds=DAY_SECONDS)
    ]
