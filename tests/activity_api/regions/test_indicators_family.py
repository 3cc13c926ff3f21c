"""The national and regional indicators beside the regions' activity: the nation minus
the regions' published indicators never recovers a region total ``/activity`` hides."""

from __future__ import annotations

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.indicators.dataset import (
    indicator_values,
    period_body,
    seed_hand_dataset,
)
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


def test_national_minus_region_indicators_recover_no_hidden_region_total(
    api_client: AppClient, two_regions: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ)
    national = indicator_values(period_body(api_client, "/v1/national/indicators", key))
    rhone_alpes = indicator_values(period_body(api_client, "/v1/regions/84/indicators", key))
    ile_de_france = period_body(api_client, "/v1/regions/11/activity", key)["totals"]
    # Île-de-France's 3 young people in ambulatoire are hidden by its /activity.
    assert "file_active.by_modality.ambulatoire" in ile_de_france["suppressed"]
    assert rhone_alpes["modality_mix.youth.ambulatoire"] == 6
    for measure, path in COUNT_PATHS.items():
        if path in ile_de_france["suppressed"]:
            assert national[measure] is None or rhone_alpes[measure] is None, measure
    # What every region publishes, the nation publishes: the sum of their totals.
    assert national["file_active.total"] == 15
