"""Stored secrecy decisions (issues 16 and 18): the ``secrecy.decide`` task decides the
ARS tables ahead of the reads, which then look the decision up instead of deciding.

Proved by counting the decisions the process takes (``DECISIONS.decided``) and those it
found stored (``DECISIONS.loaded``), never by timing: the stored decisions are exactly
those a read decides in the process; a read after the task decides nothing and answers
the same; new data (another digest) leaves the stored decision unused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from activity_api.regions.aggregate import DECISIONS, CellKey
from activity_api.secrecy.service import due_quarters
from activity_api.secrecy.tasks import secrecy_tasks
from activity_api.transmissions.service import transmit
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import SecrecyDecision
from ditep_core.nomenclatures import Scope
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import execute
from ditep_counting.rollups.service import SECRECY_TASK
from tests.activity_api.downloads.region import (
    DAY,
    NIGHT,
    QUARTER,
    A,
    B,
    C,
    D,
    seed_four_establishments,
    transmit_quarter,
)
from tests.activity_api.helpers import api_client_with
from tests.activity_api.seeding import add_youth
from tests.conftest import TEST_SECRET, KeyMaker, TemporaryDatabase, holding_tasks, make_settings
from tests.http import AppClient

REGION = "/v1/regions/84/activity"
DEPARTMENT = "/v1/departments/69/activity"
NATIONAL = "/v1/national/results"


@pytest.fixture
def client(
    migrated_database: TemporaryDatabase, database: Database, make_key: KeyMaker
) -> Iterator[AppClient]:
    """Region 84 (A, B in the Rhône, C in the Isère, small cells at night) and region 11
    (D): the quarter transmitted by every establishment, nothing decided yet."""
    DECISIONS.clear()
    with database.unit_of_work() as session:
        seed_four_establishments(session)
        add_youth(session, finess=C, youth_by_modality={DAY: 3}, day=dt.date(2025, 2, 11))
    with api_client_with(migrated_database, database) as api:
        admin = make_key(Scope.ADMIN)
        for finess in (A, B, C, D):
            transmit_quarter(api, admin, finess)
        yield api
    DECISIONS.clear()


def _context(database: Database, migrated_database: TemporaryDatabase) -> TaskContext:
    return TaskContext(
        database, make_settings(migrated_database.url), DataProtection.from_secret(TEST_SECRET)
    )


def _run_task(database: Database, migrated_database: TemporaryDatabase, **arguments: str) -> str:
    (task,) = secrecy_tasks(make_settings(migrated_database.url))
    return execute(task, _context(database, migrated_database), arguments)


def _stored(database: Database) -> dict[str, tuple[str, frozenset[CellKey]]]:
    with database.unit_of_work() as session:
        return {
            row.digest: (row.family, frozenset(tuple(cell) for cell in row.hidden))  # type: ignore[misc]
            for row in session.scalars(select(SecrecyDecision))
        }


def _reads(client: AppClient, key: dict[str, str]) -> dict[str, Any]:
    bodies: dict[str, Any] = {}
    for url, period in (
        (NATIONAL, QUARTER),
        (REGION, QUARTER),
        (REGION, "2025-02"),
        (DEPARTMENT, QUARTER),
        ("/v1/regions/84/results", QUARTER),
    ):
        response = client.get(url, params={"period": period}, headers=key)
        assert response.status_code == 200, response.text
        body = response.json()
        body.pop("computed_at", None)
        bodies[f"{url}?{period}"] = body
    return bodies


def test_the_task_stores_the_decisions_a_read_takes_and_reads_then_decide_nothing(
    client: AppClient,
    database: Database,
    migrated_database: TemporaryDatabase,
    make_key: KeyMaker,
) -> None:
    admin = make_key(Scope.ADMIN)
    # The transmissions deferred the task; the tests' inline dispatcher leaves it (a
    # decision is too long for a command): nothing is stored yet, reads decide.
    assert _stored(database) == {}
    in_process = _reads(client, admin)
    assert DECISIONS.decided >= 2  # the quarter's national results, region 84's activity
    assert DECISIONS.loaded == 0
    decided_here = DECISIONS.decisions()
    assert any(hidden for hidden in decided_here.values())  # something is hidden

    DECISIONS.clear()
    summary = _run_task(database, migrated_database, period=QUARTER)
    stored = _stored(database)
    # Results, region 84's and region 11's activity of the quarter.
    assert {family for family, _ in stored.values()} == {
        f"results:{QUARTER}",
        f"activity:84:{QUARTER}",
        f"activity:11:{QUARTER}",
    }
    assert summary.startswith("3 decision(s) stored")
    # Exactly the decisions the reads took in the process, under the same digests.
    for digest, hidden in decided_here.items():
        assert stored[digest][1] == hidden

    DECISIONS.clear()
    assert _reads(client, admin) == in_process
    assert DECISIONS.decided == 0
    assert DECISIONS.loaded == 2


def test_the_task_is_idempotent(
    client: AppClient, database: Database, migrated_database: TemporaryDatabase
) -> None:
    _run_task(database, migrated_database, period=QUARTER)
    first = _stored(database)
    DECISIONS.clear()
    summary = _run_task(database, migrated_database, period=QUARTER)
    assert summary.startswith("0 decision(s) stored, 3 found stored")
    assert DECISIONS.decided == 0
    assert _stored(database) == first


def test_new_data_leaves_the_stored_decision_unused(
    client: AppClient,
    database: Database,
    migrated_database: TemporaryDatabase,
    make_key: KeyMaker,
) -> None:
    admin = make_key(Scope.ADMIN)
    _run_task(database, migrated_database, period=QUARTER)
    DECISIONS.clear()
    _reads(client, admin)
    assert (DECISIONS.decided, DECISIONS.loaded) == (0, 2)

    # A young person more at C in March (refreshed inline): region 84's activity is
    # another table, the transmitted results are unchanged.
    with database.unit_of_work() as session:
        add_youth(session, finess=C, youth_by_modality={NIGHT: 1}, day=dt.date(2025, 3, 12))
    DECISIONS.clear()
    region = client.get(REGION, params={"period": QUARTER}, headers=admin)
    assert region.status_code == 200
    assert DECISIONS.loaded == 1  # the national results' stored decision
    assert DECISIONS.decided == 1  # the region's table: its stored decision is stale

    # A correction of C's quarter: the results are another table too.
    response = client.post(
        f"/v1/establishments/{C}/transmissions",
        json={"period": QUARTER, "reason": "séance oubliée"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    DECISIONS.clear()
    national = client.get(NATIONAL, params={"period": QUARTER}, headers=admin)
    assert national.status_code == 200
    assert (DECISIONS.decided, DECISIONS.loaded) == (1, 0)

    # The task decides the new tables; the reads find them again, with the same answers.
    answered = _reads(client, admin)
    _run_task(database, migrated_database, period=QUARTER)
    DECISIONS.clear()
    assert _reads(client, admin) == answered
    assert DECISIONS.decided == 0


def test_transmissions_and_refreshes_defer_the_task(
    client: AppClient, database: Database, migrated_database: TemporaryDatabase
) -> None:
    settings = make_settings(migrated_database.url)
    with holding_tasks(database, settings) as held:
        with database.unit_of_work() as session:
            add_youth(session, finess=B, youth_by_modality={DAY: 1}, day=dt.date(2025, 3, 31))
        held.run()  # the refresh, which defers the decision of the quarters it touched
        assert (SECRECY_TASK, {"period": QUARTER, "region_code": "84"}) in held.deferred
        assert (SECRECY_TASK, {"period": "2025-Q2", "region_code": "84"}) in held.deferred
        held.deferred.clear()
        with database.unit_of_work(write=True) as session:
            establishment = EstablishmentRepository(session).get_by_finess(B)
            assert establishment is not None
            transmit(session, establishment, QUARTER, reason="mars", transmitted_by="test")
        assert (SECRECY_TASK, {"period": QUARTER}) in held.deferred


def test_the_sweep_decides_the_quarters_whose_data_changed(
    client: AppClient, database: Database, migrated_database: TemporaryDatabase
) -> None:
    with database.unit_of_work() as session:
        due = due_quarters(session)
    assert (QUARTER, None) in due  # transmitted, never decided
    summary = _run_task(database, migrated_database)  # the sweep: no argument
    assert "found stored" in summary
    with database.unit_of_work() as session:
        assert due_quarters(session) == []
        families = session.scalar(select(func.count(SecrecyDecision.family.distinct())))
    assert families is not None
    assert families >= 3

    with database.unit_of_work() as session:
        add_youth(session, finess=D, youth_by_modality={DAY: 1}, day=dt.date(2025, 3, 12))
    with database.unit_of_work() as session:
        assert due_quarters(session) == [(QUARTER, "11")]
    _run_task(database, migrated_database)
    with database.unit_of_work() as session:
        assert due_quarters(session) == []
