"""Issue 14: out-of-range input is a 422 (or a 404), never a 500, on every route.

Ids past the 32-bit columns (and past 64 bits), periods and weeks of years far from
ours, and days near ``date.min`` / ``date.max`` (whose arithmetic overflows) — in
paths, queries and bodies, on both services, for an admin key and for a reader key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ditep_cli.main import app as cli_app
from ditep_core.nomenclatures import Scope
from ditep_core.web.parameters import MAX_ID
from tests.conftest import SAMPLES_DIR, KeyMaker, SampleDitep
from tests.http import AppClient

IDS = (0, 2**31, 2**63, 2**64, -1, -(2**63) - 1)
BAD_PERIODS = (
    "0001-Q1",
    "9999-Q4",
    "9999",
    "0001-01",
    "9999-12",
    "0001-W01",
    "9999-W52",
    "0000",
    "1999-2000",
    "9998-9999",
    "0001-01-01/0001-02-01",
    "9999-12-01/9999-12-31",
)
BAD_WEEKS = ("0001-W01", "9999-W52", "9999-W53", "0001-W53", "2025-W54")
BAD_DAYS = ("0001-01-01", "9999-12-31", "1000-01-01", "9000-01-01")
BAD_RANGES = (
    ("0001-01-01", "0001-01-02"),
    ("0001-01-01", "0001-03-01"),
    ("9999-12-30", "9999-12-31"),
    ("9999-10-01", "9999-12-31"),
    ("1899-12-31", "1900-01-02"),
    ("2199-12-31", "2200-01-02"),
)
# Path parameters other than ids, with a valid value of the sample data.
PATH_VALUES = {
    "finess": "690000017",
    "code": "84",
    "period": "2025-Q1",
    "group": "0123456789abcdef",
}


def _operations(app: FastAPI) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1/") and not re.search(r"/keys/\{key_id\}/", path):
                yield method.upper(), path, operation.get("parameters", [])


def _fill(path: str, **values: object) -> str:
    merged = {**PATH_VALUES, **{name: str(value) for name, value in values.items()}}
    return re.sub(r"\{(\w+)\}", lambda match: merged.get(match[1], "1"), path)


def _is_integer(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    options = [schema, *schema.get("anyOf", [])]
    return any(option.get("type") == "integer" for option in options)


@pytest.fixture
def admin(make_key: KeyMaker, sample_ditep: SampleDitep) -> dict[str, str]:
    return make_key(Scope.ADMIN)


@pytest.fixture
def keys(make_key: KeyMaker, sample_ditep: SampleDitep) -> list[dict[str, str]]:
    return [
        make_key(Scope.ADMIN),
        make_key(Scope.ACTIVITY_READ, Scope.FEEDS_WRITE, finess=(sample_ditep.finess,)),
        # ARS keys are aggregate-only (a separate key): they reach the area routes.
        make_key(Scope.ARS_READ, regions=("84",)),
    ]


def _check(client: AppClient, method: str, url: str, key: dict[str, str], **kwargs: Any) -> int:
    response = client.request(method, url, headers=key, **kwargs)
    assert response.status_code < 500, f"{method} {url}: {response.status_code} {response.text}"
    return response.status_code


def test_ids_out_of_range_are_404_or_422_on_every_route(
    ingest_app: FastAPI,
    ingest_client: AppClient,
    api_app: FastAPI,
    api_client: AppClient,
    keys: list[dict[str, str]],
) -> None:
    checked = 0
    for app, client in ((ingest_app, ingest_client), (api_app, api_client)):
        for method, path, parameters in _operations(app):
            for parameter in parameters:
                # Paging is not an id (offset 0 is the first page).
                if not _is_integer(parameter) or parameter["name"] in ("limit", "offset"):
                    continue
                for value in IDS:
                    for key in keys:
                        if parameter["in"] == "path":
                            url, params = _fill(path, **{parameter["name"]: value}), {}
                        else:
                            url, params = _fill(path), {parameter["name"]: str(value)}
                        status = _check(client, method, url, key, params=params)
                        # The reader may be refused the admin routes first.
                        allowed = (404, 422) if key is keys[0] else (403, 404, 422)
                        assert status in allowed, f"{method} {url} {params}: {status}"
                        checked += 1
                # The largest id a column holds names nothing here: never a 500.
                for key in keys:
                    if parameter["in"] == "path":
                        _check(client, method, _fill(path, **{parameter["name"]: 2**31 - 1}), key)
    assert checked >= 50


def test_periods_weeks_and_days_out_of_range_are_422_on_every_route(
    ingest_app: FastAPI,
    ingest_client: AppClient,
    api_app: FastAPI,
    api_client: AppClient,
    keys: list[dict[str, str]],
) -> None:
    checked = 0
    for app, client in ((ingest_app, ingest_client), (api_app, api_client)):
        for method, path, parameters in _operations(app):
            names = {parameter["name"]: parameter for parameter in parameters}
            cases: list[tuple[str, dict[str, str]]] = []
            if "{period}" in path:
                cases += [(_fill(path, period=value), {}) for value in BAD_PERIODS]
            if "period" in names and names["period"]["in"] == "query":
                cases += [(_fill(path), {"period": value}) for value in BAD_PERIODS]
            if "week" in names:
                base = {"period": "2025-Q1"} if "period" in names else {}
                cases += [(_fill(path), {**base, "week": value}) for value in BAD_WEEKS]
            for first, second in (("start", "end"), ("from", "to")):
                if first in names:
                    suffix = "T00:00:00Z" if first == "from" else ""
                    pairs = [
                        *((day, None) for day in BAD_DAYS),
                        *((None, day) for day in BAD_DAYS),
                        *(("2025-01-01", day) for day in BAD_DAYS),
                        *((day, "2025-01-01") for day in BAD_DAYS),
                        *BAD_RANGES,
                    ]
                    for low, high in pairs:
                        params = {
                            name: day + suffix
                            for name, day in ((first, low), (second, high))
                            if day is not None
                        }
                        cases.append((_fill(path), params))
            for url, params in cases:
                for key in keys:
                    status = _check(client, method, url, key, params=params)
                    assert status in (403, 404, 422), f"{method} {url} {params}: {status}"
                    checked += 1
    assert checked >= 200


@pytest.mark.parametrize("day", BAD_DAYS)
def test_days_out_of_range_in_bodies_are_422(
    ingest_client: AppClient, api_client: AppClient, admin: dict[str, str], day: str
) -> None:
    finess = PATH_VALUES["finess"]
    for kind, row in (
        ("pathways", {"youth_id": "Y-1", "status": "accompagnement", "start": day}),
        (
            "pathways",
            {"youth_id": "Y-1", "status": "accompagnement", "start": "2025-01-01", "end": day},
        ),
        ("complexity-flags", {"youth_id": "Y-1", "start": day}),
        ("complexity-flags", {"youth_id": "Y-1", "start": "2025-01-01", "end": day}),
    ):
        status = _check(api_client, "PUT", f"/v1/establishments/{finess}/{kind}", admin, json=[row])
        assert status == 422, (kind, row, status)
    for window in ({"window_start": day}, {"window_end": day}):
        status = _check(
            ingest_client,
            "POST",
            f"/v1/establishments/{finess}/rulesets/dry-run",
            admin,
            json={"feed": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", **window},
        )
        assert status == 422, (window, status)


@given(value=st.one_of(st.integers(), st.sampled_from(IDS)))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_integer_id_in_a_path_is_never_a_500(
    ingest_app: FastAPI,
    ingest_client: AppClient,
    api_app: FastAPI,
    api_client: AppClient,
    admin: dict[str, str],
    value: int,
) -> None:
    for app, client in ((ingest_app, ingest_client), (api_app, api_client)):
        for method, path, parameters in _operations(app):
            for parameter in parameters:
                if parameter["in"] != "path" or not _is_integer(parameter):
                    continue
                url = _fill(path, **{parameter["name"]: value})
                status = _check(client, method, url, admin)
                if not 1 <= value <= MAX_ID:
                    assert status in (404, 422), f"{method} {url}: {status}"


def test_the_422_names_the_parameter(api_client: AppClient, admin: dict[str, str]) -> None:
    url = f"/v1/establishments/{PATH_VALUES['finess']}/activity"
    for params, location in (
        ({"start": "9999-12-30", "end": "9999-12-31"}, "query.start"),
        ({"start": "2025-01-01", "end": "9999-12-31"}, "query.end"),
        ({"period": "9999-Q4"}, "query.period"),
        ({"period": "2025-Q1", "week": "9999-W52"}, "query.week"),
    ):
        response = api_client.get(url, params=params, headers=admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert location in [error["location"] for error in response.json()["errors"]], params
    audit = api_client.get("/v1/audit", params={"from": "0001-01-01T00:00:00Z"}, headers=admin)
    assert audit.status_code == 422
    assert [error["location"] for error in audit.json()["errors"]] == ["query.from"]


@pytest.mark.parametrize(
    "args",
    [
        ["counts", "--finess", "690000017", "--period", "9999-Q4"],
        ["counts", "--finess", "690000017", "--period", "0001-W01"],
        ["counts", "--finess", "690000017", "--start", "0001-01-01", "--end", "0001-02-01"],
        ["counts", "--finess", "690000017", "--start", "9999-12-30", "--end", "9999-12-31"],
        ["counts", "--region", "84", "--period", "9999", "--format", "json"],
        ["counts", "--department", "69", "--period", "0001-01", "--format", "csv"],
        ["ical", "occurrences", "--start", "0001-01-01", "--end", "9999-12-31"],
        ["fhir", "sessions", "--start", "0001-01-01", "--end", "9999-12-31"],
    ],
)
def test_the_cli_refuses_out_of_range_periods_and_days_with_a_message(
    cli_runner: CliRunner, args: list[str]
) -> None:
    assert cli_runner.invoke(cli_app, ["migrate"]).exit_code == 0
    cli_runner.invoke(cli_app, ["samples", "load", str(SAMPLES_DIR)])
    if args[0] in ("ical", "fhir"):
        feed = "agenda-etablissement.ics"  # the window is refused before the file is read
        args = [*args[:2], str(SAMPLES_DIR / feed), *args[2:]]
    result = cli_runner.invoke(cli_app, args)
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "range" in result.output or "9999" in result.output or "0001" in result.output, (
        result.output
    )
