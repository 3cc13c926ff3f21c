"""Two refresh tasks of the same never-rolled-up establishment at once (two workers, or a
deferral and the sweep): both succeed, and the rollups are those of one refresh."""

from __future__ import annotations

import threading

import pytest

from activity_api.activity.service import establishment_reports
from ditep_core.db import Database
from ditep_core.models import Establishment, RollupState
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_counting.engine.periods import parse_period
from ditep_counting.rollups.tasks import refresh_rollups_task
from tests.conftest import TEST_SECRET, make_settings
from tests.counting.data import build_establishment


def test_concurrent_refresh_tasks(pooled_database: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the advisory lock is PostgreSQL's")
    with pooled_database.unit_of_work() as session:
        establishment_id = build_establishment(session, 1, youth=6, weeks=6).id
    context = TaskContext(pooled_database, make_settings(), DataProtection.from_secret(TEST_SECRET))
    barrier = threading.Barrier(2)
    summaries: list[str] = []
    failures: list[BaseException] = []

    def refresh() -> None:
        try:
            barrier.wait(timeout=10)
            summaries.append(refresh_rollups_task(context, {"establishment_id": establishment_id}))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    # One refreshed the weeks; the other, after waiting for the lock, found nothing due.
    assert sorted(summary.split()[0] for summary in summaries)[0] == "0"
    with pooled_database.unit_of_work() as session:
        establishment = session.get(Establishment, establishment_id)
        assert establishment is not None
        body = establishment_reports(session, [establishment], parse_period("2024-09"))[
            establishment_id
        ]
        assert body.stale is False
        assert body.units.total > 0
        assert session.query(RollupState).count() >= 4
