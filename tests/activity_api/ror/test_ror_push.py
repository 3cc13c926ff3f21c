"""ROR push: OAuth2 token, each Location searched by identifier then created (POST) or
PUT by id, retries, OperationOutcome, no open transaction during HTTP; respx at the
network edge, plus one real HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from activity_api.main import create_app
from activity_api.ror.push import RorClient, push_establishments
from activity_api.ror.repository import RorRepository
from activity_api.ror.service import push_results, ror_ids
from ditep_cli.main import app as cli_app
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from tests.activity_api.helpers import capacity_extensions
from tests.activity_api.ror.support import (
    BASE,
    FINESS,
    LOCATIONS,
    OAUTH2,
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
from tests.agenda_ingest.pull.test_pull_service import open_transactions
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import app_client


def _client(settings: Settings, sleeps: list[float] | None = None) -> RorClient:
    recorded: list[float] = [] if sleeps is None else sleeps
    return RorClient(settings, client=httpx.Client(), sleep=recorded.append)


def _token_route(mock: respx.MockRouter) -> respx.Route:
    return mock.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json={"access_token": "tok-1", "expires_in": 300})
    )


def test_push_sends_each_location_with_token_and_headers(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    seen: list[httpx.Request] = []
    problems: list[str] = []
    store = LocationStore()

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        problems.extend(open_transactions(ror_database, fresh_database.url))
        return store.respx(request)

    with respx.mock(assert_all_called=True) as mock:
        token = _token_route(mock)
        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=answer)
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok, report.lines()
    assert problems == []
    assert token.call_count == 1
    form = dict(httpx.QueryParams(token.calls[0].request.content.decode()))
    assert form == {"grant_type": "client_credentials", "scope": "ror.capacity"}
    assert token.calls[0].request.headers["Authorization"].startswith("Basic ")
    # No ROR id recorded yet: each searched by our identifier, then created without an id.
    assert [(r.method, str(r.url)) for r in seen] == [
        ("GET", search_url(LOCATIONS[0])),
        ("POST", f"{BASE}/Location"),
        ("GET", search_url(LOCATIONS[1])),
        ("POST", f"{BASE}/Location"),
    ]
    searches, posts = seen[::2], seen[1::2]
    assert all("id" not in json.loads(r.content) for r in posts)
    assert [r.headers["If-None-Exist"] for r in posts] == [
        f"identifier=urn:ditep:ror:location|{i}" for i in LOCATIONS
    ]
    for request in seen:
        assert request.headers["Authorization"] == "Bearer tok-1"
        assert request.headers["X-ROR-Region"] == "84"
        assert request.headers["Accept"] == "application/fhir+json"
    assert all(r.headers["Content-Type"] == "application/fhir+json" for r in posts)
    assert all(r.content == b"" for r in searches)
    night = json.loads(posts[0].content)
    assert capacity_extensions(night) == {"01": 10, "03": 7, "02": 3}
    # Day: 2 young people, hidden with the available places that would give it back.
    assert capacity_extensions(json.loads(posts[1].content)) == {"01": 12}
    assert report.suppressed == ["accueil_jour.available", "accueil_jour.occupied"]
    lines = "\n".join(report.lines())
    assert f"POST {BASE}/Location [installed=10, occupied=7" in lines
    assert "-> 201 after 1 attempt(s)" in lines


def test_5xx_and_timeouts_are_retried_then_reported(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url, ror_max_attempts=3, ror_backoff_seconds=0.5)
    sleeps: list[float] = []
    with respx.mock() as mock:
        _token_route(mock)
        # The ROR has no night Location: each creation that failed is searched again first.
        searched = mock.get(search_url(LOCATIONS[0])).mock(
            return_value=httpx.Response(200, json=searchset())
        )
        created = mock.post(f"{BASE}/Location").mock(
            side_effect=[
                httpx.ConnectTimeout("slow"),
                httpx.Response(503),
                httpx.Response(201, json={"resourceType": "Location", "id": "LOC-1"}),
            ]
        )
        mock.get(search_url(LOCATIONS[1])).mock(return_value=httpx.Response(502))
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings, sleeps)
        )
    night, day = report.locations
    assert (night.status_code, night.attempts, night.ok) == (201, 3, True)
    assert (searched.call_count, created.call_count) == (3, 3)
    # The day search failed each time: nothing was sent for it.
    assert (day.method, day.status_code, day.attempts, day.ok) == ("GET", 502, 3, False)
    assert not report.ok
    assert sleeps == [0.5, 1.0, 0.5, 1.0]
    assert f"  GET {search_url(LOCATIONS[1])} [installed=12] -> 502 after 3 attempt(s)" in (
        report.lines()
    )


def test_4xx_operation_outcomes_are_final_and_reported(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "invalid",
                "diagnostics": "Location.extension[0]: capacitySourceType is required",
                "expression": ["Location.extension[0]"],
            }
        ],
    }
    with respx.mock() as mock:
        _token_route(mock)
        mock.get(url__startswith=f"{BASE}/Location?").mock(
            return_value=httpx.Response(200, json=searchset())
        )
        route = mock.post(f"{BASE}/Location").mock(return_value=httpx.Response(422, json=outcome))
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert route.call_count == 2  # one per Location, no retry of a 4xx
    assert not report.ok
    assert report.locations[0].messages == [
        "error/invalid: Location.extension[0]: capacitySourceType is required "
        "(Location.extension[0])"
    ]
    assert "-> 422 after 1 attempt(s)" in "\n".join(report.lines())


def test_a_401_refreshes_the_token_once_and_a_refused_token_stops_the_push(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        token = mock.post(TOKEN_URL).mock(
            side_effect=[
                httpx.Response(200, json={"access_token": "old"}),
                httpx.Response(200, json={"access_token": "new"}),
            ]
        )

        store = LocationStore()

        def answer(request: httpx.Request) -> httpx.Response:
            if request.headers["Authorization"] != "Bearer new":
                return httpx.Response(401)
            return store.respx(request)

        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=answer)
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok, report.lines()
    assert token.call_count == 2
    assert [p.attempts for p in report.locations] == [1, 1]  # the refresh is no attempt
    assert sorted(store.locations) == ["LOC-1", "LOC-2"]
    with respx.mock() as mock:
        mock.post(TOKEN_URL).mock(
            return_value=httpx.Response(
                401,
                json={
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "error", "code": "login", "diagnostics": "bad client"}],
                },
            )
        )
        (refused,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert not refused.ok
    assert refused.error == "token endpoint answered 401: error/login: bad client"


def test_a_missing_base_url_is_a_reported_error(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url, ror_base_url=None)
    (report,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert not report.ok
    assert report.error == "DITEP_ROR_BASE_URL is not set"
    (unknown,) = push_establishments(ror_database, settings, ["130000999"], week=WEEK)
    assert unknown.error == "no establishment with FINESS 130000999"


def test_cli_dry_run_sends_nothing_and_push_reports(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_ROR_BASE_URL", BASE)
    monkeypatch.setenv("DITEP_ROR_OAUTH2", json.dumps(OAUTH2))
    monkeypatch.setenv("DITEP_ROR_BACKOFF_SECONDS", "0")
    runner = CliRunner()
    args = ["ror", "push", "--finess", FINESS, "--week", "2025-W11"]
    with respx.mock() as mock:  # any HTTP call would fail: no route
        dry = runner.invoke(cli_app, [*args, "--dry-run"])
        assert mock.calls.call_count == 0
    assert dry.exit_code == 0, dry.output
    assert (
        f"would GET {search_url(LOCATIONS[0])}, then PUT {BASE}/Location/{{its id}} or POST "
        f"{BASE}/Location [installed=10" in dry.stdout
    )
    with respx.mock() as mock:
        _token_route(mock)
        mock.get(url__startswith=f"{BASE}/Location?").mock(
            return_value=httpx.Response(200, json=searchset())
        )
        mock.post(f"{BASE}/Location").mock(return_value=httpx.Response(400))
        failed = runner.invoke(cli_app, args)
    assert failed.exit_code == 1
    assert "-> 400 after 1 attempt(s)" in failed.stdout


def test_the_scheduled_push_runs_when_the_app_starts(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(
        fresh_database.url,
        ror_push_enabled=True,
        ror_push_finess=[FINESS],
        tasks_in_process=True,  # the app's own runner, as on SQLite by default
    )
    app: FastAPI = create_app(settings, database=ror_database)

    async def serve_once(mock: respx.MockRouter) -> None:
        async with app.router.lifespan_context(app):
            with anyio.fail_after(20):
                while len(store.locations) < 2:  # the token, then two Locations created
                    await anyio.sleep(0.05)

    store = LocationStore()
    with respx.mock() as mock:
        _token_route(mock)
        mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=store.respx)
        anyio.run(serve_once, mock)
    assert [call[0] for call in store.calls] == ["GET", "POST", "GET", "POST"]


# --- One real HTTP server -------------------------------------------------------------


class FakeRor:
    """A tiny ROR over real sockets: a token endpoint, the search, creation and update of
    Locations the guide documents (``GET /fhir/Location?identifier=``, ``POST
    /fhir/Location``, ``PUT /fhir/Location/{id}``) and the read and FHIRPath Patch of
    HealthcareServices."""

    def __init__(self) -> None:
        self.store = LocationStore()
        self.locations = self.store.locations
        self.tokens_given = 0
        # Our ids whose Location this ROR refuses (422) with an OperationOutcome.
        self.refused: set[str] = set()
        # Every request to /fhir: (method, path).
        self.requests: list[tuple[str, str]] = []

        async def token(request: Request) -> JSONResponse:
            # No python-multipart here: the urlencoded body parsed by hand.
            form = dict(httpx.QueryParams((await request.body()).decode()))
            if (
                form.get("client_secret") != "s3cret"
                or form.get("grant_type") != "client_credentials"
            ):
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            self.tokens_given += 1
            return JSONResponse({"access_token": "real-token", "expires_in": 60})

        async def location(request: Request) -> JSONResponse:
            self.requests.append((request.method, request.url.path))
            if request.headers.get("authorization") != "Bearer real-token":
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
            body = await request.json() if request.method != "GET" else None
            ours = [i.get("value") for i in (body or {}).get("identifier", [])]
            if any(value in self.refused for value in ours):
                return JSONResponse(REFUSAL, status_code=422)
            status, answer = self.store.answer(
                request.method,
                request.url.path,
                request.url.query,
                body,
                request.headers.get("if-none-exist"),
            )
            headers = {}
            if status == 201:
                headers["Location"] = f"{request.base_url}fhir/Location/{answer['id']}"
            return JSONResponse(answer, status_code=status, headers=headers)

        # The ROR's HealthcareServices (their ``location`` lists), and how many of the next
        # PATCHes of them it answers 503 without applying them.
        self.services: dict[str, dict[str, Any]] = {}
        self.failing_patches = 0
        self.patches = 0

        async def get_service(request: Request) -> JSONResponse:
            self.requests.append((request.method, request.url.path))
            service = self.services.get(request.path_params["id"])
            if service is None:
                return JSONResponse(REFUSAL, status_code=404)
            return JSONResponse(service)

        async def patch_service(request: Request) -> JSONResponse:
            self.requests.append((request.method, request.url.path))
            self.patches += 1
            service = self.services.get(request.path_params["id"])
            if request.headers.get("content-type") != "application/fhir+json":
                return JSONResponse(REFUSAL, status_code=415)
            if self.failing_patches > 0:
                self.failing_patches -= 1
                return JSONResponse(REFUSAL, status_code=503)
            if service is None:
                return JSONResponse(REFUSAL, status_code=404)
            # A FHIRPath Patch: each operation adds its value's parts as one element.
            for operation in (await request.json())["parameter"]:
                part = {item["name"]: item for item in operation["part"]}
                assert part["type"]["valueString"] == "add"
                assert part["path"]["valueString"] == "HealthcareService"
                value = {item["name"]: item["valueString"] for item in part["value"]["part"]}
                service.setdefault(part["name"]["valueString"], []).append(value)
            return JSONResponse(service)

        self.app = Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                # The guide's interactions only: no conditional PUT (405).
                Route("/fhir/Location/{id}", location, methods=["PUT"]),
                Route("/fhir/Location", location, methods=["GET", "POST"]),
                Route("/fhir/HealthcareService/{id}", get_service, methods=["GET"]),
                Route("/fhir/HealthcareService/{id}", patch_service, methods=["PATCH"]),
            ]
        )


@pytest.fixture
def fake_ror() -> Iterator[tuple[FakeRor, str]]:
    ror = FakeRor()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(ror.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the fake ROR did not start"
        time.sleep(0.02)
    try:
        yield ror, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_push_to_a_real_http_server(
    ror_database: Database, fresh_database: TemporaryDatabase, fake_ror: tuple[FakeRor, str]
) -> None:
    ror, base = fake_ror
    ror.services["HS-1"] = {"resourceType": "HealthcareService", "id": "HS-1", "location": []}
    edit_ror_ids(ror_database, set_={f"HealthcareService/{FINESS}-accueil-nuit": "HS-1"})
    settings = ror_settings(
        fresh_database.url,
        ror_base_url=f"{base}/fhir",
        ror_oauth2={**OAUTH2, "token_url": f"{base}/token", "client_auth": "post"},
    )
    (report,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert report.ok, report.lines()
    assert ror.tokens_given == 1
    # The first push searched, created each Location once, added the night one to its
    # HealthcareService, and recorded the ROR's ids.
    assert ror.requests == [
        ("GET", "/fhir/Location"),
        ("POST", "/fhir/Location"),
        ("PATCH", "/fhir/HealthcareService/HS-1"),
        ("GET", "/fhir/Location"),
        ("POST", "/fhir/Location"),
    ]
    assert sorted(ror.locations) == ["LOC-1", "LOC-2"]
    assert [p.status_code for p in report.locations] == [201, 201]
    assert capacity_extensions(ror.locations["LOC-1"]) == {"01": 10, "03": 7, "02": 3}
    assert ror.services["HS-1"]["location"] == [{"reference": "Location/LOC-1"}]
    assert _ror_ids(ror_database) == {
        f"HealthcareService/{FINESS}-accueil-nuit": "HS-1",
        f"Location/{FINESS}-accueil-nuit": "LOC-1",
        f"Location/{FINESS}-accueil-jour": "LOC-2",
    }
    ror.requests.clear()
    (again,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert again.ok, again.lines()
    assert ror.requests == [("PUT", "/fhir/Location/LOC-1"), ("PUT", "/fhir/Location/LOC-2")]
    assert [push.url for push in again.locations] == [
        f"{base}/fhir/Location/LOC-1",
        f"{base}/fhir/Location/LOC-2",
    ]
    assert sorted(ror.locations) == ["LOC-1", "LOC-2"]  # updated, not created again
    assert ror.locations["LOC-1"]["id"] == "LOC-1"


# --- The ROR's ids of our resources, and its answers kept -----------------------------

REFUSAL = {
    "resourceType": "OperationOutcome",
    "issue": [
        {
            "severity": "error",
            "code": "business-rule",
            "diagnostics": "Location inconnue du ROR",
            "expression": ["Location.id"],
        }
    ],
}


def _ror_ids(database: Database) -> dict[str, str]:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        return ror_ids(session, establishment)


def test_the_push_sends_under_the_ror_ids_and_keeps_a_refusal_per_location(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    edit_ror_ids(
        ror_database,
        set_={f"Location/{FINESS}-accueil-nuit": "LOC-77", f"Organization/{FINESS}": "ORG-3"},
    )
    settings = ror_settings(fresh_database.url)
    with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        night = mock.put(f"{BASE}/Location/LOC-77").mock(return_value=httpx.Response(200))
        _none_found(mock)
        day = mock.post(f"{BASE}/Location").mock(return_value=httpx.Response(422, json=REFUSAL))
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    sent = json.loads(night.calls[0].request.content)
    assert sent["id"] == "LOC-77"
    assert sent["managingOrganization"] == {"reference": "Organization/ORG-3"}
    assert day.call_count == 1
    assert not report.ok
    # Kept: ditep ror status shows each Location's last answer, the refusal's outcome too.
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    status = CliRunner().invoke(cli_app, ["ror", "status", "--finess", FINESS])
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    assert lines[0] == f"ROR status {FINESS}"
    assert lines[1].startswith(f"  {FINESS}-accueil-jour week 2025-W11: 422 refused after 1")
    assert lines[2] == "    error/business-rule: Location inconnue du ROR (Location.id)"
    prefix = "    OperationOutcome: "
    assert lines[3].startswith(prefix)
    assert json.loads(lines[3].removeprefix(prefix)) == REFUSAL
    assert lines[4].startswith(f"  {FINESS}-accueil-nuit week 2025-W11: 200 ok after 1")
    assert lines[4].endswith(f"(PUT {BASE}/Location/LOC-77)")
    # And the API's status route gives the same, the outcome as received.
    app: FastAPI = create_app(settings, database=ror_database)
    key = KeyMaker(ror_database)(Scope.ACTIVITY_READ, finess=(FINESS,))
    with app_client(app) as client:
        body = client.get(f"/v1/establishments/{FINESS}/ror/status", headers=key).json()
    by_location = {item["location"]: item for item in body["locations"]}
    assert by_location[f"{FINESS}-accueil-jour"]["outcome"] == REFUSAL
    assert by_location[f"{FINESS}-accueil-jour"]["ok"] is False
    assert by_location[f"{FINESS}-accueil-nuit"]["outcome"] is None
    assert by_location[f"{FINESS}-accueil-nuit"]["status_code"] == 200
    assert [by_location[f"{FINESS}-{m}"]["method"] for m in ("accueil-nuit", "accueil-jour")] == [
        "PUT",
        "POST",
    ]
    assert by_location[f"{FINESS}-accueil-jour"]["url"] == f"{BASE}/Location"


def test_a_later_accepted_push_replaces_the_kept_refusal(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    settings = ror_settings(fresh_database.url)
    refusing, accepting = LocationStore(failing_posts=100), LocationStore()
    for store in (refusing, accepting):
        with respx.mock() as mock:
            _token_route(mock)
            mock.route(url__startswith=f"{BASE}/Location").mock(side_effect=store.respx)
            push_establishments(
                ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
            )
    with ror_database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        kept = [
            (r.location, r.status_code, r.outcome) for r in push_results(session, establishment)
        ]
    assert kept == [(f"{FINESS}-accueil-jour", 201, None), (f"{FINESS}-accueil-nuit", 201, None)]


def test_a_dry_run_keeps_no_answer(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    edit_ror_ids(ror_database, set_={f"Location/{FINESS}-accueil-jour": "LOC-9"})
    settings = ror_settings(fresh_database.url)
    (report,) = push_establishments(ror_database, settings, [FINESS], week=WEEK, dry_run=True)
    assert [push.url for push in report.locations] == [
        search_url(f"{FINESS}-accueil-nuit"),
        f"{BASE}/Location/LOC-9",
    ]
    with ror_database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        assert list(push_results(session, establishment)) == []


def _put_ror_id(
    ror_database: Database, fresh_database: TemporaryDatabase, resource: str, ror_id: str
) -> tuple[httpx.Response, dict[str, Any]]:
    """One ROR id PUT through the API with an admin key: the answer, and the ids listed
    right after."""
    app: FastAPI = create_app(ror_settings(fresh_database.url), database=ror_database)
    key = KeyMaker(ror_database)(Scope.ADMIN, finess=(FINESS,))
    with app_client(app) as client:
        response = client.request(
            "PUT",
            f"/v1/establishments/{FINESS}/ror/ids",
            json={"resource": resource, "ror_id": ror_id},
            headers=key,
        )
        listed: dict[str, Any] = client.get(
            f"/v1/establishments/{FINESS}/ror/ids", headers=key
        ).json()
    return response, listed


@pytest.mark.parametrize(
    ("resource", "ror_id", "field", "detail"),
    [
        (
            f"Location/{FINESS}-internat",
            "LOC-1",
            "resource",
            f"resource: no Location 'Location/{FINESS}-internat' in the ROR bundle of {FINESS}",
        ),
        (
            "Location/130000000-accueil-nuit",
            "LOC-1",
            "resource",
            "resource: no Location 'Location/130000000-accueil-nuit'",
        ),
        (f"Location/{FINESS}-accueil-nuit", "a b", "ror_id", "ror_id: 'a b' is not a FHIR id"),
    ],
)
def test_a_ror_id_for_a_missing_location_is_refused_naming_the_field(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    monkeypatch: pytest.MonkeyPatch,
    resource: str,
    ror_id: str,
    field: str,
    detail: str,
) -> None:
    response, listed = _put_ror_id(ror_database, fresh_database, resource, ror_id)
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith(detail)
    assert [error["location"] for error in problem["errors"]] == [field]
    assert all(item["ror_id"] is None for item in listed["ids"])
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    args = ["ror", "ids", "set", "--finess", FINESS, "--resource", resource, "--ror-id", ror_id]
    refused = CliRunner().invoke(cli_app, args)
    assert refused.exit_code == 1
    assert detail in " ".join(refused.output.split())


def test_ror_ids_set_by_the_api_and_listed_by_the_cli(
    ror_database: Database, fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    resource = f"HealthcareService/{FINESS}-accueil-nuit"
    response, _listed = _put_ror_id(ror_database, fresh_database, resource, "HS-1")
    assert response.status_code == 200, response.text
    ids = {item["resource"]: item["ror_id"] for item in response.json()["ids"]}
    assert ids[f"HealthcareService/{FINESS}-accueil-nuit"] == "HS-1"
    assert ids[f"Location/{FINESS}-accueil-nuit"] is None
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["ror", "ids", "list", "--finess", FINESS])
    assert listed.exit_code == 0, listed.output
    assert f"HealthcareService/{FINESS}-accueil-nuit -> HS-1" in listed.stdout.splitlines()
    assert (
        f"Location/{FINESS}-accueil-nuit (no ROR id: the push matches on our identifier)"
        in listed.stdout.splitlines()
    )
    remove = ["ror", "ids", "remove", "--finess", FINESS]
    remove += ["--resource", f"HealthcareService/{FINESS}-accueil-nuit"]
    removed = runner.invoke(cli_app, remove)
    assert removed.exit_code == 0, removed.output
    again = runner.invoke(cli_app, remove)
    assert again.exit_code == 1
    assert "no ROR id recorded" in again.output


def test_a_real_server_s_refusal_is_kept_and_shown_by_ror_status(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    fake_ror: tuple[FakeRor, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ror, base = fake_ror
    ror.refused.add(f"{FINESS}-accueil-jour")
    ror.locations["ROR-NUIT"] = {"resourceType": "Location", "id": "ROR-NUIT"}
    edit_ror_ids(ror_database, set_={f"Location/{FINESS}-accueil-nuit": "ROR-NUIT"})
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_ROR_BASE_URL", f"{base}/fhir")
    monkeypatch.setenv(
        "DITEP_ROR_OAUTH2",
        json.dumps({**OAUTH2, "token_url": f"{base}/token", "client_auth": "post"}),
    )
    runner = CliRunner()
    pushed = runner.invoke(cli_app, ["ror", "push", "--finess", FINESS, "--week", "2025-W11"])
    assert pushed.exit_code == 1, pushed.output
    assert sorted(ror.locations) == ["ROR-NUIT"]
    status = runner.invoke(cli_app, ["ror", "status", "--finess", FINESS])
    assert status.exit_code == 0, status.output
    text = status.stdout
    assert f"{FINESS}-accueil-jour week 2025-W11: 422 refused after 1 attempt(s)" in text
    assert f"(POST {base}/fhir/Location)" in text
    assert "error/business-rule: Location inconnue du ROR (Location.id)" in text
    assert f"{FINESS}-accueil-nuit week 2025-W11: 200 ok after 1 attempt(s)" in text
    assert f"(PUT {base}/fhir/Location/ROR-NUIT)" in text


# The ROR guide's request adding a created Location to its offer (ansforge/ROR-fhir-
# documentation, docs/pages/guide/modeleV3/exemples/creation-maj-lieu-offre.md), LOC-5 for YYY.
GUIDE_PATCH = {
    "resourceType": "Parameters",
    "parameter": [
        {
            "name": "operation",
            "part": [
                {"name": "type", "valueString": "add"},
                {"name": "path", "valueString": "HealthcareService"},
                {"name": "name", "valueString": "location"},
                {"name": "value", "part": [{"name": "reference", "valueString": "Location/LOC-5"}]},
            ],
        }
    ],
}


def test_a_location_the_push_creates_is_added_to_its_healthcare_service(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
) -> None:
    # The ROR's id of the night offer is recorded, not the day one's; no Location id is.
    edit_ror_ids(ror_database, set_={f"HealthcareService/{FINESS}-accueil-nuit": "HS-1"})
    settings = ror_settings(fresh_database.url)
    with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        _none_found(mock)
        mock.post(f"{BASE}/Location").mock(side_effect=_created("LOC-5", "LOC-6"))
        attach = mock.patch(f"{BASE}/HealthcareService/HS-1").mock(
            return_value=httpx.Response(200, json={"resourceType": "HealthcareService"})
        )
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok
    # One PATCH: the day offer's ROR id is unknown, so its Location stays to attach.
    assert attach.call_count == 1
    request = attach.calls[0].request
    assert request.headers["Content-Type"] == "application/fhir+json"
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert json.loads(request.content) == GUIDE_PATCH
    by_location = {push.local_id: push for push in report.locations}
    assert by_location[f"{FINESS}-accueil-nuit"].attached_to == "HS-1"
    assert by_location[f"{FINESS}-accueil-jour"].attached_to is None
    assert "    added to HealthcareService/HS-1 (location)" in report.lines()


def test_a_refused_attachment_is_reported_and_the_location_kept(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
) -> None:
    edit_ror_ids(ror_database, set_={f"HealthcareService/{FINESS}-accueil-nuit": "HS-1"})
    settings = ror_settings(fresh_database.url)
    with respx.mock() as mock:
        _token_route(mock)
        mock.get(search_url(f"{FINESS}-accueil-nuit")).mock(
            return_value=httpx.Response(200, json=searchset())
        )
        mock.post(f"{BASE}/Location").mock(side_effect=_created("LOC-5"))
        # The day Location is found by the search: PUT by its id.
        mock.get(search_url(f"{FINESS}-accueil-jour")).mock(
            return_value=httpx.Response(
                200, json=searchset(ror_location("LOC-6", f"{FINESS}-accueil-jour"))
            )
        )
        day_put = mock.put(f"{BASE}/Location/LOC-6").mock(return_value=httpx.Response(200))
        mock.patch(f"{BASE}/HealthcareService/HS-1").mock(
            return_value=httpx.Response(403, json=REFUSAL)
        )
        (report,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert report.ok  # the Locations are stored; only the attachment is left to do
    assert json.loads(day_put.calls[0].request.content)["id"] == "LOC-6"
    night = next(p for p in report.locations if p.local_id == f"{FINESS}-accueil-nuit")
    assert night.attached_to is None
    assert night.messages == [
        "not added to HealthcareService/HS-1: 403"
        " (tried again on the next push; or attach it in the ROR)",
        "error/business-rule: Location inconnue du ROR (Location.id)",
    ]
    with ror_database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        assert ror_ids(session, establishment)[f"Location/{FINESS}-accueil-nuit"] == "LOC-5"


# --- A created Location's attachment is never lost -------------------------------------


def _none_found(mock: respx.MockRouter) -> respx.Route:
    """The ROR's searches by our identifier find nothing."""
    return mock.get(url__startswith=f"{BASE}/Location?identifier=").mock(
        return_value=httpx.Response(200, json=searchset())
    )


