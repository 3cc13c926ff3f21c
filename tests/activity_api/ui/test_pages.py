"""The pages in-process: each chart's table and each tile equal the API's JSON for the
same period; another establishment, a wrong role or an unknown period is a French page."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ditep_core.nomenclatures import Scope
from tests.activity_api.indicators.dataset import indicator_values
from tests.activity_api.ui.conftest import (
    ARS,
    DIRECTOR,
    UiData,
    body_value,
    page_figures,
    sign_in,
)
from tests.conftest import KeyMaker
from tests.http import AppClient

CHARTS = ("file-active-mois", "modalites", "unites", "heures-activite", "heures-lieu", "occupation")


def _api(client: AppClient, url: str, key: dict[str, str], period: str) -> dict[str, Any]:
    response = client.get(url, params={"period": period}, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_dashboard_figures_equal_the_api(
    ui_client: AppClient, api_client: AppClient, ui_data: UiData, make_key: KeyMaker
) -> None:
    sign_in(ui_client, DIRECTOR)
    page = ui_client.get(f"/ui/establishments/{ui_data.finess}", params={"period": "2025-Q1"})
    assert page.status_code == 200, page.text
    html = page.text
    for chart in CHARTS:
        assert f'<figure class="chart" id="{chart}">' in html
        assert f'data-chart="{chart}"' in html
    assert html.count('<svg role="img"') == len(CHARTS)
    assert "<script" not in html

    key = make_key(Scope.ACTIVITY_READ, finess=(ui_data.finess,))
    activity = f"/v1/establishments/{ui_data.finess}/activity"
    bodies = {"2025-Q1": _api(api_client, activity, key, "2025-Q1")}
    cells, tiles = page_figures(html)
    paths = Counter(cell["data-path"] for cell in cells)
    assert paths["file_active.by_status.accompagnement"] == 12  # one per month
    checked = 0
    for cell in cells:
        if cell["data-path"].startswith("quality.by_source."):
            continue
        period = cell.get("data-period") or "2025-Q1"
        if period not in bodies:
            bodies[period] = _api(api_client, activity, key, period)
        expected = body_value(bodies[period], cell["data-path"])
        assert json.loads(cell["data-value"]) == expected, cell
        checked += 1
    assert checked > 40
    # The figures are not all zeros: the dataset has activity in the quarter.
    assert any(json.loads(cell["data-value"]) for cell in cells if cell["data-value"])

    # Data quality per source: the same counts as the body's by_source.
    by_source = {item["source_id"]: item for item in bodies["2025-Q1"]["quality"]["by_source"]}
    assert 'data-chart="qualite"' in html
    for source_id, item in by_source.items():
        assert f'data-source="{source_id}"' in html
        row = html.split(f'data-source="{source_id}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-path="quality.by_source.received" data-value="{item["received"]}"' in row

    indicators = _api(api_client, f"/v1/establishments/{ui_data.finess}/indicators", key, "2025-Q1")
    expected_tiles = indicator_values(indicators)
    shown = {tile["data-indicator"]: tile["data-value"] for tile in tiles}
    assert set(shown) == set(expected_tiles)
    for path, value in expected_tiles.items():
        assert shown[path] == ("" if value is None else json.dumps(value)), path


def test_other_establishment_is_a_403_page(ui_client: AppClient, ui_data: UiData) -> None:
    sign_in(ui_client, DIRECTOR)
    for finess in (ui_data.other_finess, "750000999"):
        refused = ui_client.get(f"/ui/establishments/{finess}")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "<h1>Accès refusé</h1>" in refused.text
        assert ui_data.other_finess not in refused.text or finess != ui_data.other_finess
    # Nor may a director read the region's aggregates.
    assert ui_client.get("/ui/regions/84").status_code == 403


def test_ars_user_reads_the_region_not_an_establishment(
    ui_client: AppClient, ui_data: UiData
) -> None:
    sign_in(ui_client, ARS)
    region = ui_client.get("/ui/regions/84", params={"period": "2025-Q1"})
    assert region.status_code == 200
    assert "Auvergne-Rhône-Alpes" in region.text
    assert 'data-indicator="file_active.total"' in region.text
    for url in (f"/ui/establishments/{ui_data.finess}", "/ui/regions/11", "/ui/national"):
        refused = ui_client.get(url)
        assert refused.status_code == 403, url
        assert "Accès refusé" in refused.text


def test_bad_addresses_are_readable_pages(ui_client: AppClient, ui_data: UiData) -> None:
    sign_in(ui_client, DIRECTOR)
    for period in ("2025-13", "hier", "2025-W11", "1999-Q1", "2025-Q1' OR 1=1"):
        bad = ui_client.get(f"/ui/establishments/{ui_data.finess}", params={"period": period})
        assert bad.status_code == 400, period
        assert bad.headers["content-type"].startswith("text/html")
        assert "<h1>Période inconnue</h1>" in bad.text
        assert "Traceback" not in bad.text
        assert "2025-Q1" in bad.text  # how to write one
    not_finess = ui_client.get("/ui/establishments/not-a-finess")
    assert not_finess.status_code == 400
    assert "adresse de la page est invalide" in not_finess.text
    nowhere = ui_client.get("/ui/nowhere")
    assert nowhere.status_code == 404
    assert "<h1>Page introuvable</h1>" in nowhere.text
