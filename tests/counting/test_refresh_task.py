"""The rollup refresh task: an import defers it, reads never write and say ``stale``.

Here the deferred tasks are held (``holding_tasks``) instead of run inline as in the other
tests, to see the read between the push and the refresh.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ditep_core.db import Database
from ditep_core.models import Establishment, RollupState, RollupYouthWeek
from ditep_core.nomenclatures import Scope
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import REFRESH_TASK, refresh_stale
from tests.conftest import KeyMaker, SampleDitep, holding_tasks, make_settings
from tests.counting.conftest import URL, get, push, push_export_without_synthesis
from tests.counting.feeds import educator_feed, export_feed
from tests.http import AppClient


def _rollup_rows(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(RollupYouthWeek)) or 0


def test_a_read_before_the_first_refresh_serves_nothing_and_says_stale(
    database: Database,
    sample_ditep: SampleDitep,
    api_client: AppClient,
    ingest_client: AppClient,
    make_key: KeyMaker,
) -> None:
    settings = make_settings()
    with holding_tasks(database, settings) as held:
        key = make_key(Scope.FEEDS_WRITE)
        push(ingest_client, sample_ditep.establishment_source_id, export_feed(), key)
        push(ingest_client, sample_ditep.claire_source_id, educator_feed(), key)
        establishment_id = _establishment_id(database)
        # Deferred once per import, after its commit; nothing run yet.
        assert held.deferred == [(REFRESH_TASK, {"establishment_id": establishment_id})] * 2
        reader = make_key(Scope.ACTIVITY_READ)
        before = get(api_client, reader, period="2025-W11")
        # Never computed: nothing is served yet, and the read says so (and wrote nothing).
        assert before["stale"] is True
        assert before["computed_at"] is None
        assert before["hours"]["total"] == 0
        assert _rollup_rows(database) == 0
        assert held.run() == 1  # the two deferrals were one job
        after = get(api_client, reader, period="2025-W11")
    assert after["stale"] is False
    assert after["computed_at"] is not None
    assert after["hours"]["total"] == 23.5


def test_an_import_marks_its_weeks_stale_and_the_refresh_task_recomputes_them(
    database: Database,
    worked: SampleDitep,
    api_client: AppClient,
    ingest_client: AppClient,
    make_key: KeyMaker,
) -> None:
    """The worked example was pushed with its refresh run (inline); then the export is
    sent again without the synthesis (a snapshot: it is deleted), its refresh held."""
    reader = make_key(Scope.ACTIVITY_READ)
    with database.unit_of_work() as session:
        weeks = session.scalars(select(RollupState.week_start).order_by(RollupState.week_start))
        # The week of 10 March, the week before (a Monday session may hold Sunday's night)
        # and the week after (a session may run into it).
        assert list(weeks) == [dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 3, 17)]
        assert session.scalars(select(RollupYouthWeek.minutes_total)).all() == [23.5 * 60]
        establishment = session.scalars(select(Establishment)).one()
        assert refresh_stale(session, establishment) == 0  # nothing out of date
    fresh = get(api_client, reader, period="2025-W11")
    assert (fresh["stale"], fresh["hours"]["total"]) == (False, 23.5)
    computed_at = fresh["computed_at"]
    with holding_tasks(database, make_settings()) as held:
        push_export_without_synthesis(ingest_client, worked, make_key(Scope.FEEDS_WRITE))
        with database.unit_of_work() as session:
            invalidated = session.scalars(
                select(RollupState.week_start).where(RollupState.invalidated_at.is_not(None))
            ).all()
        assert dt.date(2025, 3, 10) in invalidated
        with database.unit_of_work() as session:
            # What `ditep tasks` reports as waiting.
            assert RollupRepository(session).waiting() == (len(invalidated), 1)
        stale = get(api_client, reader, period="2025-W11")
        # The last computed figures, said stale, with when they were computed.
        assert (stale["stale"], stale["hours"]["total"]) == (True, 23.5)
        assert stale["computed_at"] == computed_at
        assert len(held.deferred) == 1
        held.run()
    after = get(api_client, reader, period="2025-W11")
    assert after["stale"] is False
    assert after["hours"]["total"] == 22.5
    assert after["hours"]["indirect"] == 0
    with database.unit_of_work() as session:
        assert (
            session.scalar(select(func.count()).where(RollupState.invalidated_at.is_not(None))) == 0
        )
        assert RollupRepository(session).waiting() == (0, 0)
        # Run again: nothing changes (the task is idempotent).
        assert refresh_stale(session, session.scalars(select(Establishment)).one()) == 0


def test_the_weekly_detail_says_stale_too(
    database: Database,
    worked: SampleDitep,
    api_client: AppClient,
    ingest_client: AppClient,
    make_key: KeyMaker,
) -> None:
    reader = make_key(Scope.ACTIVITY_READ, finess=(worked.finess,))
    url = f"{URL}/weekly"
    assert (
        api_client.get(url, params={"period": "2025-03"}, headers=reader).json()["stale"] is False
    )
    with holding_tasks(database, make_settings()):
        push_export_without_synthesis(ingest_client, worked, make_key(Scope.FEEDS_WRITE))
        weekly = api_client.get(url, params={"period": "2025-03"}, headers=reader).json()
    assert weekly["stale"] is True
    assert weekly["computed_at"] is not None


def _establishment_id(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.scalars(select(Establishment.id)).one()
