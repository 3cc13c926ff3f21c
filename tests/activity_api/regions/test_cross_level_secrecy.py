"""Secrecy across levels and periods (issue 16 item 2): the attacks, written as tests.

One small cell per attack, and the published responses an ARS or national key can read;
each subtraction that would give the cell back is shown to fail (an operand is hidden).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator
from typing import Any

import pytest

from activity_api.regions.aggregate import DECISIONS, flatten
from activity_api.secrecy.suppression import Cell, Equation
from activity_api.secrecy.tasks import secrecy_tasks
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import execute
from tests.activity_api.downloads.region import (
    AMBULATORY,
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
from tests.activity_api.helpers import api_client_with, french_csv_rows
from tests.activity_api.secrecy.oracle import determined
from tests.activity_api.seeding import add_youth, seed_establishment
from tests.conftest import TEST_SECRET, KeyMaker, TemporaryDatabase, make_settings
from tests.http import AppClient

NIGHT_PATH = "file_active.by_modality.accueil_nuit"


@pytest.fixture(params=["decided by the read", "decided by the task"])
def client(
    request: pytest.FixtureRequest,
    migrated_database: TemporaryDatabase,
    database: Database,
    make_key: KeyMaker,
) -> Iterator[AppClient]:
    """Region 84: A and B in the Rhône (69), C alone in the Isère (38), with 2 young
    people at night (small), 3 young people seen in February only and 2 in May only
    (small); region 11:
    D alone, 2 at night. Every quarter transmitted. Each attack runs twice: the quarter's
    secrecy decided by the reads themselves, and stored first by the ``secrecy.decide``
    task (the process's decisions forgotten: the reads use the stored ones)."""
    with database.unit_of_work() as session:
        seed_four_establishments(session)
        add_youth(session, finess=C, youth_by_modality={DAY: 3}, day=dt.date(2025, 2, 11))
        # And 2 in May (small): the year minus its first quarter would give them back.
        add_youth(session, finess=C, youth_by_modality={DAY: 2}, day=dt.date(2025, 5, 13))
    with api_client_with(migrated_database, database) as api:
        admin = make_key(Scope.ADMIN)
        for finess in (A, B, C, D):
            transmit_quarter(api, admin, finess)
        if request.param == "decided by the task":
            settings = make_settings(migrated_database.url)
            (task,) = secrecy_tasks(settings)
            context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))
            execute(task, context, {"period": QUARTER})
            DECISIONS.clear()
        yield api


