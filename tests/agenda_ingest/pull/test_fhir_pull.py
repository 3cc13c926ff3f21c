"""Pulling FHIR sources: the search, paging, OAuth2 tokens, increments, no HTTP in a transaction.

HTTP is mocked with respx; the database is real (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import select

from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.fetcher import Fetcher, FetchFailed, FetchPolicy
from agenda_ingest.pull.fhir_search import search_url
from agenda_ingest.pull.service import PullStatus, configure_source, pull_due, pull_source
from ditep_core.db import Database
from ditep_core.models import AgendaSession, FeedImport, PathwayPeriod
from ditep_core.nomenclatures import FeedFormat, SessionStatus
from ditep_core.protection import DataProtection
from ditep_core.settings import OAuth2Credential, Settings
from ditep_core.web.problems import InvalidRequest
from tests.agenda_ingest.pull.conftest import OAUTH
from tests.agenda_ingest.pull.pulling import add_pulled_source, stored_source
from tests.agenda_ingest.pull.test_pull_service import open_transactions
from tests.conftest import (
    TEST_PULL_ALLOWED_HOSTS,
    SampleDitep,
    TemporaryDatabase,
    add_sample_source,
    make_settings,
)

BASE = "https://dui.example/fhir"
TOKEN_URL = "https://auth.example/oauth2/token"
T0 = dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"

TEST_ALLOWLIST = Allowlist.from_entries(TEST_PULL_ALLOWED_HOSTS)


def _fhir_source(
    database: Database, name: str = "DUI FHIR", url: str = BASE, **configure: Any
) -> int:
    with database.unit_of_work() as session:
        source_id = add_sample_source(session, name)
        configure_source(session, source_id, url=url, **configure)
    return source_id


def _event(number: int, status: str = "finished") -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": f"e{number}",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-evenement"]},
        "status": status,
        "class": {"code": "AMB"},
        "type": [{"coding": [{"system": SERAFIN, "code": "2.1.1.2"}]}],
        "subject": {"reference": "Patient/p1"},
        "period": {
            "start": f"2025-03-{number:02d}T16:30:00+01:00",
            "end": f"2025-03-{number:02d}T17:15:00+01:00",
        },
    }


def _patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1090375123456"}],
    }


def _page(
    *resources: dict[str, Any], next_url: str | None = None, at: str | None = None
) -> httpx.Response:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": f"{BASE}/Encounter"}],
        "entry": [
            {
                "fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match" if r["resourceType"] == "Encounter" else "include"},
            }
            for r in resources
        ],
    }
    if next_url:
        bundle["link"].append({"relation": "next", "url": next_url})
    if at:
        bundle["meta"] = {"lastUpdated": at}
    return httpx.Response(200, json=bundle, headers={"Content-Type": "application/fhir+json"})


def _capabilities(*with_history: str) -> httpx.Response:
    """A CapabilityStatement listing Encounter, Appointment and Slot, with ``history-type``
    on the types named."""
    resources = [
        {
            "type": name,
            "interaction": [{"code": "search-type"}]
            + ([{"code": "history-type"}] if name in with_history else []),
        }
        for name in ("Encounter", "Appointment", "Slot")
    ]
    return httpx.Response(
        200,
        json={
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{"mode": "server", "resource": resources}],
        },
    )


def _history(*entries: dict[str, Any], next_url: str | None = None) -> httpx.Response:
    """A history page: ``entries`` as they are, newest first."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "history", "entry": list(entries)}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return httpx.Response(200, json=bundle, headers={"Content-Type": "application/fhir+json"})


def _deleted(reference: str, version: int = 2) -> dict[str, Any]:
    return {
        "fullUrl": f"{BASE}/{reference}",
        "request": {"method": "DELETE", "url": f"{reference}/_history/{version}"},
        "response": {"status": "204 No Content"},
    }


def _updated(resource: dict[str, Any]) -> dict[str, Any]:
    reference = f"{resource['resourceType']}/{resource['id']}"
    return {
        "fullUrl": f"{BASE}/{reference}",
        "resource": resource,
        "request": {"method": "PUT", "url": reference},
        "response": {"status": "200 OK"},
    }


