"""The quarter page: the draft's figures (equal to the API's), Transmettre (confirmation,
CSRF, a reason for a correction), the versions and their diffs."""

from __future__ import annotations

import json

from fastapi import FastAPI
from sqlalchemy import select

from activity_api.users.service import Role, create_user
from ditep_core.db import Database
from ditep_core.models import AuditEvent
from ditep_core.nomenclatures import Scope
from tests.activity_api.ui.conftest import (
    ARS,
    DIRECTOR,
    PASSWORD,
    UiData,
    body_value,
    browser_client,
    form_token,
    page_figures,
    sign_in,
)
from tests.conftest import KeyMaker
from tests.http import AppClient


def _transmit(client: AppClient, url: str, **fields: str) -> tuple[int, str, str]:
    page = client.get(url)
    data = {"csrf_token": form_token(page.text), **fields}
    answer = client.post(f"{url}/transmit", data=data)
    return answer.status_code, answer.headers.get("location", ""), answer.text


def test_transmit_a_quarter_from_its_page(
    ui_client: AppClient,
    api_client: AppClient,
    ui_data: UiData,
    make_key: KeyMaker,
    database: Database,
    api_app: FastAPI,
) -> None:
    sign_in(ui_client, DIRECTOR)
    url = f"/ui/establishments/{ui_data.finess}/quarters/2025-Q1"
    draft = ui_client.get(url)
    assert draft.status_code == 200, draft.text
    assert 'data-status="late"' in draft.text  # over, its deadline passed, not transmitted
    assert "Aucune version transmise." in draft.text
    assert '<label for="confirm">' in draft.text
    assert 'id="reason"' not in draft.text  # no reason for version 1

    key = make_key(Scope.ACTIVITY_READ, finess=(ui_data.finess,))
    body = api_client.get(
        f"/v1/establishments/{ui_data.finess}/activity", params={"period": "2025-Q1"}, headers=key
    ).json()
    cells, _tiles = page_figures(draft.text)
    assert len(cells) == 9
    for cell in cells:
        assert json.loads(cell["data-value"]) == body_value(body, cell["data-path"])

    # Not confirmed, or a forged token: refused, nothing transmitted.
    status, _, text = _transmit(ui_client, url)
    assert status == 422
    assert "Cochez la case de confirmation" in text
    forged = ui_client.post(f"{url}/transmit", data={"csrf_token": "forged", "confirm": "yes"})
    assert forged.status_code == 403
    listed = api_client.get(f"/v1/establishments/{ui_data.finess}/transmissions", headers=key)
    quarters = {item["period"]: item for item in listed.json()["quarters"]}
    assert quarters["2025-Q1"]["versions"] == []

    status, location, _ = _transmit(ui_client, url, confirm="yes")
    assert status == 303
    assert location == f"{url}?transmis=1"
    done = ui_client.get(location)
    assert "Version 1 transmise à l&#39;ARS." in done.text
    assert 'data-status="transmitted"' in done.text
    assert 'data-version="1"' in done.text
    assert f"user {DIRECTOR}" in done.text
    listed = api_client.get(f"/v1/establishments/{ui_data.finess}/transmissions", headers=key)
    quarters = {item["period"]: item for item in listed.json()["quarters"]}
    assert quarters["2025-Q1"]["status"] == "transmitted"
    assert quarters["2025-Q1"]["versions"][0]["transmitted_by"] == f"user {DIRECTOR}"

    # A correction needs a reason; an unchanged quarter is not transmitted again.
    assert 'id="reason"' in done.text
    status, _, text = _transmit(ui_client, url, confirm="yes")
    assert status == 422
    assert "Une correction demande un motif." in text
    status, _, text = _transmit(ui_client, url, confirm="yes", reason="Séance oubliée")
    assert status == 409
    assert "rien à corriger" in text

    # The ARS sees the quarter as transmitted, on its region's page and in the API; the
    # other establishment, not transmitted and past its deadline, stands out as late.
    for ars_client in browser_client(api_app):
        sign_in(ars_client, ARS)
        region_page = ars_client.get("/ui/regions/84", params={"period": "2025-Q1"})
        assert region_page.status_code == 200
        html = region_page.text
        assert f'data-finess="{ui_data.finess}" data-status="transmitted"' in html
        assert f'data-finess="{ui_data.other_finess}" data-status="late" class="late"' in html
    ars_key = make_key(Scope.ARS_READ, regions=("84",))
    region = api_client.get(
        "/v1/regions/84/transmissions", params={"period": "2025-Q1"}, headers=ars_key
    )
    assert region.status_code == 200, region.text
    rows = {row["finess"]: row for row in region.json()["establishments"]}
    assert rows[ui_data.finess]["status"] == "transmitted"
    with database.unit_of_work() as session:
        routes = set(session.scalars(select(AuditEvent.route)))
        assert "transmission 2025-Q1 version 1" in routes


def test_who_may_transmit(ui_client: AppClient, ui_data: UiData, database: Database) -> None:
    with database.unit_of_work() as session:
        create_user(
            session,
            email="equipe@cedres.example.fr",
            role=Role.TEAM,
            password=PASSWORD,
            finess=[ui_data.finess],
        )
    sign_in(ui_client, "equipe@cedres.example.fr")
    url = f"/ui/establishments/{ui_data.finess}/quarters/2025-Q1"
    page = ui_client.get(url)
    assert page.status_code == 200
    assert "Transmettre" not in page.text  # a team reads, the director transmits
    refused = ui_client.post(
        f"{url}/transmit", data={"csrf_token": form_token(page.text), "confirm": "yes"}
    )
    assert refused.status_code == 403
    other = ui_client.get(f"/ui/establishments/{ui_data.other_finess}/quarters/2025-Q1")
    assert other.status_code == 403
    not_a_quarter = ui_client.get(f"/ui/establishments/{ui_data.finess}/quarters/2025-03")
    assert not_a_quarter.status_code == 400
    assert "n&#39;est pas un trimestre" in not_a_quarter.text