def _created(*ror_ids: str) -> list[httpx.Response]:
    """The answers to successive POSTs creating Locations under these ids."""
    return [httpx.Response(201, json={"resourceType": "Location", "id": i}) for i in ror_ids]


NIGHT_HS = f"HealthcareService/{FINESS}-accueil-nuit"


def _pending(database: Database) -> set[str]:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        return RorRepository(session).pending_attachments(establishment.id)


def test_an_attachment_that_fails_is_tried_again_on_the_next_push(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    edit_ror_ids(ror_database, set_={NIGHT_HS: "HS-1"})
    settings = ror_settings(fresh_database.url)  # 4 attempts
    with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        _none_found(mock)
        mock.post(f"{BASE}/Location").mock(side_effect=_created("LOC-5", "LOC-6"))
        patch = mock.patch(f"{BASE}/HealthcareService/HS-1").mock(
            side_effect=[
                httpx.Response(503),
                httpx.ConnectError("reset"),
                httpx.Response(502),
                httpx.Response(503, json=REFUSAL),
            ]
        )
        # Before sending it again, the HealthcareService is read: not applied yet.
        read = mock.get(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        sleeps: list[float] = []
        (first,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings, sleeps)
        )
    assert first.ok  # the Locations are stored; their attachment is what is left
    assert (patch.call_count, read.call_count, len(sleeps)) == (4, 3, 3)
    night = next(p for p in first.locations if p.local_id == f"{FINESS}-accueil-nuit")
    assert night.attached_to is None
    assert night.messages == [
        "not added to HealthcareService/HS-1: 503"
        " (tried again on the next push; or attach it in the ROR)",
        "error/business-rule: Location inconnue du ROR (Location.id)",
    ]
    day = next(p for p in first.locations if p.local_id == f"{FINESS}-accueil-jour")
    assert day.messages == [
        f"not added to HealthcareService/{FINESS}-accueil-jour: the ROR's id of it is not"
        f" recorded (ditep ror ids set --resource HealthcareService/{FINESS}-accueil-jour);"
        " added by the push once it is, or attach it in the ROR"
    ]
    assert _pending(ror_database) == {
        f"Location/{FINESS}-accueil-nuit",
        f"Location/{FINESS}-accueil-jour",
    }

    # The next push goes by the ROR's ids (200, not 201) and still adds the night one.
    with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        mock.put(f"{BASE}/Location/LOC-5").mock(return_value=httpx.Response(200))
        mock.put(f"{BASE}/Location/LOC-6").mock(return_value=httpx.Response(200))
        read = mock.get(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        patch = mock.patch(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        (second,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert second.ok
    assert (read.call_count, patch.call_count) == (1, 1)
    assert json.loads(patch.calls[0].request.content) == GUIDE_PATCH
    assert "    added to HealthcareService/HS-1 (location)" in second.lines()
    assert _pending(ror_database) == {f"Location/{FINESS}-accueil-jour"}

    # Once the day offer's id is recorded, the push adds that one; then nothing more.
    edit_ror_ids(ror_database, set_={f"HealthcareService/{FINESS}-accueil-jour": "HS-2"})
    for expected_patches in (1, 0):
        with respx.mock(assert_all_called=False) as mock:
            _token_route(mock)
            mock.put(url__startswith=f"{BASE}/Location/").mock(return_value=httpx.Response(200))
            mock.get(f"{BASE}/HealthcareService/HS-2").mock(return_value=healthcare_service())
            patch = mock.patch(url__startswith=f"{BASE}/HealthcareService/").mock(
                return_value=healthcare_service("Location/LOC-6")
            )
            (report,) = push_establishments(
                ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
            )
        assert report.ok
        assert patch.call_count == expected_patches
        assert [c.request.url.path for c in patch.calls] == (
            ["/fhir/HealthcareService/HS-2"] * expected_patches
        )
    assert _pending(ror_database) == set()


def test_a_patch_applied_unseen_is_not_sent_again(
    ror_database: Database, fresh_database: TemporaryDatabase
) -> None:
    edit_ror_ids(ror_database, set_={NIGHT_HS: "HS-1"})
    settings = ror_settings(fresh_database.url, ror_max_attempts=2)
    with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        _none_found(mock)
        mock.post(f"{BASE}/Location").mock(side_effect=_created("LOC-5", "LOC-6"))
        # The answer is lost both times; the ROR had not applied the first one yet.
        patch = mock.patch(f"{BASE}/HealthcareService/HS-1").mock(
            side_effect=httpx.ReadTimeout("no answer")
        )
        mock.get(f"{BASE}/HealthcareService/HS-1").mock(return_value=healthcare_service())
        (first,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert patch.call_count == 2
    assert first.locations[0].messages[0] == (
        "not added to HealthcareService/HS-1: ReadTimeout: no answer"
        " (tried again on the next push; or attach it in the ROR)"
    )
    # The day offer's ROR id is not recorded: its Location waits for it.
    assert _pending(ror_database) == {
        f"Location/{FINESS}-accueil-nuit",
        f"Location/{FINESS}-accueil-jour",
    }

    # By the next push the ROR lists it (the lost PATCH applied, or attached by hand):
    # it is not added a second time.
    with respx.mock(assert_all_called=False) as mock:
        _token_route(mock)
        mock.put(url__startswith=f"{BASE}/Location").mock(return_value=httpx.Response(200))
        read = mock.get(f"{BASE}/HealthcareService/HS-1").mock(
            return_value=healthcare_service(f"{BASE}/Location/LOC-5")
        )
        patch = mock.patch(f"{BASE}/HealthcareService/HS-1")
        (second,) = push_establishments(
            ror_database, settings, [FINESS], week=WEEK, client=_client(settings)
        )
    assert (read.call_count, patch.call_count) == (1, 0)
    assert second.locations[0].attached_to == "HS-1"
    assert _pending(ror_database) == {f"Location/{FINESS}-accueil-jour"}


def test_a_real_server_s_failed_attachment_is_made_by_the_next_push(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    fake_ror: tuple[FakeRor, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ror, base = fake_ror
    ror.services["HS-1"] = {"resourceType": "HealthcareService", "id": "HS-1", "location": []}
    edit_ror_ids(ror_database, set_={NIGHT_HS: "HS-1"})
    ror.failing_patches = 100  # the ROR fails every PATCH of this push
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_ROR_BASE_URL", f"{base}/fhir")
    monkeypatch.setenv("DITEP_ROR_BACKOFF_SECONDS", "0")
    monkeypatch.setenv(
        "DITEP_ROR_OAUTH2",
        json.dumps({**OAUTH2, "token_url": f"{base}/token", "client_auth": "post"}),
    )
    runner = CliRunner()
    push = ["ror", "push", "--finess", FINESS, "--week", "2025-W11"]
    first = runner.invoke(cli_app, push)
    assert first.exit_code == 0, first.output  # the Locations are stored
    assert (ror.patches, ror.services["HS-1"]["location"]) == (4, [])
    assert "not added to HealthcareService/HS-1: 503" in first.stdout
    status = runner.invoke(cli_app, ["ror", "status", "--finess", FINESS])
    assert "    not added to HealthcareService/HS-1: 503" in status.stdout

    ror.failing_patches = 0
    second = runner.invoke(cli_app, push)
    assert second.exit_code == 0, second.output
    assert "    added to HealthcareService/HS-1 (location)" in second.stdout
    assert ror.services["HS-1"]["location"] == [{"reference": "Location/LOC-1"}]
    assert sorted(ror.locations) == ["LOC-1", "LOC-2"]  # updated by id, not created again

    third = runner.invoke(cli_app, push)
    assert third.exit_code == 0, third.output
    assert ror.patches == 5  # nothing left to add
    assert ror.services["HS-1"]["location"] == [{"reference": "Location/LOC-1"}]
