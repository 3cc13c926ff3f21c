"""Gauges read from the database at scrape time, so that any process serves them whole.

Each scrape (at most once per ``cache_seconds``) runs one short read-only unit of work
with its own statement timeout: a slow count never holds a connection for long, and a
failure is reported as ``ditep_metrics_database_up 0`` instead of failing the scrape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ditep_core.db import Database, Saturated
from ditep_core.metrics.repository import (
    MetricsRepository,
    QualityTotals,
    RollupLag,
    TaskCounts,
)
from ditep_core.models import utc_now

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DatabaseFigures:
    imports: dict[str, int]
    quality: QualityTotals
    rollup_lag: RollupLag
    failing_sources: list[int]
    tasks: TaskCounts | None
    late_transmissions: dict[str, int]
    task_runs: dict[tuple[str, str], int]


def read_figures(database: Database, *, timeout_ms: int) -> DatabaseFigures:
    """Every database gauge, in one read-only transaction bounded by ``timeout_ms``."""
    with database.unit_of_work() as session:
        # A unit of work joined to an outer transaction (a test's) keeps that one's mode:
        # SET TRANSACTION in a savepoint would outlive it.
        if not database.is_sqlite and not session.connection().in_nested_transaction():
            session.execute(text("SET TRANSACTION READ ONLY"))
            session.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
        repository = MetricsRepository(session)
        return DatabaseFigures(
            imports=repository.imports_by_status(),
            quality=repository.quality_totals(),
            rollup_lag=repository.rollup_lag(utc_now()),
            failing_sources=repository.failing_pull_sources(),
            tasks=repository.task_queue_counts(),
            late_transmissions=repository.late_transmissions(),
            task_runs=repository.task_runs(),
        )


class DatabaseCollector(Collector):
    def __init__(self, database: Database, *, cache_seconds: float, timeout_ms: int) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        self.timeout_ms = timeout_ms
        self._lock = threading.Lock()
        self._cached: tuple[float, DatabaseFigures | None] | None = None

    def figures(self) -> DatabaseFigures | None:
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            figures: DatabaseFigures | None
            try:
                figures = read_figures(self.database, timeout_ms=self.timeout_ms)
            except (SQLAlchemyError, Saturated) as error:
                logger.warning("metrics_database_unavailable", error=type(error).__name__)
                figures = None
            self._cached = (now, figures)
            return figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self.figures()
        yield GaugeMetricFamily(
            "ditep_metrics_database_up",
            "1 when the database gauges below could be read at this scrape",
            value=0 if figures is None else 1,
        )
        if figures is None:
            return
        yield _by_label(
            "ditep_imports_stored",
            "Imports kept in the database, by status (received: waiting for a replay)",
            "status",
            figures.imports,
        )
        quality = GaugeMetricFamily(
            "ditep_quality_sessions",
            "Sessions in the computed quality rollups, every establishment and month: "
            "received, and unclassified among them",
            labels=["kind"],
        )
        quality.add_metric(["received"], figures.quality.received)
        quality.add_metric(["unclassified"], figures.quality.unclassified)
        yield quality
        yield GaugeMetricFamily(
            "ditep_unclassified_share",
            "Share of the received sessions whose activity is unclassified (0 to 1), "
            "from the computed quality rollups",
            value=figures.quality.unclassified_share,
        )
        yield GaugeMetricFamily(
            "ditep_rollup_stale_weeks",
            "Establishment-weeks whose rollups are out of date",
            value=figures.rollup_lag.stale_weeks,
        )
        yield GaugeMetricFamily(
            "ditep_rollup_lag_seconds",
            "How long the oldest out-of-date establishment-week has waited for its refresh",
            value=figures.rollup_lag.seconds,
        )
        failing = GaugeMetricFamily(
            "ditep_pull_source_failing",
            "1 for each source whose last pull failed (the source is marked, not the worker)",
            labels=["source_id"],
        )
        for source_id in figures.failing_sources:
            failing.add_metric([str(source_id)], 1)
        yield failing
        yield _by_label(
            "ditep_transmissions_late",
            "Establishment-quarters recorded late by the marking task (deadline passed "
            "without a transmission): not_transmitted yet, or transmitted_late since",
            "state",
            figures.late_transmissions,
        )
        runs = GaugeMetricFamily(
            "ditep_task_runs",
            "Last run of each background task and key (task_run), by task and status "
            "(running, succeeded, failed: retried out and kept with its error)",
            labels=["task", "status"],
        )
        for (task, status), count in sorted(figures.task_runs.items()):
            runs.add_metric([task, status], count)
        yield runs
        if figures.tasks is not None:
            jobs = GaugeMetricFamily(
                "ditep_task_jobs",
                "Jobs of the worker's queue by queue and status (todo + doing: the depth; "
                "failed: retried out and kept with their error)",
                labels=["queue", "status"],
            )
            for (queue, status), count in sorted(figures.tasks.jobs.items()):
                jobs.add_metric([queue, status], count)
            yield jobs


def _by_label(
    name: str, documentation: str, label: str, counts: Mapping[str, int]
) -> GaugeMetricFamily:
    """A gauge with one sample per value of ``label``, in the values' order."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family
