"""The push of Locations the ROR's ids are not recorded for (search by our identifier,
then PUT by id or POST, as the ROR guide documents; never a duplicate, a lost answer
included), a recorded id the ROR does not know, and a failed token step kept per
Location: against a respx-mocked ROR that answers as a FHIR server does."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from typer.testing import CliRunner

from activity_api.main import create_app
from activity_api.ror.push import PushReport, RorClient, push_establishments
from activity_api.ror.service import push_results, ror_ids
from ditep_cli.main import app as cli_app
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from tests.activity_api.ror.support import (
    BASE,
    FINESS,
    LOCATIONS,
    SYNC_SYSTEM,
    TOKEN_URL,
    WEEK,
    LocationStore,
    edit_ror_ids,
    healthcare_service,
    ror_location,
    ror_settings,
    search_url,
    searchset,
)
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import app_client

NIGHT, DAY = LOCATIONS


def _client(settings: Settings) -> RorClient:
    return RorClient(settings, client=httpx.Client(), sleep=lambda _: None)


def _push(database: Database, settings: Settings, store: LocationStore) -> Any:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=store.respx)
        (report,) = push_establishments(
            database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    return report


def _ids(database: Database) -> dict[str, str]:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        return ror_ids(session, establishment)


def _status(monkeypatch: pytest.MonkeyPatch, url: str) -> list[str]:
    monkeypatch.setenv("DITEP_DATABASE_URL", url)
    result = CliRunner().invoke(cli_app, ["ror", "status", "--finess", FINESS])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_a_first_push_creates_each_location_once_and_the_next_ones_update_them(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    store = LocationStore()
    first = _push(ror_database, settings, store)
    assert first.ok, first.lines()
    # Each: searched by our identifier, none found, created by POST (no id).
    assert store.calls == [
        ("GET", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("POST", "Location"),
        ("GET", f"{SYNC_SYSTEM}|{DAY}"),
        ("POST", "Location"),
    ]
    assert store.if_none_exist == [
        f"identifier={SYNC_SYSTEM}|{NIGHT}",
        f"identifier={SYNC_SYSTEM}|{DAY}",
    ]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    night = store.locations["LOC-1"]
    assert night["identifier"][0]["value"] == NIGHT
    assert night["identifier"][0]["type"]["coding"][0]["code"] == "26"
    assert _ids(ror_database) == {f"Location/{NIGHT}": "LOC-1", f"Location/{DAY}": "LOC-2"}
    assert f"    the ROR's id LOC-1 recorded for Location/{NIGHT}" in first.lines()
    assert [(p.method, p.status_code, p.attempts) for p in first.locations] == [
        ("POST", 201, 1),
        ("POST", 201, 1),
    ]
    assert f"  POST {BASE}/Location [installed=10, occupied=7, available=3] -> 201" in "\n".join(
        first.lines()
    )

    store.calls.clear()
    second = _push(ror_database, settings, store)
    assert second.ok, second.lines()
    assert store.calls == [("PUT", "LOC-1"), ("PUT", "LOC-2")]  # plain updates by id
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]

    # The recorded id lost (removed by hand): the search finds the Location, PUT by id.
    edit_ror_ids(ror_database, remove=f"Location/{NIGHT}")
    store.calls.clear()
    third = _push(ror_database, settings, store)
    assert third.ok, third.lines()
    assert store.calls == [("GET", f"{SYNC_SYSTEM}|{NIGHT}"), ("PUT", "LOC-1"), ("PUT", "LOC-2")]
    assert [p.status_code for p in third.locations] == [200, 200]
    assert store.locations["LOC-1"]["id"] == "LOC-1"
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    assert _ids(ror_database)[f"Location/{NIGHT}"] == "LOC-1"


def test_the_ror_id_is_read_from_the_location_header_else_searched_again(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.get(search_url(NIGHT)).mock(return_value=httpx.Response(200, json=searchset()))
        # The day one: none before its creation, which is answered without any id.
        day_search = mock.get(search_url(DAY)).mock(
            side_effect=[
                httpx.Response(200, json=searchset()),
                httpx.Response(200, json=searchset(ror_location("ROR-D", DAY))),
            ]
        )
        mock.post(f"{BASE}/Location").mock(
            side_effect=[
                httpx.Response(201, headers={"Location": f"{BASE}/Location/ROR-N/_history/1"}),
                httpx.Response(201),
            ]
        )
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok, report.lines()
    assert day_search.call_count == 2
    assert _ids(ror_database) == {f"Location/{NIGHT}": "ROR-N", f"Location/{DAY}": "ROR-D"}


def test_a_recorded_id_the_ror_does_not_know_is_an_error_naming_ror_id(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    edit_ror_ids(ror_database, set_={f"Location/{NIGHT}": "LOC-GONE"})
    settings = ror_settings(fresh_database.url)
    store = LocationStore()
    report = _push(ror_database, settings, store)
    assert not report.ok
    night, day = report.locations
    assert (night.url, night.status_code) == (f"{BASE}/Location/LOC-GONE", 404)
    assert night.messages[0] == (
        f"ror_id: the ROR has no Location LOC-GONE, the id recorded for Location/{NIGHT}; "
        "correct it (ditep ror ids set) or remove it (ditep ror ids remove) to match on "
        "our identifier"
    )
    assert night.messages[1] == "error/not-found: Location/LOC-GONE inconnue du ROR"
    assert day.ok  # the other one was created, and nothing was created for the night
    assert ("POST", "Location") in store.calls
    assert ("GET", f"{SYNC_SYSTEM}|{NIGHT}") not in store.calls
    assert sorted(store.locations) == ["LOC-1"]
    assert _ids(ror_database)[f"Location/{NIGHT}"] == "LOC-GONE"  # not guessed over
    lines = _status(monkeypatch, fresh_database.url)
    (line,) = [i for i, text in enumerate(lines) if text.startswith(f"  {NIGHT} ")]
    assert lines[line].startswith(f"  {NIGHT} week 2025-W11: 404 refused after 1 attempt(s)")
    assert lines[line + 1].startswith("    ror_id: the ROR has no Location LOC-GONE")


def test_several_ror_locations_with_our_identifier_are_an_error_naming_identifier(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = LocationStore()
    for ror_id in ("A-1", "A-2"):  # a duplicate made before this service pushed
        store.locations[ror_id] = ror_location(ror_id, NIGHT)
    report = _push(ror_database, ror_settings(fresh_database.url), store)
    assert not report.ok
    night = report.locations[0]
    assert (night.method, night.status_code, night.attempts) == ("GET", 200, 1)
    assert night.messages == [
        f"identifier: several Locations of the ROR carry {SYNC_SYSTEM}|{NIGHT} (A-1, A-2);"
        f" record the right one: ditep ror ids set --resource Location/{NIGHT} --ror-id <id>"
    ]
    assert store.calls[0] == ("GET", f"{SYNC_SYSTEM}|{NIGHT}")
    assert ("PUT", "A-1") not in store.calls
    assert sorted(store.locations) == ["A-1", "A-2", "LOC-1"]  # nothing more for the night
    assert f"Location/{NIGHT}" not in _ids(ror_database)
    lines = _status(monkeypatch, fresh_database.url)
    (line,) = [i for i, text in enumerate(lines) if text.startswith(f"  {NIGHT} ")]
    assert lines[line].startswith(
        f"  {NIGHT} week 2025-W11: search answered 200, nothing sent after 1 attempt(s)"
    )
    assert lines[line].endswith(f"(GET {search_url(NIGHT)})")
    assert lines[line + 1].startswith("    identifier: several Locations of the ROR carry")


def test_several_matches_on_the_creation_s_if_none_exist_name_identifier(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    """The search saw none, the ROR's conditional create sees several (made in between)."""
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.get(url__startswith=f"{BASE}/Location?").mock(
            return_value=httpx.Response(200, json=searchset())
        )
        create = mock.post(f"{BASE}/Location").mock(return_value=httpx.Response(412))
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert create.call_count == 2  # a 412 is final: not sent again
    night = report.locations[0]
    assert (night.method, night.status_code, night.ok) == ("POST", 412, False)
    assert night.messages[0] == (
        f"identifier: several Locations of the ROR carry {SYNC_SYSTEM}|{NIGHT}; record the "
        f"right one: ditep ror ids set --resource Location/{NIGHT} --ror-id <id>"
    )


