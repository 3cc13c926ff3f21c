"""Downloads from the pages: the XLSX and CSV links of the dashboard, the quarter page and
the region page answer, with the session, the workbook and the CSV the API download routes
answer a key for the same period (same sheets, same cells)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from ditep_core.nomenclatures import Scope
from tests.activity_api.ui.conftest import ARS, DIRECTOR, UiData, sign_in
from tests.conftest import KeyMaker
from tests.http import AppClient

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _links(html: str) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]+)" data-download="(xlsx|csv)">', html)
    return {kind: href.replace("&amp;", "&") for href, kind in found}


def _cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cells, but the time of the computation (an area's is the time of the
    call: two calls differ there only)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {
        sheet.title: [
            tuple(row)
            for row in sheet.iter_rows(values_only=True)
            if not (sheet.title == "Méthode" and row and row[0] == "Calculé le")
        ]
        for sheet in workbook.worksheets
    }


@pytest.mark.parametrize("page", ["dashboard", "quarter"])
def test_establishment_links_answer_the_api_workbook_and_csv(
    ui_client: AppClient, api_client: AppClient, ui_data: UiData, make_key: KeyMaker, page: str
) -> None:
    sign_in(ui_client, DIRECTOR)
    url = f"/ui/establishments/{ui_data.finess}"
    if page == "quarter":
        url += "/quarters/2025-Q1"
    html = ui_client.get(url, params={"period": "2025-Q1"}).text
    links = _links(html)
    assert set(links) == {"xlsx", "csv"}
    assert links["xlsx"] == (
        f"/ui/establishments/{ui_data.finess}/downloads/activity.xlsx?period=2025-Q1"
    )
    key = make_key(Scope.ACTIVITY_READ, finess=(ui_data.finess,))
    api = f"/v1/establishments/{ui_data.finess}/activity"

    workbook = ui_client.get(links["xlsx"])
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    assert "attachment" in workbook.headers["content-disposition"]
    expected = api_client.get(api, params={"period": "2025-Q1", "format": "xlsx"}, headers=key)
    assert expected.status_code == 200
    cells = _cells(workbook.content)
    assert len(cells) > 1
    assert cells == _cells(expected.content)

    csv = ui_client.get(links["csv"])
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    api_csv = api_client.get(
        api, params={"period": "2025-Q1", "format": "csv", "decimal": "comma"}, headers=key
    )
    assert csv.content == api_csv.content


def test_region_links_answer_the_api_workbook_under_secrecy(
    ui_client: AppClient, api_client: AppClient, ui_data: UiData, make_key: KeyMaker
) -> None:
    sign_in(ui_client, ARS)
    html = ui_client.get(f"/ui/regions/{ui_data.region}", params={"period": "2025-Q1"}).text
    links = _links(html)
    assert set(links) == {"xlsx", "csv"}
    key = make_key(Scope.ARS_READ, regions=(ui_data.region,))
    api = f"/v1/regions/{ui_data.region}/activity"
    workbook = ui_client.get(links["xlsx"])
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    expected = api_client.get(api, params={"period": "2025-Q1", "format": "xlsx"}, headers=key)
    assert _cells(workbook.content) == _cells(expected.content)
    csv = ui_client.get(links["csv"])
    api_csv = api_client.get(
        api, params={"period": "2025-Q1", "format": "csv", "decimal": "comma"}, headers=key
    )
    assert csv.status_code == 200
    assert csv.content == api_csv.content


def test_downloads_keep_the_pages_access_rules(ui_client: AppClient, ui_data: UiData) -> None:
    sign_in(ui_client, DIRECTOR)
    other = f"/ui/establishments/{ui_data.other_finess}/downloads/activity.xlsx?period=2025-Q1"
    assert ui_client.get(other).status_code == 403
    region = f"/ui/regions/{ui_data.region}/downloads/activity.csv?period=2025-Q1"
    assert ui_client.get(region).status_code == 403
    bad = ui_client.get(
        f"/ui/establishments/{ui_data.finess}/downloads/activity.xlsx", params={"period": "hier"}
    )
    assert bad.status_code == 400
    assert "Période inconnue" in bad.text
    missing = ui_client.get(f"/ui/establishments/{ui_data.finess}/downloads/activity.xlsx")
    assert missing.status_code == 400
    assert ui_client.get(
        f"/ui/establishments/{ui_data.finess}/downloads/activity.pdf"
    ).status_code in (400, 404)


def test_downloads_need_a_session(ui_client: AppClient, ui_data: UiData) -> None:
    url = f"/ui/establishments/{ui_data.finess}/downloads/activity.xlsx?period=2025-Q1"
    response = ui_client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login?next=")
