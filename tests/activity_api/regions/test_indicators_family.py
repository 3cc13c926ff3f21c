"""The national and regional indicators beside the regions' activity: the nation minus
the regions' published indicators never recovers a region total ``/activity`` hides."""

from __future__ import annotations

from typing import Any

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.indicators.dataset import PERIOD, seed_hand_dataset
from tests.activity_api.indicators.test_indicator_secrecy import COUNT_PATHS
from tests.conftest import KeyMaker
from tests.http import AppClient


@pytest.fixture
def two_regions(database: Database) -> None:
    """Auvergne-Rhône-Alpes (84): two copies of the hand dataset; Île-de-France (11): one."""
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
        seed_hand_dataset(session, finess="380000300")
        seed_hand_dataset(session, finess="750000400", region="11")


def _get(client: AppClient, url: str, key: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, params={"period": PERIOD}, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _counts(body: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{indicator['code']}.{measure['code']}": measure["value"]
        for indicator in body["indicators"]
        for measure in indicator["measures"]
    }


def test_national_minus_region_indicators_recover_no_hidden_region_total(
    api_client: AppClient, two_regions: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ)
    national = _counts(_get(api_client, "/v1/national/indicators", key))
    rhone_alpes = _counts(_get(api_client, "/v1/regions/84/indicators", key))
    ile_de_france = _get(api_client, "/v1/regions/11/activity", key)["totals"]
    # Île-de-France's 3 young people in ambulatoire are hidden by its /activity.
    assert "file_active.by_modality.ambulatoire" in ile_de_france["suppressed"]
    assert rhone_alpes["modality_mix.youth.ambulatoire"] == 6
    for measure, path in COUNT_PATHS.items():
        if path in ile_de_france["suppressed"]:
            assert national[measure] is None or rhone_alpes[measure] is None, measure
    # What every region publishes, the nation publishes: the sum of their totals.
    assert national["file_active.total"] == 15