def _push_answering_search(
    database: Database, settings: Settings, answer: dict[str, Any]
) -> tuple[int, PushReport]:
    """One push whose search by identifier gets ``answer``: the POSTs and PUTs sent, and
    the report."""
    with respx.mock(assert_all_called=False) as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.get(url__startswith=f"{BASE}/Location?").mock(
            return_value=httpx.Response(200, json=answer)
        )
        sent = mock.route(method__in=["POST", "PUT"], url__startswith=f"{BASE}/Location")
        (report,) = push_establishments(
            database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    return sent.call_count, report


def test_a_search_answering_locations_without_our_identifier_updates_none(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    """A server that ignores the parameter lists other Locations: none is updated."""
    other = ror_location("OTHER", "130000000-accueil-nuit")
    sent, report = _push_answering_search(
        ror_database, ror_settings(fresh_database.url), searchset(other)
    )
    assert sent == 0
    assert not report.ok
    assert report.locations[0].messages == [
        f"identifier: the ROR's search answered Locations without {SYNC_SYSTEM}|{NIGHT};"
        f" record the ROR's id: ditep ror ids set --resource Location/{NIGHT} --ror-id <id>"
    ]


@pytest.mark.parametrize("paging", ["next link", "total beyond the page"])
def test_a_search_answering_on_several_pages_updates_none(
    ror_database: Database, fresh_database: TemporaryDatabase, paging: str
) -> None:
    """One page of a longer answer hides other Locations carrying our identifier: the
    one it shows is not taken for the only one."""
    page = searchset(ror_location("A-1", NIGHT))
    if paging == "next link":
        page["link"] = [{"relation": "next", "url": f"{BASE}/Location?_page=2"}]
    else:
        page["total"] = 2
    sent, report = _push_answering_search(ror_database, ror_settings(fresh_database.url), page)
    assert sent == 0
    assert not report.ok
    assert report.locations[0].messages == [
        f"identifier: the ROR's search answered more Locations carrying {SYNC_SYSTEM}|{NIGHT}"
        f" than one page shows; record the ROR's id: ditep ror ids set --resource"
        f" Location/{NIGHT} --ror-id <id>"
    ]


TOKEN_REFUSAL = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "login", "diagnostics": "client inconnu"}],
}


