"""Payload retention: the profile's months, the purge recorded, a purged import not replayed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from agenda_ingest.feeds.service import months_before, replay_import
from agenda_ingest.feeds.tasks import RETENTION_TASK, retention_tasks
from agenda_ingest.sources.repository import SourceRepository
from ditep_core.db import Database
from ditep_core.models import FeedImport, PayloadPurge, utc_now
from ditep_core.nomenclatures import ImportStatus, Scope
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import execute
from ditep_core.web.problems import Conflict
from ditep_counting.engine.profile import DEFAULT_PROFILE, CountingProfile
from ditep_counting.rollups.service import ProfileError, store_profile_version
from tests.conftest import TEST_SECRET, KeyMaker, SampleDitep, make_settings
from tests.counting.conftest import push
from tests.counting.feeds import educator_feed, export_feed
from tests.http import AppClient


def _purge(database: Database) -> str:
    settings = make_settings()
    (task,) = retention_tasks(settings)
    assert task.name == RETENTION_TASK
    return execute(
        task, TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET)), {}
    )


def _age(database: Database, import_id: int, months: int, days: int = 1) -> None:
    """Pretend the import was received ``months`` months (and ``days`` days) ago."""
    received = months_before(utc_now(), months) - dt.timedelta(days=days)
    with database.unit_of_work() as session:
        session.execute(
            update(FeedImport).where(FeedImport.id == import_id).values(received_at=received)
        )


def _imports(database: Database) -> dict[int, tuple[int, dt.datetime | None]]:
    with database.unit_of_work() as session:
        return {
            row.id: (len(row.payload_sealed), row.payload_purged_at)
            for row in session.scalars(select(FeedImport).order_by(FeedImport.id))
        }


@pytest.fixture
def three_imports(
    database: Database, sample_ditep: SampleDitep, ingest_client: AppClient, make_key: KeyMaker
) -> list[int]:
    key = make_key(Scope.FEEDS_WRITE)
    push(ingest_client, sample_ditep.establishment_source_id, export_feed(), key)
    push(ingest_client, sample_ditep.claire_source_id, educator_feed(), key)
    push(ingest_client, sample_ditep.claire_source_id, educator_feed(), key)
    return sorted(_imports(database))


def test_payloads_older_than_the_retention_are_purged_and_the_purge_recorded(
    database: Database, three_imports: list[int]
) -> None:
    old, older, recent = three_imports
    _age(database, old, 24)
    _age(database, older, 30)
    _age(database, recent, 23)
    sizes = _imports(database)
    assert "2 payload(s) older than 24 months purged" in _purge(database)
    after = _imports(database)
    assert after[old][0] == after[older][0] == 0
    assert after[old][1] is not None
    assert after[older][1] is not None
    assert after[recent] == sizes[recent]  # within the 24 months: kept sealed
    with database.unit_of_work() as session:
        (purge,) = session.scalars(select(PayloadPurge)).all()
        assert purge.import_ids == [old, older]
        assert purge.import_count == 2
        assert purge.byte_count == sizes[old][0] + sizes[older][0]
        assert purge.retention_months == 24
        assert purge.received_before < utc_now()
        # The import rows and their counts stay.
        assert session.get(FeedImport, old) is not None
    # Run again: nothing more to purge, nothing recorded.
    assert "0 payload(s)" in _purge(database)
    with database.unit_of_work() as session:
        assert len(session.scalars(select(PayloadPurge)).all()) == 1


def test_the_retention_is_the_profile_s_and_unapplied_imports_keep_theirs(
    database: Database, three_imports: list[int]
) -> None:
    old, unapplied, _recent = three_imports
    _age(database, old, 25)
    _age(database, unapplied, 40)
    with database.unit_of_work() as session:
        session.execute(
            update(FeedImport)
            .where(FeedImport.id == unapplied)
            .values(status=ImportStatus.RECEIVED)
        )
        store_profile_version(session, "retention-36", {"payload_retention_months": 36})
    assert "0 payload(s) older than 36 months purged" in _purge(database)
    assert all(purged is None for _size, purged in _imports(database).values())
    with database.unit_of_work() as session:
        store_profile_version(session, "retention-12", {"payload_retention_months": 12})
    _purge(database)
    purged = {i for i, (_size, when) in _imports(database).items() if when is not None}
    assert purged == {old}  # ``received``: still to apply (ditep imports replay)


def test_the_retention_is_no_counting_parameter(database: Database) -> None:
    """Left out of the fingerprint: the default profile's stays what it was before the
    parameter existed, so stored rollups stay fresh."""
    assert CountingProfile(payload_retention_months=6).fingerprint == DEFAULT_PROFILE.fingerprint
    assert DEFAULT_PROFILE.payload_retention_months == 24
    with database.unit_of_work() as session:
        changed = store_profile_version(session, "retention-6", {"payload_retention_months": 6})
    assert changed.payload_retention_months == 6
    with database.unit_of_work() as session, pytest.raises(ProfileError, match="at least 1"):
        store_profile_version(session, "retention-0", {"payload_retention_months": 0})


def test_a_purged_import_cannot_be_replayed(database: Database, three_imports: list[int]) -> None:
    old = three_imports[0]
    _age(database, old, 25)
    _purge(database)
    with database.unit_of_work() as session:
        feed_import = session.get(FeedImport, old)
        assert feed_import is not None
        source = SourceRepository(session).get_with_establishment(feed_import.source_id)
        assert source is not None
        with pytest.raises(Conflict, match="payload was purged"):
            replay_import(
                session,
                source=source,
                feed_import=feed_import,
                protection=DataProtection.from_secret(TEST_SECRET),
            )


def test_months_before_clamps_to_the_month_s_last_day() -> None:
    moment = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert months_before(moment, 1) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert months_before(moment, 24) == dt.datetime(2024, 3, 31, 12, tzinfo=dt.UTC)
    assert months_before(dt.datetime(2024, 1, 15), 1) == dt.datetime(2023, 12, 15)
