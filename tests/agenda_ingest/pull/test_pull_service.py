"""Pulling sources: lease, conditional GET, results, due sources, no transaction during HTTP.

HTTP is mocked with respx; the database is real (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import threading
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, QueuePool
from typer.testing import CliRunner

from agenda_ingest.feeds.repository import ImportRepository
from agenda_ingest.main import create_app as create_ingest_app
from agenda_ingest.pull.repository import PullRepository
from agenda_ingest.pull.service import (
    PullOutcome,
    PullStatus,
    SourceBusy,
    configure_source,
    pull_due,
    pull_source,
)
from ditep_cli.main import app as cli_app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import AuditEvent, Source
from ditep_core.nomenclatures import FeedFormat, ImportStatus, Scope
from ditep_core.protection import DataProtection
from ditep_core.settings import BasicCredential, Settings
from ditep_core.web.problems import InvalidRequest, NotFound, SourceDisabled
from tests.agenda_ingest.pull.pulling import add_pulled_source, stored_source
from tests.conftest import (
    MIGRATIONS_DIR,
    SAMPLE_FINESS,
    TEST_PULL_ALLOWED_HOSTS,
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
    make_settings,
    sample_feed,
)
from tests.http import app_client

URL = "https://dui.example/cedres/export.ics"
T0 = dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
EMPTY_CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def pull_settings() -> Settings:
    return make_settings(
        pull_backoff_seconds=0,
        pull_credentials={
            "caldav": BasicCredential(kind="basic", username="u", password=SecretStr("p"))
        },
    )


def _configure(database: Database, source_id: int, url: str = URL, **options: Any) -> None:
    with database.unit_of_work() as session:
        configure_source(session, source_id, url=url, **options)


def _set(database: Database, source_id: int, **values: Any) -> None:
    with database.unit_of_work() as session:
        session.execute(update(Source).where(Source.id == source_id).values(**values))


def _import_count(database: Database, source_id: int) -> int:
    with database.unit_of_work() as session:
        return len(ImportRepository(session).list_for_source(source_id))


@pytest.fixture
def source_id(database: Database, sample_ditep: SampleDitep) -> int:
    """The sample's establishment source, pulled from ``URL``."""
    configured = sample_ditep.establishment_source_id
    _configure(database, configured)
    return configured


def _pull(
    database: Database,
    source_id: int,
    settings: Settings,
    protection: DataProtection,
    *,
    owner: str = "replica-a",
    now: dt.datetime | None = None,
) -> PullOutcome:
    return pull_source(
        database, source_id, settings=settings, protection=protection, owner=owner, now=now
    )


