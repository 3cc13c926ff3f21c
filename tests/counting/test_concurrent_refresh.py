"""Two first reads of the same never-rolled-up weeks at once: both answer, the same."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from activity_api.activity.service import establishment_reports
from ditep_core.db import Database
from ditep_core.models import Establishment, RollupState
from ditep_counting.engine.periods import parse_period
from tests.counting.data import build_establishment


def test_concurrent_lazy_refresh(pooled_database: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the advisory lock is PostgreSQL's")
    with pooled_database.unit_of_work() as session:
        establishment_id = build_establishment(session, 1, youth=6, weeks=6).id
    period = parse_period("2024-09")
    barrier = threading.Barrier(2)
    bodies: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with pooled_database.unit_of_work() as session:
                establishment = session.get(Establishment, establishment_id)
                assert establishment is not None
                barrier.wait(timeout=10)
                bodies.append(
                    establishment_reports(session, [establishment], period)[
                        establishment_id
                    ].json_body()
                )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    first, second = ({k: v for k, v in body.items() if k != "computed_at"} for body in bodies)
    assert first == second
    assert first["units"]["total"] > 0
    with pooled_database.unit_of_work() as session:
        assert session.query(RollupState).count() >= 4