def _get(client: AppClient, key: dict[str, str], url: str, period: str) -> dict[str, Any]:
    response = client.get(url, params={"period": period}, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Published values by row (FINESS, region code or TOTAL), dotted paths."""
    rows = {row["finess"]: flatten(row["figures"]) for row in body.get("establishments", [])}
    rows |= {row["region_code"]: flatten(row["figures"]) for row in body.get("regions", [])}
    rows["TOTAL"] = flatten(body["totals"]["figures"])
    return rows


def _difference(total: Any, *parts: Any) -> float | None:
    """What a reader computes, if every operand is published."""
    if total is None or any(part is None for part in parts):
        return None
    return float(total) - sum(float(part) for part in parts)


def test_day_ranges_and_weeks_are_refused_on_ars_routes(
    client: AppClient, make_key: KeyMaker
) -> None:
    ars = make_key(Scope.ARS_READ, regions=("84",))
    national = make_key(Scope.ARS_READ)
    # 7 young people for 3–5 March and 6 for 4–5 March gave the 3 March alone: refused.
    for url in ("/v1/regions/84/activity", "/v1/departments/69/activity"):
        for period in ("2025-03-03/2025-03-06", "2025-03-04/2025-03-06", "2025-W11"):
            response = client.get(url, params={"period": period}, headers=ars)
            assert response.status_code == 422, (url, period)
            assert response.json()["errors"][0]["location"] == "query.period"
    for url, key in (
        ("/v1/regions/84/results", ars),
        ("/v1/departments/69/results", ars),
        ("/v1/regions/84/transmissions", ars),
        ("/v1/national/results", national),
    ):
        for period in ("2025-03", "2025", "2024-2025", "2025-W11"):
            assert client.get(url, params={"period": period}, headers=key).status_code == 422
    # The establishment's own routes keep their day ranges.
    own = make_key(Scope.ACTIVITY_READ, finess=(A,))
    response = client.get(
        f"/v1/establishments/{A}/activity",
        params={"start": "2025-03-03", "end": "2025-03-06"},
        headers=own,
    )
    assert response.status_code == 200


@pytest.mark.slow
# Results are quarterly: a month is asked of the activity only.
@pytest.mark.parametrize(
    ("route", "period"), [("activity", QUARTER), ("activity", "2025-03"), ("results", QUARTER)]
)
def test_region_minus_its_departments_does_not_give_back_a_hidden_cell(
    client: AppClient, make_key: KeyMaker, route: str, period: str
) -> None:
    ars = make_key(Scope.ARS_READ, regions=("84",))
    region = _rows(_get(client, ars, f"/v1/regions/84/{route}", period))
    rhone = _rows(_get(client, ars, f"/v1/departments/69/{route}", period))
    isere = _rows(_get(client, ars, f"/v1/departments/38/{route}", period))
    assert region[C][NIGHT_PATH] is None  # 2: small
    assert isere[C][NIGHT_PATH] is None
    assert isere["TOTAL"][NIGHT_PATH] is None  # C alone in its department
    assert _difference(region["TOTAL"][NIGHT_PATH], rhone["TOTAL"][NIGHT_PATH]) is None
    assert (
        _difference(region["TOTAL"][NIGHT_PATH], region[A][NIGHT_PATH], region[B][NIGHT_PATH])
        is None
    )


@pytest.mark.slow
def test_total_minus_the_other_modalities_does_not_give_back_a_hidden_cell(
    client: AppClient, make_key: KeyMaker
) -> None:
    ars = make_key(Scope.ARS_READ, regions=("84",))
    responses = [
        _get(client, ars, "/v1/regions/84/activity", period)
        for period in (QUARTER, "2025-01", "2025-02", "2025-03")
    ] + [
        _get(client, ars, f"/v1/{url}", QUARTER)
        for url in ("regions/84/results", "departments/38/results", "departments/69/results")
    ]
    modalities = [f"file_active.by_modality.{m.value}" for m in (NIGHT, DAY, AMBULATORY)]
    checked = 0
    for body in responses:
        for row in _rows(body).values():
            if row.get("multi_modality.youth") != 0:
                continue  # nobody in two modalities: total = the sum of the modalities
            for hidden in [path for path in modalities if row.get(path, 0) is None]:
                others = [row.get(path) for path in modalities if path != hidden]
                assert _difference(row.get("file_active.total"), *others) is None
                checked += 1
    assert checked > 0


@pytest.mark.slow
def test_quarter_minus_its_months_does_not_give_back_a_hidden_month(
    client: AppClient, make_key: KeyMaker
) -> None:
    ars = make_key(Scope.ARS_READ, regions=("84",))
    bodies = {
        period: _rows(_get(client, ars, "/v1/regions/84/activity", period))
        for period in (QUARTER, "2025-01", "2025-02", "2025-03")
    }
    isere = {
        period: _rows(_get(client, ars, "/v1/departments/38/activity", period))
        for period in (QUARTER, "2025-01", "2025-02", "2025-03")
    }
    # C's February: 3 young people in 3 youth-weeks, hidden.
    assert bodies["2025-02"][C]["file_active.total"] is None
    months = ("2025-01", "2025-02", "2025-03")
    for path in ("units.by_score.1", "units.youth_weeks", "units.total"):
        assert bodies["2025-02"][C][path] is None
        for rows in (bodies, isere):
            for row in rows[QUARTER]:
                for hidden in [m for m in months if rows[m].get(row, {}).get(path, 0) is None]:
                    others = [rows[m][row][path] for m in months if m != hidden]
                    assert _difference(rows[QUARTER][row][path], *others) is None, (row, hidden)


def test_national_minus_the_other_regions_does_not_give_back_a_hidden_region(
    client: AppClient, make_key: KeyMaker
) -> None:
    national_key = make_key(Scope.ARS_READ)
    national = _rows(_get(client, national_key, "/v1/national/results", QUARTER))
    assert national["11"][NIGHT_PATH] is None  # D alone in region 11: 2 at night
    assert _difference(national["TOTAL"][NIGHT_PATH], national["84"][NIGHT_PATH]) is None
    region_11 = _rows(_get(client, national_key, "/v1/regions/11/results", QUARTER))
    assert region_11[D][NIGHT_PATH] is None
    assert region_11["TOTAL"][NIGHT_PATH] is None


@pytest.mark.slow
def test_what_results_hide_the_quarter_activity_hides_too(
    client: AppClient, make_key: KeyMaker
) -> None:
    """A transmitted quarter's figures are the same cells in /results and /activity: a cell
    hidden in one is hidden in the other, or the other would publish it."""
    ars = make_key(Scope.ARS_READ, regions=("84",))
    results = _get(client, ars, "/v1/regions/84/results", QUARTER)
    activity = _rows(_get(client, ars, "/v1/regions/84/activity", QUARTER))
    hidden = 0
    for row in results["establishments"]:
        for path in row["suppressed"]:
            if path in activity[row["finess"]]:
                assert activity[row["finess"]][path] is None, (row["finess"], path)
                hidden += 1
    assert hidden > 0


def test_statuses_shares_and_no_figure_before_transmission(
    migrated_database: TemporaryDatabase, database: Database, make_key: KeyMaker
) -> None:
    with database.unit_of_work() as session:
        for finess in (A, B, C):
            seed_establishment(session, finess=finess, region_code="84", youth_by_modality={DAY: 6})
    ars = make_key(Scope.ARS_READ, regions=("84",))
    director = make_key(Scope.TRANSMIT, finess=(A,))
    with api_client_with(migrated_database, database) as api:
        before = _get(api, ars, "/v1/regions/84/transmissions", QUARTER)
        assert {e["status"] for e in before["establishments"]} == {"late"}
        assert before["transmissions"] == {"establishments": 3, "transmitted": 0, "share": 0.0}
        assert "figures" not in str(before)
        sent = api.post(
            f"/v1/establishments/{A}/transmissions", json={"period": QUARTER}, headers=director
        )
        assert sent.status_code == 201
        after = _get(api, ars, "/v1/regions/84/transmissions", QUARTER)
        statuses = {e["finess"]: e["status"] for e in after["establishments"]}
        assert statuses == {A: "transmitted", B: "late", C: "late"}
        results = _get(api, ars, "/v1/regions/84/results", QUARTER)
        rows = {row["finess"]: row for row in results["establishments"]}
        assert rows[B]["figures"] == {}
        assert rows[C]["figures"] == {}
        assert rows[A]["figures"]["file_active"]["total"] == 6
        assert results["totals"]["figures"]["file_active"]["total"] == 6  # drafts: never
        assert results["transmissions"]["share"] == pytest.approx(1 / 3, abs=1e-4)
        csv_text = api.get(
            "/v1/regions/84/results", params={"period": QUARTER, "format": "csv"}, headers=ars
        ).text
        header = french_csv_rows(csv_text)[0]
        assert header[:6] == [
            "finess",
            "name",
            "department_code",
            "status",
            "status_label",
            "version",
        ]


def test_national_results_are_for_unbound_keys(
    client: AppClient, make_key: KeyMaker, database: Database
) -> None:
    def status(key: dict[str, str]) -> int:
        return client.get(
            "/v1/national/results", params={"period": QUARTER}, headers=key
        ).status_code

    assert status(make_key(Scope.ARS_READ)) == 200
    assert status(make_key(Scope.ADMIN)) == 200
    assert status(make_key(Scope.ARS_READ, regions=("84",))) == 403
    assert status(make_key(Scope.ARS_READ, departments=("69",))) == 403
    assert status(make_key(Scope.ACTIVITY_READ, finess=(A,))) == 403
    assert status(make_key.legacy(Scope.ADMIN, finess=(A,))) == 403
    body = _get(client, make_key(Scope.ADMIN), "/v1/national/results", QUARTER)
    assert [row["region_code"] for row in body["regions"]] == ["11", "84"]
    assert body["transmissions"] == {"establishments": 4, "transmitted": 4, "share": 1.0}


@pytest.mark.parametrize(
    "url", ["/v1/national/results", "/v1/regions/84/results", "/v1/regions/84/transmissions"]
)
def test_an_ars_read_whose_audit_fails_is_refused(
    client: AppClient, make_key: KeyMaker, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from ditep_core.audit import service

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    key = make_key(Scope.ARS_READ)
    assert client.get(url, params={"period": QUARTER}, headers=key).status_code == 200
    monkeypatch.setattr(service, "record", broken)
    response = client.get(url, params={"period": QUARTER}, headers=key)
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/audit-unavailable"
    assert "figures" not in response.text


def _months(year: str) -> list[str]:
    if len(year) == 4:
        return [f"{year}-{month:02d}" for month in range(1, 13)]
    first, second = year.split("-")
    return [f"{first}-{m:02d}" for m in range(9, 13)] + [f"{second}-{m:02d}" for m in range(1, 9)]


@pytest.mark.slow
@pytest.mark.parametrize("year", ["2025", "2024-2025"])
def test_a_year_minus_its_quarters_and_months_does_not_give_back_a_hidden_cell(
    client: AppClient, make_key: KeyMaker, year: str
) -> None:
    """C's February (3 young people) and May (2) are hidden, so is C's second quarter
    (2); the year, its quarters and its months are
    all readable: the attacker solves every time sum they know (the year, and a school
    year's calendar years, = their months; a quarter = its months) by exact linear
    algebra and non-negativity (the oracle): no hidden cell comes back."""
    ars = make_key(Scope.ARS_READ, regions=("84",))
    years = [year] if len(year) == 4 else [year, *year.split("-")]
    months = sorted({month for y in years for month in _months(y)})
    quarters = sorted({f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months})
    sums = [(y, _months(y)) for y in years]
    sums += [(q, [f"{q[:4]}-{3 * (int(q[6]) - 1) + i:02d}" for i in (1, 2, 3)]) for q in quarters]
    published: dict[str, dict[str, dict[str, Any]]] = {}
    for period in [*years, *quarters, *months]:
        published[period] = _rows(_get(client, ars, "/v1/regions/84/activity", period))
    assert published["2025-02"][C]["units.youth_weeks"] is None
    assert published["2025-Q2"][C]["units.youth_weeks"] is None
    hidden_involved = 0
    for row in published[year]:
        for path in ("units.youth_weeks", "units.total", "units.by_score.1"):
            cells: dict[Hashable, Cell] = {}
            for period, rows in published.items():
                value = rows.get(row, {}).get(path, 0)
                cells[period] = Cell(0 if value is None else float(value), sensitive=True)
            hidden: set[Hashable] = {
                period for period, rows in published.items() if rows[row][path] is None
            }
            hidden_involved += len(hidden)
            equations: list[Equation[Hashable]] = [
                Equation(whole, tuple(parts)) for whole, parts in sums
            ]
            assert determined(cells, equations, hidden) == [], (row, path)
    assert hidden_involved > 0