def test_a_pull_ingests_the_feed_then_a_304_changes_nothing(
    database: Database,
    sample_ditep: SampleDitep,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = sample_ditep.establishment_source_id
    _configure(database, source_id, credentials_name="caldav")
    stamp = "Mon, 10 Mar 2025 07:00:00 GMT"
    route = mock.get(URL).mock(
        side_effect=[
            httpx.Response(
                200,
                content=sample_feed(),
                headers={"ETag": '"v1"', "Last-Modified": stamp, "Content-Type": "text/calendar"},
            ),
            httpx.Response(304),
        ]
    )

    first = _pull(database, source_id, pull_settings, protection, now=T0)
    assert first.status is PullStatus.FETCHED
    assert first.imported is not None
    assert first.imported.status is ImportStatus.PROCESSED
    assert (first.imported.received, first.imported.created) == (65, 65)
    assert route.calls[0].request.headers["Authorization"].startswith("Basic ")
    source = stored_source(database, source_id)
    assert (source.http_etag, source.http_last_modified) == ('"v1"', stamp)
    assert (source.last_pull_status, source.last_pull_error) == ("fetched", None)
    assert source.last_pulled_at == T0
    assert (source.lease_owner, source.lease_expires_at) == (None, None)

    later = T0 + dt.timedelta(hours=2)
    second = _pull(database, source_id, pull_settings, protection, now=later)
    assert second.status is PullStatus.NOT_MODIFIED
    assert second.imported is None
    sent = route.calls[1].request.headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', stamp)
    assert _import_count(database, source_id) == 1
    source = stored_source(database, source_id)
    assert (source.last_pull_status, source.last_pulled_at) == ("not_modified", later)
    assert (source.http_etag, source.http_last_modified) == ('"v1"', stamp)
    assert source.lease_owner is None


def test_a_failed_fetch_is_recorded_and_releases_the_lease(
    database: Database,
    source_id: int,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    _set(database, source_id, http_etag='"old"')
    mock.get(URL).mock(return_value=httpx.Response(404))

    outcome = _pull(database, source_id, pull_settings, protection, now=T0)

    assert outcome.failed
    assert outcome.error == f"HTTP 404 Not Found from {URL}"
    source = stored_source(database, source_id)
    assert (source.last_pull_status, source.last_pull_error) == ("failed", outcome.error)
    assert source.last_pulled_at == T0
    assert source.http_etag == '"old"'
    assert (source.lease_owner, source.lease_expires_at) == (None, None)
    assert _import_count(database, source_id) == 0


def test_an_unreadable_feed_is_a_failed_pull_whose_import_is_kept(
    database: Database,
    source_id: int,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    mock.get(URL).mock(return_value=httpx.Response(200, content=b"<html>login</html>"))

    outcome = _pull(database, source_id, pull_settings, protection)

    assert outcome.failed
    assert outcome.imported is not None
    assert outcome.imported.status is ImportStatus.FAILED
    assert outcome.error == (
        f"the feed could not be read; it is stored as import {outcome.imported.import_id}"
    )
    assert _import_count(database, source_id) == 1
    assert stored_source(database, source_id).lease_owner is None


def test_a_second_owner_cannot_pull_while_the_first_holds_the_lease(
    database: Database,
    source_id: int,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    during_fetch: list[SourceBusy] = []

    def respond(request: httpx.Request) -> httpx.Response:
        # While replica A fetches, replica B tries the same source.
        try:
            _pull(database, source_id, pull_settings, protection, owner="replica-b")
        except SourceBusy as busy:
            during_fetch.append(busy)
        return httpx.Response(200, content=EMPTY_CALENDAR)

    route = mock.get(URL).mock(side_effect=respond)
    outcome = _pull(database, source_id, pull_settings, protection, owner="replica-a")

    assert outcome.status is PullStatus.FETCHED
    assert len(during_fetch) == 1
    assert during_fetch[0].status == 409
    assert route.call_count == 1
    # Given back: B can pull now.
    route.mock(return_value=httpx.Response(200, content=EMPTY_CALENDAR))
    assert _pull(database, source_id, pull_settings, protection, owner="replica-b").status is (
        PullStatus.FETCHED
    )


def test_an_expired_lease_can_be_taken(
    database: Database,
    source_id: int,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    lease = dt.timedelta(seconds=pull_settings.pull_lease_seconds)
    with database.unit_of_work() as session:
        # Replica A took the lease at T0 and died without giving it back.
        assert PullRepository(session).acquire_lease(
            source_id, owner="replica-a", now=T0, expires_at=T0 + lease
        )
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=EMPTY_CALENDAR))

    with pytest.raises(SourceBusy):
        _pull(database, source_id, pull_settings, protection, owner="replica-b", now=T0 + lease)
    assert route.call_count == 0
    assert stored_source(database, source_id).lease_owner == "replica-a"

    after = T0 + lease + dt.timedelta(seconds=1)
    outcome = _pull(database, source_id, pull_settings, protection, owner="replica-b", now=after)
    assert outcome.status is PullStatus.FETCHED
    assert route.call_count == 1
    source = stored_source(database, source_id)
    assert (source.lease_owner, source.last_pulled_at) == (None, after)


def test_a_lease_is_released_only_by_its_owner(
    database: Database, sample_ditep: SampleDitep
) -> None:
    source_id = sample_ditep.establishment_source_id
    with database.unit_of_work() as session:
        repository = PullRepository(session)
        assert repository.acquire_lease(
            source_id, owner="a", now=T0, expires_at=T0 + dt.timedelta(minutes=10)
        )
        assert not repository.acquire_lease(
            source_id, owner="b", now=T0, expires_at=T0 + dt.timedelta(minutes=10)
        )
        assert not repository.release_lease(source_id, owner="b")
        assert repository.release_lease(source_id, owner="a")
        assert repository.acquire_lease(
            source_id, owner="b", now=T0, expires_at=T0 + dt.timedelta(minutes=10)
        )


def test_a_source_without_url_or_unknown_cannot_be_pulled(
    database: Database,
    sample_ditep: SampleDitep,
    pull_settings: Settings,
    protection: DataProtection,
) -> None:
    source_id = sample_ditep.establishment_source_id
    with pytest.raises(InvalidRequest, match="has no URL"):
        _pull(database, source_id, pull_settings, protection)
    assert stored_source(database, source_id).lease_owner is None
    with pytest.raises(NotFound):
        _pull(database, 999_999, pull_settings, protection)


@pytest.mark.usefixtures("sample_ditep")
def test_a_disabled_source_is_not_pulled_nor_due(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
) -> None:
    source_id = add_pulled_source(database, "Disabled", url=URL)
    _set(database, source_id, disabled_at=T0)
    with database.unit_of_work() as session:
        assert source_id not in PullRepository(session).due_source_ids(T0)
    with pytest.raises(SourceDisabled, match="disabled"):
        _pull(database, source_id, pull_settings, protection, now=T0)
    assert stored_source(database, source_id).lease_owner is None  # the lease went with the refusal
    assert _import_count(database, source_id) == 0
    _set(database, source_id, disabled_at=None)
    with database.unit_of_work() as session:
        assert source_id in PullRepository(session).due_source_ids(T0)


def test_an_unexpected_error_while_storing_is_recorded_and_releases_the_lease(
    database: Database,
    source_id: int,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mock.get(URL).mock(return_value=httpx.Response(200, content=EMPTY_CALENDAR))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("agenda_ingest.pull.service.ingest_feed", broken)
    outcome = _pull(database, source_id, pull_settings, protection)

    assert outcome.failed
    assert outcome.error is not None
    assert "RuntimeError" in outcome.error
    source = stored_source(database, source_id)
    assert (source.last_pull_status, source.lease_owner) == ("failed", None)


@pytest.mark.usefixtures("sample_ditep")
def test_pull_due_picks_only_due_sources_never_pulled_first(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    now = T0
    never = add_pulled_source(database, "never pulled", url="https://dui.example/never.ics")
    stale = add_pulled_source(database, "pulled 2 h ago", url="https://dui.example/stale.ics")
    _set(database, stale, last_pulled_at=now - dt.timedelta(hours=2))
    exactly = add_pulled_source(
        database, "pulled 30 min ago, every 30", url="https://dui.example/x.ics"
    )
    _set(database, exactly, last_pulled_at=now - dt.timedelta(minutes=30), pull_interval_minutes=30)
    fresh = add_pulled_source(database, "pulled 10 min ago", url="https://dui.example/fresh.ics")
    _set(database, fresh, last_pulled_at=now - dt.timedelta(minutes=10))
    leased = add_pulled_source(database, "leased", url="https://dui.example/leased.ics")
    _set(database, leased, lease_owner="other", lease_expires_at=now + dt.timedelta(minutes=5))
    expired = add_pulled_source(database, "lease expired", url="https://dui.example/expired.ics")
    _set(database, expired, lease_owner="dead", lease_expires_at=now - dt.timedelta(minutes=1))
    fhir = add_pulled_source(
        database, "fhir", url="https://dui.example/fhir", feed_format=FeedFormat.FHIR
    )
    # The sample's two sources have no URL: they are pushed.
    # A search that finds one session (an empty one would be an unreadable snapshot).
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1090375123456"}],
    }
    encounter = {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2025-03-10T16:30:00+01:00", "end": "2025-03-10T17:15:00+01:00"},
    }
    searchset = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": encounter}, {"resource": patient}],
    }
    mock.get(url__regex=r"https://dui\.example/fhir/Encounter\?.*").mock(
        return_value=httpx.Response(200, json=searchset)
    )
    mock.get(url__regex=r"https://dui\.example/.*").mock(
        return_value=httpx.Response(200, content=EMPTY_CALENDAR)
    )

    with database.unit_of_work() as session:
        due = PullRepository(session).due_source_ids(now)
    assert due == [never, expired, fhir, stale, exactly]

    outcomes = pull_due(
        database, settings=pull_settings, protection=protection, owner="loop", now=now
    )
    assert [outcome.source_id for outcome in outcomes] == [never, expired, fhir, stale, exactly]
    assert {outcome.status for outcome in outcomes} == {PullStatus.FETCHED}
    with database.unit_of_work() as session:
        repository = PullRepository(session)
        # The other replica's lease has expired by then: its source is due again.
        assert repository.due_source_ids(now + dt.timedelta(minutes=29)) == [leased]
        assert repository.due_source_ids(now + dt.timedelta(minutes=30)) == [leased, exactly]
        assert repository.due_source_ids(now + dt.timedelta(minutes=50)) == [leased, fresh, exactly]


@pytest.mark.usefixtures("sample_ditep")
def test_pull_due_goes_on_after_a_failure(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    failing = add_pulled_source(database, "failing", url="https://dui.example/failing.ics")
    working = add_pulled_source(database, "working", url="https://dui.example/working.ics")
    mock.get("https://dui.example/failing.ics").mock(return_value=httpx.Response(500))
    mock.get("https://dui.example/working.ics").mock(
        return_value=httpx.Response(200, content=EMPTY_CALENDAR)
    )
    outcomes = pull_due(database, settings=pull_settings, protection=protection, owner="loop")
    assert [(o.source_id, o.status) for o in outcomes] == [
        (failing, PullStatus.FAILED),
        (working, PullStatus.FETCHED),
    ]
    assert outcomes[0].attempts == pull_settings.pull_max_attempts


@pytest.mark.usefixtures("sample_ditep")
def test_pull_due_stops_between_sources_when_asked(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    for name in ("one", "two", "three"):
        add_pulled_source(database, name, url=f"https://dui.example/{name}.ics")
    stop = threading.Event()

    def respond(request: httpx.Request) -> httpx.Response:
        stop.set()
        return httpx.Response(200, content=EMPTY_CALENDAR)

    mock.get(url__regex=r"https://dui\.example/.*").mock(side_effect=respond)
    outcomes = pull_due(
        database, settings=pull_settings, protection=protection, owner="loop", stop=stop
    )
    assert len(outcomes) == 1


def test_configure_source_sets_url_interval_and_credentials_name(
    database: Database, sample_ditep: SampleDitep
) -> None:
    source_id = sample_ditep.claire_source_id
    _set(database, source_id, http_etag='"stale"')
    _configure(database, source_id, interval_minutes=15, credentials_name="caldav")
    source = stored_source(database, source_id)
    assert (source.url, source.mode.value, source.pull_interval_minutes) == (URL, "pull", 15)
    assert (source.credentials_name, source.http_etag) == ("caldav", None)
    _configure(database, source_id, clear_credentials=True)
    assert stored_source(database, source_id).credentials_name is None
    with pytest.raises(InvalidRequest):
        _configure(database, source_id, url="file:///etc/passwd")
    with pytest.raises(InvalidRequest):
        _configure(database, source_id, interval_minutes=0)


# --- No transaction is open while HTTP is in flight ------------------------------------


def open_transactions(database: Database, url: str) -> list[str]:
    """What, if anything, holds the database while we wait on the network."""
    problems: list[str] = []
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    if pool.checkedout():
        problems.append(f"{pool.checkedout()} connection(s) checked out of the pool")
    if url.startswith("sqlite"):
        path = make_url(url).database
        assert path is not None
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            problems.append(f"another connection holds the write lock ({error})")
        finally:
            probe.close()
    else:
        admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as connection:
                states = (
                    connection.execute(
                        text(
                            "SELECT state FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid() "
                            "AND state LIKE 'idle in transaction%'"
                        )
                    )
                    .scalars()
                    .all()
                )
        finally:
            admin.dispose()
        problems += [f"a backend is '{state}'" for state in states]
    return problems


@pytest.fixture
def real_database(pooled_database: Database) -> Database:
    """The pooled database with one pulled iCal source."""
    add_pulled_source(pooled_database, "Export", url=URL)
    return pooled_database


def test_the_probe_sees_an_open_transaction(
    real_database: Database, fresh_database: TemporaryDatabase
) -> None:
    """The control: the check below would fail if the pull fetched inside a transaction."""
    assert open_transactions(real_database, fresh_database.url) == []
    with real_database.unit_of_work() as session:
        session.execute(update(Source).values(lease_owner="x"))
        problems = open_transactions(real_database, fresh_database.url)
    assert len(problems) == 2, problems
    assert open_transactions(real_database, fresh_database.url) == []


def test_no_transaction_is_open_during_the_http_call(
    real_database: Database,
    fresh_database: TemporaryDatabase,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    seen: list[list[str]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        # Checked on the first attempt (a 503) and on the retry.
        seen.append(open_transactions(real_database, fresh_database.url))
        if len(seen) == 1:
            return httpx.Response(503)
        return httpx.Response(200, content=sample_feed(), headers={"ETag": '"v1"'})

    mock.get(URL).mock(side_effect=respond)
    with real_database.unit_of_work() as session:
        source_id = session.scalars(text("SELECT id FROM source")).one()

    outcomes = pull_due(real_database, settings=pull_settings, protection=protection, owner="loop")

    assert [outcome.status for outcome in outcomes] == [PullStatus.FETCHED]
    assert outcomes[0].attempts == 2
    assert seen == [[], []]
    source = stored_source(real_database, source_id)
    assert (source.http_etag, source.lease_owner) == ('"v1"', None)


# --- The route -------------------------------------------------------------------------


def test_the_pull_route_pulls_with_tenancy_and_409_while_leased(
    database: Database,
    sample_ditep: SampleDitep,
    source_id: int,
    settings: Settings,
    make_key: KeyMaker,
    mock: respx.MockRouter,
) -> None:
    mock.get(URL).mock(
        return_value=httpx.Response(200, content=sample_feed(), headers={"ETag": '"v1"'})
    )
    app = create_ingest_app(settings, database=database)
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    other = make_key(Scope.FEEDS_WRITE, finess=("130000000",))
    reader = make_key(Scope.ACTIVITY_READ)
    with app_client(app) as client:
        assert client.post(f"/v1/sources/{source_id}/pull").status_code == 401
        assert client.post(f"/v1/sources/{source_id}/pull", headers=reader).status_code == 403
        assert client.post(f"/v1/sources/{source_id}/pull", headers=other).status_code == 404
        assert client.post("/v1/sources/999999/pull", headers=key).status_code == 404
        no_url = client.post(f"/v1/sources/{sample_ditep.claire_source_id}/pull", headers=key)
        assert no_url.status_code == 422
        assert "has no URL" in no_url.json()["detail"]

        response = client.post(f"/v1/sources/{source_id}/pull", headers=key)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["error"], body["attempts"]) == ("fetched", None, 1)
        assert body["import_result"]["created"] == 65

        with database.unit_of_work() as session:
            PullRepository(session).acquire_lease(
                source_id,
                owner="elsewhere",
                now=dt.datetime.now(dt.UTC),
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
            )
        busy = client.post(f"/v1/sources/{source_id}/pull", headers=key)
        assert busy.status_code == 409
        assert busy.headers["content-type"] == "application/problem+json"
        assert "being pulled" in busy.json()["detail"]


# --- The loop --------------------------------------------------------------------------


def test_the_app_runs_the_pull_loop_when_enabled(
    database: Database,
    source_id: int,
    mock: respx.MockRouter,
) -> None:
    fetched = threading.Event()

    def respond(request: httpx.Request) -> httpx.Response:
        fetched.set()
        return httpx.Response(200, content=sample_feed())

    mock.get(URL).mock(side_effect=respond)
    # The app's own in-process runner (SQLite's default; the tests turn it off elsewhere).
    settings = make_settings(
        pull_loop_enabled=True, pull_loop_interval_seconds=3600, tasks_in_process=True
    )
    app = create_ingest_app(settings, database=database)

    async def serve_until_pulled() -> None:
        async with app.router.lifespan_context(app):
            for _ in range(400):
                if fetched.is_set():
                    break
                await asyncio.sleep(0.025)

    asyncio.run(serve_until_pulled())
    assert fetched.is_set()
    # Shutdown waited for the pull in progress to write its result.
    source = stored_source(database, source_id)
    assert (source.last_pull_status, source.lease_owner) == ("fetched", None)
    assert _import_count(database, source_id) == 1


def test_the_loop_is_off_by_default(
    database: Database, sample_ditep: SampleDitep, settings: Settings, mock: respx.MockRouter
) -> None:
    assert not settings.pull_loop_enabled
    _configure(database, sample_ditep.establishment_source_id)
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=EMPTY_CALENDAR))
    # The runner runs (its other tasks), but no pull task is among them.
    app = create_ingest_app(
        settings.model_copy(update={"tasks_in_process": True}), database=database
    )

    async def serve_a_little() -> None:
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0.3)

    asyncio.run(serve_a_little())
    assert route.call_count == 0


# --- The command line ------------------------------------------------------------------


@pytest.fixture
def run(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("DITEP_PULL_ALLOWED_HOSTS", json.dumps(TEST_PULL_ALLOWED_HOSTS))
    monkeypatch.setenv("DITEP_PULL_BACKOFF_SECONDS", "0")
    monkeypatch.setenv(
        "DITEP_PULL_CREDENTIALS",
        json.dumps({"vendor": {"kind": "bearer", "token": "vendor-token"}}),
    )
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    return cli_runner


def _invoke(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(cli_app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_ditep_pull_due_one_and_configure(run: CliRunner, mock: respx.MockRouter) -> None:
    _invoke(
        run, "establishment", "add", "--finess", SAMPLE_FINESS, "--name", "DITEP", "--region", "84"
    )
    out = _invoke(
        run,
        "source",
        "add",
        "--finess",
        SAMPLE_FINESS,
        "--format",
        "ical",
        "--name",
        "Export",
        "--window-start",
        "2024-09-01",
        "--window-end",
        "2025-09-01",
    )
    source_id = out.strip().splitlines()[-1]
    assert _invoke(run, "pull", "--due", code=0) == ""  # nothing has a URL yet

    configured = _invoke(
        run,
        "pull",
        "configure",
        source_id,
        "--url",
        "https://user:pw@dui.example/export.ics?token=x",
        "--interval",
        "30",
        "--credentials",
        "vendor",
    )
    assert configured.strip() == (
        f"source {source_id}: url https://dui.example/export.ics?…, "
        "interval 30 min, credentials vendor"
    )
    route = mock.get("https://dui.example/export.ics").mock(
        side_effect=[
            httpx.Response(200, content=sample_feed(), headers={"ETag": '"v1"'}),
            httpx.Response(304),
            httpx.Response(403),
        ]
    )

    first = _invoke(run, "pull", "--due")
    assert first.strip() == (
        f"source {source_id}: fetched, import 1 (received 65, created 65, updated 0, "
        "deleted 0, rejected 0, unchanged 0)"
    )
    assert route.calls[0].request.headers["Authorization"] == "Bearer vendor-token"
    assert _invoke(run, "pull", "--due") == ""  # the interval has not passed
    assert _invoke(run, "pull", source_id).strip() == f"source {source_id}: not_modified"
    failed = _invoke(run, "pull", source_id, code=1)
    assert failed.strip() == (
        f"source {source_id}: failed: HTTP 403 Forbidden from https://dui.example/export.ics?…"
    )
    _invoke(run, "pull", "424242", code=1)
    _invoke(run, "pull", code=2)
    # Every pull is in the audit log (status 0 done, 1 failed), beside the configuration.
    database = Database.from_url(os.environ["DITEP_DATABASE_URL"])
    try:
        with database.unit_of_work() as session:
            rows = session.execute(
                select(AuditEvent.route, AuditEvent.scope_code, AuditEvent.status)
                .where(AuditEvent.service == "cli", AuditEvent.route.like("pull%"))
                .order_by(AuditEvent.id)
            ).all()
    finally:
        database.dispose()
    assert [tuple(row) for row in rows] == [
        ("pull configure", source_id, 0),
        ("pull --due", source_id, 0),
        ("pull", source_id, 0),
        ("pull", source_id, 1),
        ("pull", "424242", 1),
    ]