def _token(value: str, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": value, "token_type": "Bearer", "expires_in": expires_in}
    )


def _pull(
    database: Database,
    source_id: int,
    settings: Settings,
    protection: DataProtection,
    now: dt.datetime = T0,
    fetcher: Fetcher | None = None,
) -> Any:
    return pull_source(
        database,
        source_id,
        settings=settings,
        protection=protection,
        owner="replica-a",
        now=now,
        fetcher=fetcher,
    )


@pytest.mark.usefixtures("sample_ditep")
def test_a_full_search_over_the_window_then_increments_since_the_last_one(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database, credentials_name="dui")
    token = mock.post(TOKEN_URL).mock(return_value=_token("t1"))
    metadata = mock.get(f"{BASE}/metadata").mock(return_value=_capabilities("Encounter"))
    # Only updates since: nothing deleted, the pulls stay increments.
    history = mock.get(url__startswith=f"{BASE}/Encounter/_history").mock(
        return_value=_history(_updated(_event(4, "cancelled")))
    )
    page_two = f"{BASE}?_getpages=abc&_getpagesoffset=2"
    search = mock.get(url__startswith=f"{BASE}/Encounter").mock(
        side_effect=[
            _page(_event(3), _patient(), next_url=page_two, at="2025-03-10T07:59:00Z"),
            # Later: only what changed since; e4 was cancelled.
            _page(_event(4, "cancelled"), _patient(), at="2025-03-10T09:00:00Z"),
            # Later still: nothing changed, an empty increment.
            _page(at="2025-03-10T10:00:00Z"),
        ]
    )
    second_page = mock.get(url__startswith=f"{BASE}?_getpages").mock(
        return_value=_page(_event(4), _event(5))
    )
    fetcher = Fetcher.from_settings(pull_settings)

    first = _pull(database, source_id, pull_settings, protection, fetcher=fetcher)

    assert first.status is PullStatus.FETCHED, first.error
    assert first.attempts == 2
    assert first.imported is not None
    assert (first.imported.received, first.imported.created) == (3, 3)
    query = search.calls[0].request.url.params
    assert query.get_list("date") == ["ge2024-09-01", "lt2025-09-01"]
    assert "_lastUpdated" not in query
    assert query["_count"] == "2"
    assert query.get_list("_include") == [
        "Encounter:subject",
        "Encounter:participant",
        "Encounter:part-of",
        "Encounter:location",
    ]
    assert search.calls[0].request.headers["Authorization"] == "Bearer t1"
    assert search.calls[0].request.headers["Accept"].startswith("application/fhir+json")
    assert second_page.calls[0].request.headers["Authorization"] == "Bearer t1"
    token_form = dict(httpx.QueryParams(token.calls[0].request.content.decode()))
    assert token_form == {"grant_type": "client_credentials", "scope": "system/*.read"}
    assert token.calls[0].request.headers["Authorization"].startswith("Basic ")
    source = stored_source(database, source_id)
    # The server's time of the search, less a margin, bounds the next one.
    assert (source.last_pull_status, source.http_last_modified) == (
        "fetched",
        "2025-03-10T07:54:00Z",
    )
    with database.unit_of_work() as session:
        feed_import = session.get(FeedImport, first.imported.import_id)
        assert feed_import is not None
        # The pages are stored as the one searchset Bundle that was ingested.
        stored = json.loads(protection.vault.open(feed_import.payload_sealed))
        assert [e["resource"]["id"] for e in stored["entry"]] == ["e3", "p1", "e4", "e5"]
        assert feed_import.content_type == "application/fhir+json"

    later = T0 + dt.timedelta(hours=1)
    second = _pull(database, source_id, pull_settings, protection, now=later, fetcher=fetcher)

    assert second.status is PullStatus.FETCHED, second.error
    assert second.imported is not None
    assert (second.imported.updated, second.imported.deleted) == (1, 0)
    assert search.calls[1].request.url.params["_lastUpdated"] == "ge2025-03-10T07:54:00Z"
    assert history.calls[0].request.url.params["_since"] == "2025-03-10T07:54:00Z"
    assert metadata.call_count == 1
    assert (second.full, stored_source(database, source_id).fhir_history) == (False, "supported")
    assert token.call_count == 1  # the token was kept
    with database.unit_of_work() as session:
        rows = session.execute(select(AgendaSession.uid, AgendaSession.status)).all()
        statuses = {row.uid: row.status for row in rows}
        feed_import = session.get(FeedImport, second.imported.import_id)
        assert feed_import is not None
        assert feed_import.content_type == "application/fhir+json; snapshot=false"
    assert statuses == {
        "Encounter/e3": SessionStatus.DONE,
        "Encounter/e4": SessionStatus.CANCELLED,
        "Encounter/e5": SessionStatus.DONE,
    }
    assert stored_source(database, source_id).http_last_modified == "2025-03-10T08:55:00Z"

    # An increment may be empty (nothing changed since); only a snapshot may not.
    third = _pull(
        database,
        source_id,
        pull_settings,
        protection,
        now=later + dt.timedelta(hours=1),
        fetcher=fetcher,
    )
    assert third.status is PullStatus.FETCHED, third.error
    assert third.imported is not None
    assert (third.imported.received, third.imported.deleted) == (0, 0)
    # The server's capabilities are known: not asked again.
    assert (metadata.call_count, history.call_count) == (1, 2)
    assert stored_source(database, source_id).pulls_since_full == 2


