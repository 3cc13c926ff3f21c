"""The ARS pages beyond the region's: a department's page (indicators and transmitted
results under secrecy, its establishments' statuses, downloads), linked from the region
page and refused to anyone but the ARS of its region; the national page's downloads of the
transmitted results. Every figure equals the API's for the same period."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from activity_api.users.service import Role, create_user
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.indicators.dataset import indicator_values
from tests.activity_api.ui.conftest import (
    ARS,
    DIRECTOR,
    PASSWORD,
    UiData,
    body_value,
    page_figures,
    sign_in,
)
from tests.conftest import KeyMaker
from tests.http import AppClient

DEPARTMENT = "69"  # both establishments of the dataset
NATIONAL = "national@sante.example.fr"
OTHER_ARS = "ars@ars-idf.example.fr"


def _links(html: str) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]+)" data-download="(?:xlsx|csv)">', html)
    return {href.split("?")[0].rsplit("/", 1)[-1]: href.replace("&amp;", "&") for href in found}


def _cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cells but the time of the computation (two calls differ there)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {
        sheet.title: [
            tuple(row)
            for row in sheet.iter_rows(values_only=True)
            if not (row and row[0] in ("Calculé le", "Calculé"))
        ]
        for sheet in workbook.worksheets
    }


@pytest.fixture
def more_users(database: Database, ui_data: UiData) -> None:
    with database.unit_of_work() as session:
        create_user(session, email=NATIONAL, role=Role.ARS, password=PASSWORD, all_regions=True)
        create_user(session, email=OTHER_ARS, role=Role.ARS, password=PASSWORD, regions=["11"])


def _transmit(api_client: AppClient, make_key: KeyMaker, finess: str) -> None:
    director = make_key(Scope.TRANSMIT, Scope.ACTIVITY_READ, finess=(finess,))
    url = f"/v1/establishments/{finess}/transmissions"
    response = api_client.post(url, json={"period": "2025-Q1"}, headers=director)
    assert response.status_code == 201, response.text


def test_department_page_from_the_region_page_equals_the_api(
    ui_client: AppClient, api_client: AppClient, ui_data: UiData, make_key: KeyMaker
) -> None:
    _transmit(api_client, make_key, ui_data.finess)
    sign_in(ui_client, ARS)
    region = ui_client.get(f"/ui/regions/{ui_data.region}", params={"period": "2025-Q1"})
    assert region.status_code == 200
    link = f"/ui/departments/{DEPARTMENT}?period=2025-Q1"
    assert f'href="{link}" data-department="{DEPARTMENT}"' in region.text

    page = ui_client.get(link)
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>Département 69</h1>" in html
    assert f'href="/ui/regions/{ui_data.region}?period=2025-Q1"' in html
    # The statuses of its establishments: one transmitted, one not (over and late).
    statuses = dict(re.findall(r'data-finess="(\d+)" data-status="(\w+)"', html))
    assert statuses == {ui_data.finess: "transmitted", ui_data.other_finess: "late"}

    key = make_key(Scope.ARS_READ, regions=(ui_data.region,))
    indicators = api_client.get(
        f"/v1/departments/{DEPARTMENT}/indicators", params={"period": "2025-Q1"}, headers=key
    )
    assert indicators.status_code == 200, indicators.text
    cells, tiles = page_figures(html)
    shown = {tile["data-indicator"]: tile["data-value"] for tile in tiles}
    expected = indicator_values(indicators.json())
    assert set(shown) == set(expected)
    for path, value in expected.items():
        assert shown[path] == ("" if value is None else json.dumps(value)), path

    results = api_client.get(
        f"/v1/departments/{DEPARTMENT}/results", params={"period": "2025-Q1"}, headers=key
    )
    assert results.status_code == 200, results.text
    totals = results.json()["totals"]
    assert 'data-chart="resultats"' in html
    assert "1 établissement(s) sur 2 ont transmis" in html
    assert len(cells) >= 9
    for cell in cells:
        value = body_value(totals["figures"], cell["data-path"])
        assert cell["data-value"] == ("" if value is None else json.dumps(value)), cell
        if cell["data-path"] in totals["suppressed"]:
            assert value is None


def test_department_page_is_for_the_ars_of_its_region(
    ui_client: AppClient, ui_data: UiData, more_users: None
) -> None:
    sign_in(ui_client, DIRECTOR)
    refused = ui_client.get(f"/ui/departments/{DEPARTMENT}")
    assert refused.status_code == 403
    assert "<h1>Accès refusé</h1>" in refused.text

    sign_in(ui_client, OTHER_ARS)
    assert ui_client.get("/ui/regions/11").status_code == 200  # signed in as that user
    for url in (
        f"/ui/departments/{DEPARTMENT}",
        f"/ui/departments/{DEPARTMENT}/downloads/activity.csv?period=2025-Q1",
        f"/ui/departments/{DEPARTMENT}/downloads/results.xlsx?period=2025-Q1",
    ):
        refused = ui_client.get(url)
        assert refused.status_code == 403, url
        assert refused.headers["content-type"].startswith("text/html")
        assert "Accès refusé" in refused.text

    sign_in(ui_client, ARS)
    assert ui_client.get(f"/ui/departments/{DEPARTMENT}").status_code == 200
    # A department of another region, and a code that is none.
    assert ui_client.get("/ui/departments/75").status_code == 403
    assert ui_client.get("/ui/departments/6A").status_code == 400
    assert ui_client.get(f"/ui/departments/{DEPARTMENT}?period=hier").status_code == 400


def test_department_downloads_are_the_api_ones(
    ui_client: AppClient, api_client: AppClient, ui_data: UiData, make_key: KeyMaker
) -> None:
    sign_in(ui_client, ARS)
    html = ui_client.get(f"/ui/departments/{DEPARTMENT}", params={"period": "2025-Q1"}).text
    links = _links(html)
    assert set(links) == {"activity.xlsx", "activity.csv", "results.xlsx", "results.csv"}
    key = make_key(Scope.ARS_READ, regions=(ui_data.region,))
    for name, route in (("activity", "activity"), ("results", "results")):
        api = f"/v1/departments/{DEPARTMENT}/{route}"
        workbook = ui_client.get(links[f"{name}.xlsx"])
        assert workbook.status_code == 200, name
        expected = api_client.get(api, params={"period": "2025-Q1", "format": "xlsx"}, headers=key)
        assert _cells(workbook.content) == _cells(expected.content), name
        csv = ui_client.get(links[f"{name}.csv"])
        api_csv = api_client.get(
            api, params={"period": "2025-Q1", "format": "csv", "decimal": "comma"}, headers=key
        )
        assert csv.status_code == 200, name
        assert csv.content == api_csv.content, name
    # The results are a quarter's: a month has no results link, and its address is refused.
    month = ui_client.get(f"/ui/departments/{DEPARTMENT}", params={"period": "2025-03"}).text
    assert set(_links(month)) == {"activity.xlsx", "activity.csv"}
    refused = ui_client.get(f"/ui/departments/{DEPARTMENT}/downloads/results.csv?period=2025-03")
    assert refused.status_code == 400


def test_national_page_downloads_the_national_results(
    ui_client: AppClient,
    api_client: AppClient,
    ui_data: UiData,
    make_key: KeyMaker,
    more_users: None,
) -> None:
    _transmit(api_client, make_key, ui_data.finess)
    sign_in(ui_client, NATIONAL)
    page = ui_client.get("/ui/national", params={"period": "2025-Q1"})
    assert page.status_code == 200, page.text
    links = _links(page.text)
    assert set(links) == {"results.xlsx", "results.csv"}
    key = make_key(Scope.ARS_READ)
    api = "/v1/national/results"
    workbook = ui_client.get(links["results.xlsx"])
    assert workbook.status_code == 200
    assert "attachment" in workbook.headers["content-disposition"]
    expected = api_client.get(api, params={"period": "2025-Q1", "format": "xlsx"}, headers=key)
    assert _cells(workbook.content) == _cells(expected.content)
    csv = ui_client.get(links["results.csv"])
    api_csv = api_client.get(
        api, params={"period": "2025-Q1", "format": "csv", "decimal": "comma"}, headers=key
    )
    assert csv.content == api_csv.content
    # Not a quarter: no link, and the address is a readable error.
    year = ui_client.get("/ui/national", params={"period": "2024-2025"})
    assert year.status_code == 200
    assert _links(year.text) == {}
    bad = ui_client.get("/ui/national/downloads/results.csv", params={"period": "2024-2025"})
    assert bad.status_code == 400
    assert "Période inconnue" in bad.text

    # A regional ARS user may not download the nation's.
    sign_in(ui_client, ARS)
    assert ui_client.get(f"/ui/regions/{ui_data.region}").status_code == 200
    refused = ui_client.get(links["results.csv"])
    assert refused.status_code == 403
    assert "Accès refusé" in refused.text
