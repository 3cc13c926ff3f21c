"""The SQL behind the gauges computed at scrape time: aggregates only, no pseudonym."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, inspect, or_, select, text
from sqlalchemy.orm import Session

from ditep_core.models import (
    FeedImport,
    RollupQualityMonth,
    RollupState,
    Source,
    TaskRun,
    Transmission,
    TransmissionLate,
)

# The table procrastinate (the worker's queue, issue 18 item 1) keeps its jobs in.
TASK_JOBS_TABLE = "procrastinate_jobs"
FAILED_PULL_STATUS = "failed"


@dataclass(frozen=True)
class RollupLag:
    stale_weeks: int
    # now - the moment the oldest stale week went out of date; 0 when none is stale.
    seconds: float


@dataclass(frozen=True)
class QualityTotals:
    received: int
    unclassified: int

    @property
    def unclassified_share(self) -> float:
        return self.unclassified / self.received if self.received else 0.0


@dataclass(frozen=True)
class TaskCounts:
    # (queue, status) -> jobs, for the statuses procrastinate keeps (todo, doing, failed...).
    jobs: dict[tuple[str, str], int]


class MetricsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def imports_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(FeedImport.status, func.count()).group_by(FeedImport.status)
        )
        return {status.value: int(count) for status, count in rows}

    def quality_totals(self) -> QualityTotals:
        """Sessions received and unclassified, summed over the month quality rollups
        (the quality block of the counts, every establishment): a few rows per
        establishment-month, where counting agenda_session would scan every session."""
        received, unclassified = self.session.execute(
            select(
                func.coalesce(func.sum(RollupQualityMonth.received), 0),
                func.coalesce(func.sum(RollupQualityMonth.unclassified), 0),
            )
        ).one()
        return QualityTotals(int(received), int(unclassified))

    def rollup_lag(self, now: dt.datetime) -> RollupLag:
        """Weeks whose rollups wait for the refresh task, and how long the oldest has
        waited: since an import or a reclassification changed its sessions
        (``invalidated_at``), or since a planned session of it ended (``stale_after``)."""
        passed = and_(RollupState.stale_after.is_not(None), RollupState.stale_after <= now)
        waiting_count, oldest_change, oldest_end = self.session.execute(
            select(
                func.count(),
                func.min(RollupState.invalidated_at),
                func.min(case((passed, RollupState.stale_after))),
            ).where(or_(RollupState.invalidated_at.is_not(None), passed))
        ).one()
        since = [moment for moment in (oldest_change, oldest_end) if moment is not None]
        if not waiting_count or not since:
            return RollupLag(0, 0.0)
        return RollupLag(int(waiting_count), max(0.0, (now - min(since)).total_seconds()))

    def task_runs(self) -> dict[tuple[str, str], int]:
        """The last run of each task and key (``task_run``), counted per task and status:
        what failed after its retries, on both databases (SQLite has no queue table)."""
        rows = self.session.execute(
            select(TaskRun.task, TaskRun.status, func.count()).group_by(
                TaskRun.task, TaskRun.status
            )
        )
        return {(str(task), str(status)): int(count) for task, status, count in rows}

    def late_transmissions(self) -> dict[str, int]:
        """Quarters recorded late by the marking task: still ``not_transmitted``, and
        ``transmitted_late`` (transmitted since; the record is kept)."""
        transmitted = (
            exists()
            .where(
                Transmission.establishment_id == TransmissionLate.establishment_id,
                Transmission.period_code == TransmissionLate.period_code,
            )
            .correlate(TransmissionLate)
        )
        total, since = self.session.execute(
            select(
                func.count(), func.coalesce(func.sum(case((transmitted, 1), else_=0)), 0)
            ).select_from(TransmissionLate)
        ).one()
        return {
            "not_transmitted": int(total) - int(since),
            "transmitted_late": int(since),
        }

    def failing_pull_sources(self) -> list[int]:
        rows = self.session.scalars(
            select(Source.id).where(Source.last_pull_status == FAILED_PULL_STATUS)
        )
        return sorted(rows)

    def task_queue_counts(self) -> TaskCounts | None:
        """Jobs of the worker's queue per queue and status, or None where the queue's
        table does not exist (SQLite, or a database the worker never set up)."""
        connection = self.session.connection()
        if not inspect(connection).has_table(TASK_JOBS_TABLE):
            return None
        rows = self.session.execute(
            text(
                f"SELECT queue_name, status::text, count(*) FROM {TASK_JOBS_TABLE} "  # noqa: S608
                "GROUP BY queue_name, status"
            )
        )
        return TaskCounts({(str(queue), str(status)): int(count) for queue, status, count in rows})
