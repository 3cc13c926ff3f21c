"""The push of Locations the ROR's ids are not recorded for (conditional update on our
identifier), a recorded id the ROR does not know, and a failed token step kept per
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
from activity_api.ror.push import RorClient, push_establishments
from activity_api.ror.service import push_results, remove_ror_id, ror_ids, set_ror_id
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
    conditional_url,
    ror_settings,
)
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import app_client

NIGHT, DAY = LOCATIONS


def _client(settings: Settings) -> RorClient:
    return RorClient(settings, client=httpx.Client(), sleep=lambda _: None)


def _push(database: Database, settings: Settings, store: LocationStore) -> Any:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.put(url__startswith=f"{BASE}/Location").mock(side_effect=store.respx)
        (report,) = push_establishments(
            database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    return report


def _ids(database: Database) -> dict[str, str]:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        return ror_ids(session, establishment)


def _edit_ids(database: Database, *, set_: dict[str, str] | None = None, remove: str = "") -> None:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        for resource, ror_id in (set_ or {}).items():
            set_ror_id(session, establishment, resource, ror_id)
        if remove:
            remove_ror_id(session, establishment, remove)


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
    assert store.calls == [
        ("Location", f"{SYNC_SYSTEM}|{NIGHT}"),
        ("Location", f"{SYNC_SYSTEM}|{DAY}"),
    ]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    night = store.locations["LOC-1"]
    assert night["identifier"][0]["value"] == NIGHT
    assert night["identifier"][0]["type"]["coding"][0]["code"] == "26"
    assert _ids(ror_database) == {f"Location/{NIGHT}": "LOC-1", f"Location/{DAY}": "LOC-2"}
    assert f"    the ROR's id LOC-1 recorded for Location/{NIGHT}" in first.lines()

    store.calls.clear()
    second = _push(ror_database, settings, store)
    assert second.ok, second.lines()
    assert store.calls == [("LOC-1", None), ("LOC-2", None)]  # plain updates by id
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]

    # The recorded id lost (removed by hand): the identifier still finds the Location.
    _edit_ids(ror_database, remove=f"Location/{NIGHT}")
    store.calls.clear()
    third = _push(ror_database, settings, store)
    assert third.ok, third.lines()
    assert store.calls == [("Location", f"{SYNC_SYSTEM}|{NIGHT}"), ("LOC-2", None)]
    assert [p.status_code for p in third.locations] == [200, 200]
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    assert _ids(ror_database)[f"Location/{NIGHT}"] == "LOC-1"


def test_the_ror_id_is_read_from_the_location_header_when_the_body_has_none(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "t"}))
        mock.put(conditional_url(NIGHT)).mock(
            return_value=httpx.Response(
                201, headers={"Location": f"{BASE}/Location/ROR-N/_history/1"}
            )
        )
        mock.put(conditional_url(DAY)).mock(return_value=httpx.Response(200))  # says nothing
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok, report.lines()
    assert _ids(ror_database) == {f"Location/{NIGHT}": "ROR-N"}


def test_a_recorded_id_the_ror_does_not_know_is_an_error_naming_ror_id(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _edit_ids(ror_database, set_={f"Location/{NIGHT}": "LOC-GONE"})
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
    assert sorted(store.locations) == ["LOC-1"]
    assert _ids(ror_database)[f"Location/{NIGHT}"] == "LOC-GONE"  # not guessed over
    lines = _status(monkeypatch, fresh_database.url)
    (line,) = [i for i, text in enumerate(lines) if text.startswith(f"  {NIGHT} ")]
    assert lines[line].startswith(f"  {NIGHT} week 2025-W11: 404 refused after 1 attempt(s)")
    assert lines[line + 1].startswith("    ror_id: the ROR has no Location LOC-GONE")


def test_several_ror_locations_with_our_identifier_are_an_error_naming_identifier(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    store = LocationStore()
    for ror_id in ("A-1", "A-2"):  # a duplicate made before this service pushed
        store.locations[ror_id] = {
            "resourceType": "Location",
            "id": ror_id,
            "identifier": [{"system": SYNC_SYSTEM, "value": NIGHT}],
        }
    report = _push(ror_database, ror_settings(fresh_database.url), store)
    night = report.locations[0]
    assert night.status_code == 412
    assert night.messages[0] == (
        f"identifier: several Locations of the ROR carry {SYNC_SYSTEM}|{NIGHT}; record the "
        f"right one: ditep ror ids set --resource Location/{NIGHT} --ror-id <id>"
    )
    assert sorted(store.locations) == ["A-1", "A-2", "LOC-1"]  # nothing more for the night
    assert f"Location/{NIGHT}" not in _ids(ror_database)


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
        puts = mock.put(url__startswith=f"{BASE}/Location")
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert puts.call_count == 0
    assert report.error == "token endpoint answered 401: error/login: client inconnu"
    assert [(p.local_id, p.attempts, p.status_code) for p in report.locations] == [
        (NIGHT, 0, None),
        (DAY, 0, None),
    ]
    assert "  not sent: PUT " + conditional_url(NIGHT) in "\n".join(report.lines())

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
        mock.put(url__startswith=f"{BASE}/Location").mock(return_value=httpx.Response(401))
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