@pytest.mark.slow
def test_a_refused_token_is_kept_per_location_and_shown_by_ror_status(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ror_settings(fresh_database.url)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(401, json=TOKEN_REFUSAL))
        puts = mock.route(url__startswith=f"{BASE}/Location")
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert puts.call_count == 0
    assert report.error == "token endpoint answered 401: error/login: client inconnu"
    assert [(p.local_id, p.attempts, p.status_code) for p in report.locations] == [
        (NIGHT, 0, None),
        (DAY, 0, None),
    ]
    assert (
        f"  not sent: GET {search_url(NIGHT)}, then PUT {BASE}/Location/{{its id}} or POST "
        f"{BASE}/Location [installed=10" in "\n".join(report.lines())
    )

    lines = _status(monkeypatch, fresh_database.url)
    assert lines[0] == f"ROR status {FINESS}"
    assert lines[1].startswith(f"  {DAY} week 2025-W11: not sent, ")
    assert lines[2] == "    not sent: token endpoint answered 401: error/login: client inconnu"
    assert json.loads(lines[3].removeprefix("    OperationOutcome: ")) == TOKEN_REFUSAL
    assert lines[4].startswith(f"  {NIGHT} week 2025-W11: not sent, ")

    app: FastAPI = create_app(settings, database=ror_database)
    key = KeyMaker(ror_database)(Scope.ACTIVITY_READ, finess=(FINESS,))
    with app_client(app) as client:
        body = client.get(f"/v1/establishments/{FINESS}/ror/status", headers=key).json()
    night = next(item for item in body["locations"] if item["location"] == NIGHT)
    assert (night["status_code"], night["attempts"], night["ok"]) == (None, 0, False)
    assert night["outcome"] == TOKEN_REFUSAL
    assert night["messages"] == [
        "not sent: token endpoint answered 401: error/login: client inconnu"
    ]

    # A later push whose token is given replaces what was kept.
    store = LocationStore()
    assert _push(ror_database, settings, store).ok
    lines = _status(monkeypatch, fresh_database.url)
    assert lines[1].startswith(f"  {DAY} week 2025-W11: 201 ok after 1 attempt(s)")


