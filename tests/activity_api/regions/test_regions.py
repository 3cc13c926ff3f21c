"""Regional and departmental aggregates for ARS: sums, tenancy, CSV, secrecy, privacy."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Hashable
from typing import Any

import pytest

from activity_api.regions.aggregate import EstablishmentFigures, aggregate, flatten
from activity_api.secrecy.suppression import Cell, Equation
from ditep_core.db import Database
from ditep_core.nomenclatures import Activity, Scope
from tests.activity_api.helpers import api_client_with, french_csv_records, french_csv_rows
from tests.activity_api.secrecy.oracle import determined
from tests.activity_api.seeding import seed_establishment
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import AppClient

PERIOD = "2025-03"
NIGHT, DAY, AMBULATORY = Activity.ACCUEIL_NUIT, Activity.ACCUEIL_JOUR, Activity.AMBULATOIRE


@pytest.fixture
def region_84(database: Database) -> list[str]:
    """Three DITEP in Auvergne-Rhône-Alpes (two in the Rhône), one in Île-de-France."""
    pseudonyms: list[str] = []
    with database.unit_of_work() as session:
        for finess, region, counts in (
            ("690000100", "84", {NIGHT: 6, DAY: 9, AMBULATORY: 12}),
            ("690000200", "84", {NIGHT: 7, DAY: 5, AMBULATORY: 8}),
            ("380000300", "84", {NIGHT: 2, DAY: 11, AMBULATORY: 6}),
            ("750000400", "11", {NIGHT: 9, DAY: 9, AMBULATORY: 9}),
        ):
            pseudonyms += seed_establishment(
                session, finess=finess, region_code=region, youth_by_modality=counts
            )
    return pseudonyms


def _activity(client: AppClient, key: dict[str, str], finess: str) -> dict[str, Any]:
    response = client.get(
        f"/v1/establishments/{finess}/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=key,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_region_sums_its_establishments_and_nothing_else(
    migrated_database: TemporaryDatabase,
    database: Database,
    region_84: list[str],
    make_key: KeyMaker,
) -> None:
    admin = make_key(Scope.ADMIN)
    # Threshold 1: nothing is hidden, the sums can be checked against /activity.
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        response = client.get("/v1/regions/84/activity", params={"period": PERIOD}, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        per_establishment = {
            finess: _activity(client, admin, finess)
            for finess in ("690000100", "690000200", "380000300")
        }
    assert body["area"] == {
        "kind": "region",
        "code": "84",
        "name": "Auvergne-Rhône-Alpes",
        "region_code": "84",
    }
    assert body["period"] == {"label": "2025-03", "start": "2025-03-01", "end": "2025-04-01"}
    assert [row["finess"] for row in body["establishments"]] == [
        "380000300",
        "690000100",
        "690000200",
    ]
    totals = flatten(body["totals"]["figures"])
    for path in ("file_active.total", "file_active.by_modality.accueil_nuit", "hours.direct"):
        expected = sum(flatten(report)[path] for report in per_establishment.values())
        assert totals[path] == pytest.approx(expected)
    assert totals["file_active.total"] == 6 + 9 + 12 + 7 + 5 + 8 + 2 + 11 + 6
    assert totals["quality.counted"] == sum(
        report["quality"]["counted"] for report in per_establishment.values()
    )
    assert totals["rule_set_versions"] == ["test-1"]
    for row in body["establishments"]:
        report = per_establishment[row["finess"]]
        assert row["figures"]["file_active"] == report["file_active"]
        assert row["suppressed"] == []


def test_every_figure_of_an_area_is_its_establishments_and_their_sum(
    migrated_database: TemporaryDatabase,
    database: Database,
    region_84: list[str],
    make_key: KeyMaker,
) -> None:
    """Every figure, not a few: the area reads count without the per-source quality (which
    the establishment's route keeps) and sum in SQL; a quarter (its months read too)."""
    admin = make_key(Scope.ADMIN)
    quarter = {"period": "2025-Q1"}
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        response = client.get("/v1/regions/84/activity", params=quarter, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        per_establishment = {}
        for finess in ("690000100", "690000200", "380000300"):
            report = client.get(
                f"/v1/establishments/{finess}/activity", params=quarter, headers=admin
            )
            assert report.status_code == 200, report.text
            per_establishment[finess] = report.json()
    numbers: dict[str, dict[str, float]] = {}
    for finess, report in per_establishment.items():
        # The establishment's own route still has its sources' quality.
        assert report["quality"]["by_source"]
        assert all(item["received"] >= 0 for item in report["quality"]["by_source"])
        numbers[finess] = {
            path: value
            for path, value in flatten(report).items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
    assert len(body["establishments"]) == 3
    for row in body["establishments"]:
        published = flatten(row["figures"])
        assert not any(path.startswith("quality.by_source") for path in published)
        own = numbers[row["finess"]]
        shared = [
            path
            for path, value in published.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]
        assert len(shared) > 50
        assert {path: published[path] for path in shared} == {path: own[path] for path in shared}
        # Every count of the body is published (ratios the sum cannot rebuild aside).
        assert {path for path in own if path not in body["not_aggregated"]} <= set(published)
    totals = flatten(body["totals"]["figures"])
    summed = [path for path in totals if path not in ("multi_modality.share",)]
    for path in summed:
        if isinstance(totals[path], int | float) and not isinstance(totals[path], bool):
            expected = sum(numbers[finess][path] for finess in numbers)
            assert totals[path] == pytest.approx(expected), path
    assert totals["file_active.total"] > 0
    assert totals["quality.received"] == sum(
        item["received"]
        for report in per_establishment.values()
        for item in report["quality"]["by_source"]
    )


def test_small_cells_are_hidden_with_a_second_cell(
    api_client: AppClient, region_84: list[str], make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ, regions=("84",))
    body = api_client.get("/v1/regions/84/activity", params={"period": PERIOD}, headers=key).json()
    rows = {row["finess"]: row for row in body["establishments"]}
    # 2 young people at night in 380000300: hidden, and one more night cell with it.
    assert rows["380000300"]["figures"]["file_active"]["by_modality"]["accueil_nuit"] is None
    night_hidden = [
        finess
        for finess, row in rows.items()
        if "file_active.by_modality.accueil_nuit" in row["suppressed"]
    ]
    # At least one more night cell with it (the column's sum); a third since the file
    # active is the sum of the modalities in this row (nobody in two): total − others.
    assert len(night_hidden) >= 2
    assert body["totals"]["figures"]["file_active"]["by_modality"]["accueil_nuit"] in (15, None)
    assert body["secrecy"]["threshold"] == 5


def test_ars_keys_see_only_their_regions(
    api_client: AppClient, region_84: list[str], make_key: KeyMaker
) -> None:
    ars_84 = make_key(Scope.ARS_READ, regions=("84",))
    national = make_key(Scope.ARS_READ)
    reader = make_key(Scope.ACTIVITY_READ)
    establishment_key = make_key.legacy(Scope.ARS_READ, finess=("690000100",))

    def status(url: str, key: dict[str, str]) -> int:
        return api_client.get(url, params={"period": PERIOD}, headers=key).status_code

    assert status("/v1/regions/84/activity", ars_84) == 200
    assert status("/v1/regions/11/activity", ars_84) == 403
    assert status("/v1/departments/69/activity", ars_84) == 200
    assert status("/v1/departments/75/activity", ars_84) == 403
    assert status("/v1/regions/11/activity", national) == 200
    assert status("/v1/regions/99/activity", national) == 404
    assert status("/v1/regions/99/activity", ars_84) == 403
    assert status("/v1/regions/84/activity", reader) == 403
    assert status("/v1/regions/84/activity", establishment_key) == 403
    bad_period = api_client.get(
        "/v1/regions/84/activity", params={"period": "March"}, headers=ars_84
    )
    assert bad_period.status_code == 422
    department = api_client.get(
        "/v1/departments/69/activity", params={"period": PERIOD}, headers=ars_84
    ).json()
    assert [row["finess"] for row in department["establishments"]] == ["690000100", "690000200"]
    assert department["area"]["region_code"] == "84"


def test_csv_has_one_line_per_establishment_and_the_total(
    api_client: AppClient, region_84: list[str], make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ)
    response = api_client.get(
        "/v1/regions/84/activity", params={"period": PERIOD, "format": "csv"}, headers=key
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = french_csv_records(response.text)
    assert response.headers["content-disposition"] == (
        'attachment; filename="activite-region-84-2025-03.csv"'
    )
    assert [row["finess"] for row in rows] == ["380000300", "690000100", "690000200", "TOTAL"]
    by_finess = {row["finess"]: row for row in rows}
    assert by_finess["380000300"]["file_active.by_modality.accueil_nuit"] == ""
    assert "file_active.by_modality.accueil_nuit" in by_finess["380000300"]["suppressed"]
    # The total may be hidden too: the department 38 (380000300 alone) and the region's
    # other departments are published in the same family (region − its departments).
    assert by_finess["TOTAL"]["file_active.total"] in ("66", "")
    accept = api_client.get(
        "/v1/regions/84/activity",
        params={"period": PERIOD},
        headers={**key, "Accept": "text/csv"},
    )
    assert accept.text == response.text


@pytest.mark.parametrize("seed", range(6))
def test_random_regions_leak_nothing(
    api_client: AppClient, database: Database, make_key: KeyMaker, seed: int
) -> None:
    rng = random.Random(seed)
    pseudonyms: list[str] = []
    truth: dict[str, dict[Activity, int]] = {}
    with database.unit_of_work() as session:
        for index in range(rng.randint(2, 5)):
            finess = f"6900{seed:02d}{index:03d}"
            counts = {m: rng.choice([0, 1, 3, 4, 5, 7, 9, 14]) for m in (NIGHT, DAY, AMBULATORY)}
            truth[finess] = counts
            pseudonyms += seed_establishment(
                session,
                finess=finess,
                region_code="84",
                youth_by_modality=counts,
                capacities={NIGHT: 10, DAY: 20},
            )
    key = make_key(Scope.ARS_READ, regions=("84",))
    reader = make_key(Scope.ACTIVITY_READ)
    body = api_client.get("/v1/regions/84/activity", params={"period": PERIOD}, headers=key).json()
    # The attacker knows every published cell and that each column sums to its total;
    # the oracle gets the true values of the hidden ones and must not pin any of them.
    cells: dict[Hashable, Cell] = {}
    equations: list[Equation[Hashable]] = []
    hidden: set[Hashable] = set()
    published_rows = {row["finess"]: row for row in body["establishments"]}
    for modality in (NIGHT, DAY, AMBULATORY):
        path = f"file_active.by_modality.{modality.value}"
        for finess, counts in truth.items():
            cells[(finess, path)] = Cell(counts[modality], sensitive=True)
            if path in published_rows[finess]["suppressed"]:
                hidden.add((finess, path))
            elif 0 < counts[modality] < 5:
                pytest.fail(f"{finess} {path} = {counts[modality]} is published")
            else:
                figures = published_rows[finess]["figures"]
                assert figures["file_active"]["by_modality"][modality.value] == counts[modality]
        total = sum(counts[modality] for counts in truth.values())
        cells[("total", path)] = Cell(total, sensitive=True)
        if path in body["totals"]["suppressed"]:
            hidden.add(("total", path))
        equations.append(Equation(("total", path), tuple((f, path) for f in truth)))
    assert determined(cells, equations, hidden) == []
    # No pseudonym (nor anything derived from it) in any ARS or ROR output.
    outputs = [
        json.dumps(body),
        api_client.get(
            "/v1/regions/84/activity", params={"period": PERIOD, "format": "csv"}, headers=key
        ).text,
        api_client.get("/v1/departments/69/activity", params={"period": PERIOD}, headers=key).text,
    ]
    for finess in truth:
        outputs.append(
            api_client.get(
                f"/v1/establishments/{finess}/ror", params={"week": "2025-W11"}, headers=reader
            ).text
        )
    for output in outputs:
        for pseudonym in pseudonyms:
            assert pseudonym[:12] not in output


def test_aggregate_recomputes_ratios_and_drops_per_person_detail() -> None:
    def body(youth: int, multi: int, share: float) -> dict[str, Any]:
        return {
            "rule_set_versions": ["v1"],
            "counting_profile_version": "p1",
            "file_active": {"total": youth},
            "multi_modality": {"youth": multi, "share": share},
            "quality": {"coverage_rate": 0.5, "counted": 10},
            "youth_detail": [{"pseudonym": "abc123", "hours": 2}],
            "note": "free text about abc123",
        }

    table = aggregate(
        [
            EstablishmentFigures("690000100", "A", "69", body(10, 5, 0.5)),
            EstablishmentFigures("690000200", "B", "69", body(30, 10, 0.3333)),
        ],
        threshold=5,
    )
    total = table.total.figures
    assert total["file_active"]["total"] == 40
    assert total["multi_modality"] == {"youth": 15, "share": 0.375}
    assert total["quality"] == {"counted": 20, "coverage_rate": None}
    assert table.not_aggregated == ["quality.coverage_rate"]
    assert total["rule_set_versions"] == ["v1"]
    assert total["counting_profile_version"] == ["p1"]
    assert "youth_detail" not in total
    assert "note" not in total
    assert "abc123" not in json.dumps([total, *(row.figures for _, row in table.rows)])
    assert table.rows[0][1].figures["counting_profile_version"] == "p1"


def test_cli_prints_the_same_body(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from activity_api.main import create_app
    from ditep_cli.main import app
    from ditep_core import migrations
    from ditep_core.auth.service import create_key
    from tests.conftest import MIGRATIONS_DIR, make_settings, run_deferred_tasks_inline
    from tests.http import app_client

    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    # Deferred tasks run inline: the rollups are refreshed once the seeding commits.
    database = run_deferred_tasks_inline(
        Database.from_url(fresh_database.url, pool_size=2, max_overflow=0),
        make_settings(fresh_database.url),
    )
    try:
        with database.unit_of_work() as session:
            for finess, counts in (
                ("690000100", {NIGHT: 6, DAY: 2}),
                ("380000300", {NIGHT: 8, DAY: 9}),
            ):
                seed_establishment(
                    session, finess=finess, region_code="84", youth_by_modality=counts
                )
            _client, generated = create_key(
                session, name="ars", scopes=[Scope.ARS_READ], all_regions=True
            )
        headers = {"Authorization": f"Bearer {generated.plaintext}"}
        with app_client(create_app(make_settings(fresh_database.url), database=database)) as c:
            api = c.get("/v1/regions/84/activity", params={"period": PERIOD}, headers=headers)
            api_csv = c.get(
                "/v1/regions/84/activity",
                params={"period": PERIOD, "format": "csv"},
                headers=headers,
            ).text
    finally:
        database.dispose()
    runner = CliRunner()
    result = runner.invoke(
        app, ["counts", "--region", "84", "--period", PERIOD, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    cli_body = json.loads(result.stdout)
    api_body = api.json()
    for body in (cli_body, api_body):
        body.pop("computed_at")
    assert cli_body == api_body
    day = [
        row["figures"]["file_active"]["by_modality"]["accueil_jour"]
        for row in cli_body["establishments"]
    ]
    assert day == [None, None]  # 9 and 2: the 2 is small, the 9 would give it back
    assert cli_body["totals"]["figures"]["file_active"]["by_modality"]["accueil_jour"] in (11, None)
    as_csv = runner.invoke(
        app, ["ars", "counts", "--region", "84", "--period", PERIOD, "--format", "csv"]
    )
    # The same cells; the API's download is French CSV (BOM, ';'), the CLI's plain CSV.
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == french_csv_rows(api_csv)
    same = runner.invoke(app, ["ars", "counts", "--region", "84", "--period", PERIOD])
    assert json.loads(same.stdout)["totals"] == cli_body["totals"]
    both = runner.invoke(
        app, ["ars", "counts", "--region", "84", "--department", "69", "--period", PERIOD]
    )
    assert both.exit_code == 2
    both = runner.invoke(app, ["counts", "--region", "84", "--finess", "690000100"])
    assert both.exit_code == 2


def test_department_keys_see_their_department_and_no_establishment(
    api_client: AppClient, region_84: list[str], make_key: KeyMaker
) -> None:
    # A key made before the binding rules, as the ARS guide once described it: bound
    # to a department with activity:read. Today it is refused at creation, and at use.
    key = make_key.legacy(Scope.ARS_READ, Scope.ACTIVITY_READ, departments=("69",))

    def status(url: str, **params: str) -> int:
        return api_client.get(url, params=params, headers=key).status_code

    assert status("/v1/departments/69/activity", period=PERIOD) == 200
    assert status("/v1/departments/38/activity", period=PERIOD) == 403
    assert status("/v1/regions/84/activity", period=PERIOD) == 403
    activity = {"start": "2025-03-01", "end": "2025-04-01"}
    assert status("/v1/establishments/690000100/activity", **activity) == 403
    assert status("/v1/establishments/380000300/activity", **activity) == 403
    assert status("/v1/establishments/690000100/ror", week="2025-W11") == 403
