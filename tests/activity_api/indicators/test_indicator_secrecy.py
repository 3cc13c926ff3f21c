"""The area indicators under the cross-level secrecy of the area activity route: an
indicator count never publishes what ``/activity`` hides for the same period, so that no
difference of indicators (region − department) recovers a hidden department cell."""

from __future__ import annotations

from typing import Any

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.indicators.dataset import (
    indicator_values,
    period_body,
    seed_hand_dataset,
)
from tests.conftest import KeyMaker
from tests.http import AppClient

# Indicator counts that are the area activity total's figures, measure → body path.
COUNT_PATHS = {
    "file_active.total": "file_active.total",
    "file_active.accompagnement": "file_active.by_status.accompagnement",
    "file_active.pre_admission": "file_active.by_status.pre_admission",
    "modality_mix.youth.accueil_nuit": "file_active.by_modality.accueil_nuit",
    "modality_mix.youth.accueil_jour": "file_active.by_modality.accueil_jour",
    "modality_mix.youth.ambulatoire": "file_active.by_modality.ambulatoire",
    "multi_modality.youth": "multi_modality.youth",
    "unit_profile.youth_weeks": "units.youth_weeks",
    "transitions.count": "transitions.count",
    "transitions.youth": "transitions.youth",
}


@pytest.fixture
def three_establishments(database: Database) -> None:
    """Region 84: two copies of the hand dataset in the Rhône (69), one in the Isère (38)."""
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
        seed_hand_dataset(session, finess="690000200")
        seed_hand_dataset(session, finess="380000300")


def test_region_minus_department_indicators_recover_no_hidden_department_cell(
    api_client: AppClient, three_establishments: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ, regions=("84",))
    region = indicator_values(period_body(api_client, "/v1/regions/84/indicators", key))
    rhone = indicator_values(period_body(api_client, "/v1/departments/69/indicators", key))
    isere = period_body(api_client, "/v1/departments/38/activity", key)["totals"]
    # The attack: the Isère's ambulatoire youth (3 < 5) is hidden by /activity; with the
    # region's and the Rhône's indicators both published it is their difference.
    assert "file_active.by_modality.ambulatoire" in isere["suppressed"]
    for measure, path in COUNT_PATHS.items():
        if path in isere["suppressed"]:
            recovered = (
                None
                if region[measure] is None or rhone[measure] is None
                else region[measure] - rhone[measure]
            )
            assert recovered is None, (measure, recovered)


@pytest.mark.parametrize("area", ["regions/84", "departments/69", "departments/38"])
def test_area_indicator_counts_hide_what_the_area_activity_hides(
    api_client: AppClient, three_establishments: None, make_key: KeyMaker, area: str
) -> None:
    key = make_key(Scope.ARS_READ, regions=("84",))
    counts = indicator_values(period_body(api_client, f"/v1/{area}/indicators", key))
    totals = period_body(api_client, f"/v1/{area}/activity", key)["totals"]
    flat: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{name}.")
            else:
                flat[f"{prefix}{name}"] = value

    walk(totals["figures"], "")
    for measure, path in COUNT_PATHS.items():
        if path in totals["suppressed"]:
            assert counts[measure] is None, measure
        else:
            # What /activity publishes, the indicators publish alike (same figure).
            assert counts[measure] == flat[path], measure