def test_a_full_pull_can_be_asked_for_and_appointments_searched(
    database: Database,
    sample_ditep: SampleDitep,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database)
    with database.unit_of_work() as session:
        configure_source(session, source_id, fhir_resource="Appointment")
        with pytest.raises(InvalidRequest, match="Encounter or Appointment"):
            configure_source(session, source_id, fhir_resource="Slot")
        with pytest.raises(InvalidRequest, match="only a FHIR source"):
            configure_source(session, sample_ditep.establishment_source_id, fhir_resource="Slot")
    appointment = {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2025-03-12T14:00:00+01:00",
        "minutesDuration": 90,
        "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
    }
    search = mock.get(url__startswith=f"{BASE}/Appointment").mock(
        return_value=_page(appointment, _patient())
    )
    first = _pull(database, source_id, pull_settings, protection)
    assert first.status is PullStatus.FETCHED, first.error
    assert search.calls[0].request.url.params.get_list("_include") == ["Appointment:actor"]
    assert "Authorization" not in search.calls[0].request.headers
    assert stored_source(database, source_id).http_last_modified == "2025-03-10T07:55:00Z"
    with database.unit_of_work() as session:
        configure_source(session, source_id, full=True)
    assert stored_source(database, source_id).http_last_modified is None
    _pull(database, source_id, pull_settings, protection)
    assert "_lastUpdated" not in search.calls[1].request.url.params


@pytest.mark.usefixtures("sample_ditep")
def test_a_stay_pulled_becomes_a_pathway_period(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database)
    stay = {
        "resourceType": "Encounter",
        "id": "s1",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "status": "in-progress",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2024-09-02"},
    }
    mock.get(url__startswith=f"{BASE}/Encounter").mock(return_value=_page(stay, _patient()))
    assert _pull(database, source_id, pull_settings, protection).status is PullStatus.FETCHED
    with database.unit_of_work() as session:
        [period] = session.scalars(select(PathwayPeriod)).all()
        assert (period.source_id, period.external_id) == (source_id, "Encounter/s1")