def test_a_token_refused_on_refresh_stops_the_push_and_keeps_the_rest_as_not_sent(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(
            side_effect=[
                httpx.Response(200, json={"access_token": "expired"}),
                httpx.Response(400, json={"error": "invalid_client"}),
            ]
        )
        mock.route(url__startswith=f"{BASE}/Location").mock(return_value=httpx.Response(401))
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert not report.ok
    assert [(p.local_id, p.attempts) for p in report.locations] == [(NIGHT, 0), (DAY, 0)]
    assert all(
        p.messages[0].startswith("not sent: token endpoint answered 400") for p in report.locations
    )


def test_a_missing_setting_keeps_every_location_as_not_sent(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url, ror_oauth2=None, ror_base_url=None)
    (report,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert report.error == "DITEP_ROR_BASE_URL is not set"
    with ror_database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        kept = {r.location: (r.attempts, r.messages) for r in push_results(session, establishment)}
    assert kept == {
        NIGHT: (0, ["not sent: DITEP_ROR_BASE_URL is not set"]),
        DAY: (0, ["not sent: DITEP_ROR_BASE_URL is not set"]),
    }


# --- A creation whose answer is lost is never sent twice --------------------------------


def test_a_creation_whose_answer_is_lost_is_searched_again_and_never_duplicated(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    edit_ror_ids(ror_database, set_={f"HealthcareService/{NIGHT}": "HS-1"})
    settings = ror_settings(fresh_database.url)
    store = LocationStore(lost_posts=1)  # the night's POST applied, its answer lost
    sleeps: list[float] = []
    with respx.mock(assert_all_called=True) as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=store.respx)
        read = mock.get(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        patch = mock.patch(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        (report,) = push_establishments(
            ror_database,
            settings,
            [FINESS],
            week=WEEK,
            client=RorClient(settings, client=httpx.Client(), sleep=sleeps.append),
        )
    assert report.ok, report.lines()
    # Searched again before sending it again: found, so PUT by id, not POSTed twice.
    assert store.calls == [
        ("GET", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("POST", "Location"),
        ("GET", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("PUT", "LOC-1"),
        ("GET", f"{SYNC_SYSTEM}|{DAY}"),
        ("POST", "Location"),
    ]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    night = report.locations[0]
    assert (night.method, night.status_code, night.attempts, night.ror_id) == (
        "PUT",
        200,
        2,
        "LOC-1",
    )
    assert len(sleeps) == 1
    assert _ids(ror_database) == {
        f"HealthcareService/{NIGHT}": "HS-1",
        f"Location/{NIGHT}": "LOC-1",
        f"Location/{DAY}": "LOC-2",
    }
    # Created by this push though its answer was lost: still added to its offer, once,
    # after reading the HealthcareService (it may have been added meanwhile).
    assert (read.call_count, patch.call_count) == (1, 1)
    reference = json.loads(patch.calls[0].request.content)["parameter"][0]["part"][3]
    assert reference == {
        "name": "value",
        "part": [{"name": "reference", "valueString": "Location/LOC-1"}],
    }
    assert night.attached_to == "HS-1"


def test_a_creation_refused_with_a_5xx_is_sent_again_once_the_search_finds_none(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    store = LocationStore(failing_posts=1)  # 503, not applied
    report = _push(ror_database, ror_settings(fresh_database.url), store)
    assert report.ok, report.lines()
    assert store.calls[:4] == [
        ("GET", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("POST", "Location"),
        ("GET", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("POST", "Location"),
    ]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    assert [(p.method, p.status_code, p.attempts) for p in report.locations] == [
        ("POST", 201, 2),
        ("POST", 201, 1),
    ]


def test_a_lost_creation_is_not_sent_again_while_the_search_fails(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url, ror_max_attempts=2)
    store = LocationStore(lost_posts=1)
    searches = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal searches
        if request.method == "GET":
            searches += 1
            if searches == 2:  # the night's search after its lost POST
                raise httpx.ConnectError("reset", request=request)
        return store.respx(request)

    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=answer)
        (first,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    night = first.locations[0]
    assert not night.ok
    assert (night.method, night.status_code, night.attempts) == ("GET", None, 2)
    assert night.messages == ["ConnectError: reset"]
    assert [call for call in store.calls if call[0] == "POST"] == [("POST", "Location")] * 2
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]  # the night's created once, unseen
    assert f"Location/{NIGHT}" not in _ids(ror_database)

    # The next push finds it by our identifier and goes on by id.
    store.calls.clear()
    second = _push(ror_database, settings, store)
    assert second.ok, second.lines()
    assert store.calls == [("GET", f"{SYNC_SYSTEM}|{NIGHT}"), ("PUT", "LOC-1"), ("PUT", "LOC-2")]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    assert _ids(ror_database)[f"Location/{NIGHT}"] == "LOC-1"


def test_a_server_ignoring_if_none_exist_still_gets_one_creation(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    """The search before the POST is what prevents a duplicate; If-None-Exist is a
    safeguard a server may ignore."""
    store = LocationStore(honours_if_none_exist=False)
    settings = ror_settings(fresh_database.url)
    assert _push(ror_database, settings, store).ok
    edit_ror_ids(ror_database, remove=f"Location/{NIGHT}")
    store.calls.clear()
    assert _push(ror_database, settings, store).ok
    assert ("POST", "Location") not in store.calls
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