@pytest.mark.usefixtures("sample_ditep")
def test_a_search_past_the_event_limit_fails_before_it_is_ingested(
    database: Database,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    settings = make_settings(pull_backoff_seconds=0, max_events_per_feed=3)
    source_id = _fhir_source(database)
    mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(1), _event(2), next_url=f"{BASE}?page=2")
    )
    mock.get(f"{BASE}?page=2").mock(return_value=_page(_event(3), _event(4)))
    outcome = _pull(database, source_id, settings, protection)
    assert outcome.failed
    assert outcome.error == (
        f"the search of {BASE}/Encounter?… gives more than 3 resources in its first 2 "
        "pages (DITEP_MAX_EVENTS_PER_FEED); nothing was ingested"
    )
    assert outcome.imported is None


@pytest.mark.usefixtures("sample_ditep")
def test_paging_is_bounded_and_stays_on_the_server(
    database: Database,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    settings = make_settings(pull_backoff_seconds=0, pull_fhir_max_pages=2)
    source_id = _fhir_source(database)
    mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(3), next_url=f"{BASE}?page=2")
    )
    mock.get(f"{BASE}?page=2").mock(return_value=_page(_event(4), next_url=f"{BASE}?page=3"))
    outcome = _pull(database, source_id, settings, protection)
    assert outcome.failed
    assert outcome.error == (
        f"the search of {BASE}/Encounter?… has more than 2 pages "
        "(DITEP_PULL_FHIR_MAX_PAGES); nothing was ingested"
    )
    assert outcome.imported is None
    source = stored_source(database, source_id)
    assert (source.last_pull_status, source.http_last_modified, source.lease_owner) == (
        "failed",
        None,
        None,
    )

    elsewhere = _fhir_source(database, "elsewhere")
    mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(3), next_url="https://evil.example/fhir?page=2")
    )
    away = _pull(database, elsewhere, settings, protection)
    assert away.failed
    assert away.error is not None
    assert "links its next page to another server (https://evil.example/fhir?…)" in away.error


@pytest.mark.usefixtures("sample_ditep")
def test_a_page_answered_5xx_is_retried(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database)
    mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(3), _patient(), next_url=f"{BASE}?page=2")
    )
    mock.get(f"{BASE}?page=2").mock(side_effect=[httpx.Response(503), _page(_event(4), _patient())])
    outcome = _pull(database, source_id, pull_settings, protection)
    assert outcome.status is PullStatus.FETCHED, outcome.error
    assert outcome.attempts == 3
    assert outcome.imported is not None
    assert outcome.imported.created == 2


# --- OAuth2 client credentials ---------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fetcher(clock: Clock) -> Fetcher:
    return Fetcher(
        FetchPolicy(backoff_seconds=0, allowlist=TEST_ALLOWLIST),
        credentials={"dui": OAUTH},
        sleep=lambda _s: None,
        clock=clock,
    )


def test_a_token_is_kept_until_it_expires(mock: respx.MockRouter) -> None:
    token = mock.post(TOKEN_URL).mock(side_effect=[_token("t1", 600), _token("t2", 600)])
    search = mock.get(url__startswith=f"{BASE}/Encounter").mock(return_value=_page(_event(3)))
    clock = Clock()
    fetcher = _fetcher(clock)
    url = f"{BASE}/Encounter?date=ge2025-03-01"
    fetcher.fetch_fhir(url, credentials_name="dui")
    clock.now += 500  # before its end, less the renewal margin (30 s)
    fetcher.fetch_fhir(url, credentials_name="dui")
    clock.now += 80  # 580 s: inside the margin
    fetcher.fetch_fhir(url, credentials_name="dui")
    assert token.call_count == 2
    assert [call.request.headers["Authorization"] for call in search.calls] == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]


def test_a_401_asks_for_a_new_token_once(mock: respx.MockRouter) -> None:
    token = mock.post(TOKEN_URL).mock(
        side_effect=[_token("revoked"), _token("fresh"), _token("again")]
    )
    search = mock.get(url__startswith=f"{BASE}/Encounter").mock(
        side_effect=[
            httpx.Response(401),
            _page(_event(3)),
            httpx.Response(401),
            httpx.Response(401),
        ]
    )
    fetcher = _fetcher(Clock())
    url = f"{BASE}/Encounter?date=ge2025-03-01"
    result = fetcher.fetch_fhir(url, credentials_name="dui")
    assert json.loads(result.body)["entry"][0]["resource"]["id"] == "e3"
    assert [call.request.headers["Authorization"] for call in search.calls] == [
        "Bearer revoked",
        "Bearer fresh",
    ]
    # The fresh token is refused too: one more token, then the fetch fails.
    with pytest.raises(FetchFailed) as failed:
        fetcher.fetch_fhir(url, credentials_name="dui")
    assert failed.value.status_code == 401
    assert "with a fresh token" in failed.value.message
    assert token.call_count == 3


def test_a_refused_client_is_a_failure_that_names_no_secret(mock: respx.MockRouter) -> None:
    post = OAuth2Credential(
        kind="oauth2",
        token_url=TOKEN_URL,
        client_id="ditep",
        client_secret=SecretStr("s3cret"),
        client_auth="post",
    )
    token = mock.post(TOKEN_URL).mock(return_value=httpx.Response(401, json={"error": "x"}))
    fetcher = Fetcher(
        FetchPolicy(allowlist=TEST_ALLOWLIST), credentials={"dui": post}, sleep=lambda _s: None
    )
    with pytest.raises(FetchFailed) as failed:
        fetcher.fetch_fhir(f"{BASE}/Encounter", credentials_name="dui")
    assert failed.value.message == (
        f"the token endpoint {TOKEN_URL} refused the client credentials of 'dui' (HTTP 401)"
    )
    assert "s3cret" not in failed.value.message
    form = dict(httpx.QueryParams(token.calls[0].request.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "ditep",
        "client_secret": "s3cret",
    }
    assert "Authorization" not in token.calls[0].request.headers


def test_the_search_url() -> None:
    url = search_url(
        "https://dui.example/fhir/",
        "Encounter",
        window=(dt.date(2024, 9, 1), dt.date(2025, 9, 1)),
        since="2025-03-10T07:55:00Z",
        page_size=500,
    )
    assert url == (
        "https://dui.example/fhir/Encounter?date=ge2024-09-01&date=lt2025-09-01"
        "&_lastUpdated=ge2025-03-10T07%3A55%3A00Z&_include=Encounter%3Asubject"
        "&_include=Encounter%3Aparticipant&_include=Encounter%3Apart-of"
        "&_include=Encounter%3Alocation"
        "&_include%3Aiterate=PractitionerRole%3Apractitioner&_count=500"
    )
    slots = httpx.URL(
        search_url(
            BASE,
            "Slot",
            window=(dt.date(2024, 9, 1), dt.date(2025, 9, 1)),
            since=None,
            page_size=50,
        )
    )
    assert slots.path == "/fhir/Slot"
    assert slots.params.get_list("start") == ["ge2024-09-01", "lt2025-09-01"]
    assert slots.params.get_list("_include") == ["Slot:schedule"]
    assert slots.params.get_list("_include:iterate") == ["Schedule:actor"]
    with pytest.raises(ValueError, match="Encounter or Appointment"):
        search_url(
            BASE,
            "Patient",
            window=(dt.date(2024, 9, 1), dt.date(2025, 9, 1)),
            since=None,
            page_size=1,
        )


# --- No transaction during HTTP ---------------------------------------------------------


def test_no_transaction_is_open_while_a_fhir_search_is_paged(
    pooled_database: Database,
    fresh_database: TemporaryDatabase,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    database = pooled_database
    add_pulled_source(database, "FHIR", url=BASE, feed_format=FeedFormat.FHIR)
    seen: list[list[str]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(open_transactions(database, fresh_database.url))
        if "page=2" in str(request.url):
            return _page(_event(4))
        return _page(_event(3), next_url=f"{BASE}?page=2")

    mock.get(url__startswith=BASE).mock(side_effect=respond)
    outcomes = pull_due(database, settings=pull_settings, protection=protection, owner="loop")
    assert [outcome.status for outcome in outcomes] == [PullStatus.FETCHED]
    assert seen == [[], []]
