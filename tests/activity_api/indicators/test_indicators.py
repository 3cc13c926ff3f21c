"""Steering indicators against a dataset computed by hand (``dataset.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.helpers import api_client_with
from tests.activity_api.indicators.dataset import FINESS, PERIOD, seed_hand_dataset
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import AppClient

UNDEFINED = {"value": None, "reason": "undefined"}


@pytest.fixture
def hand_dataset(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_hand_dataset(session)


def _measures(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{indicator['code']}.{measure['code']}": measure
        for indicator in body["indicators"]
        for measure in indicator["measures"]
    }


def _get(client: AppClient, url: str, key: dict[str, str], period: str = PERIOD) -> dict[str, Any]:
    response = client.get(url, params={"period": period}, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Each figure below is computed by hand from dataset.py's docstring.
# (indicator.measure, value for 2025-Q1, value for 2024-Q1); None: undefined (reason given).
EXPECTED: list[tuple[str, float | int | None, float | int | None]] = [
    # File active: Y1..Y5. Status: Y4's synthesis of 27 Jan falls in its pre-admission;
    # every one is in accompagnement on some support day (Y3 without any period counts
    # so). 2024-Q1: Y2 alone.
    ("file_active.total", 5, 1),
    ("file_active.pre_admission", 1, 0),
    ("file_active.accompagnement", 5, 1),
    ("file_active.suivi_post_sortie", 0, 0),
    ("file_active.ponctuel", 0, 0),
    # Direct sessions: nuit Y2; jour Y1, Y5; ambulatoire Y1, Y3, Y4. Shares over 5.
    ("modality_mix.youth.accueil_nuit", 1, 1),
    ("modality_mix.youth.accueil_jour", 2, 0),
    ("modality_mix.youth.ambulatoire", 3, 0),
    ("modality_mix.share.accueil_nuit", 0.2, 1.0),
    ("modality_mix.share.accueil_jour", 0.4, 0.0),
    ("modality_mix.share.ambulatoire", 0.6, 0.0),
    # Y1 alone has two modalities (jour, ambulatoire): 1 / 5.
    ("multi_modality.youth", 1, 0),
    ("multi_modality.share", 0.2, 0.0),
    # Direct hours 3 + 1 (Y1) + 14 (Y2) + 2 (Y3) + 1 (Y4) + 6 (Y5) = 27, over 5 young
    # people in accompagnement: 5.4. 2024-Q1: 14 h for Y2 alone.
    ("direct_hours_per_youth.value", 5.4, 14.0),
    # Indirect: 1 (Y3 synthesis) + 0.5 (Y4 synthesis) + 1 (Y1 appui) = 2.5; 2.5 / 29.5.
    ("indirect_share.value", round(2.5 / 29.5, 4), 0.0),
    # Youth-weeks: Y1 w03 3 h (1), Y1 w06 1 + 1 h (1), Y2 w03 14 h (3), Y3 w03 2 + 1 h (1),
    # Y4 w05 0.5 h (1, < 1 h), Y4 w07 1 h (1), Y5 w10 6 h (2): 7 weeks, 5 / 1 / 1 / 0.
    ("unit_profile.youth_weeks", 7, 1),
    ("unit_profile.share.1", round(5 / 7, 4), 0.0),
    ("unit_profile.share.2", round(1 / 7, 4), 0.0),
    ("unit_profile.share.3", round(1 / 7, 4), 1.0),
    ("unit_profile.share.4", 0.0, 0.0),
    ("unit_profile.share.lt_1h", round(1 / 7, 4), 0.0),
    # 13 weeks; nuit: Y2 one week / (2 places x 13); jour: Y1, Y5 / (4 x 13);
    # ambulatoire: Y1, Y3, Y4 one week each / (10 x 13). 2024-Q1 (13 weeks): Y2 one week.
    ("occupation_rate.accueil_nuit", round(1 / 26, 4), round(1 / 26, 4)),
    ("occupation_rate.accueil_jour", round(2 / 52, 4), 0.0),
    ("occupation_rate.ambulatoire", round(3 / 130, 4), 0.0),
    # Admissions Y1 (6 Jan), Y4 (3 Feb), Y5 (3 Mar); exits Y2 (14 Mar), Y5 (28 Mar).
    ("entries_exits.admissions", 3, 0),
    ("entries_exits.exits", 2, 0),
    # Waiting: Y1 2024-12-02 → 2025-01-13 = 42 days; Y4 2025-01-20 → 2025-02-10 = 21
    # days; Y5 has no pre-admission. Median 31.5; 90th percentile, rank ceil(1.8) = 2: 42.
    ("waiting_time.youth", 2, 0),
    ("waiting_time.median", 31.5, None),
    ("waiting_time.p90", 42, None),
    # Length: Y2 2023-09-01 → 2025-03-14 = 366 + 181 + 13 = 560 days; Y5 25 days.
    ("length_of_support.exits", 2, 0),
    ("length_of_support.median", 292.5, None),
    # Y2 flagged in January: 1 of 5; its week w03 carries the surcharge.
    ("complex_situations.youth", 1, 0),
    ("complex_situations.share", 0.2, 0.0),
    ("complex_situations.units", 1, 0),
    # Appui-ressources: 1 h for Y1; 2 h with nobody, at a school.
    ("appui_ressources.linked_hours", 1.0, 0.0),
    ("appui_ressources.unlinked_hours", 2.0, 0.0),
    ("appui_ressources.unlinked.ecole", 2.0, 0.0),
    *(
        (f"appui_ressources.unlinked.{setting}", 0.0, 0.0)
        for setting in ("site", "domicile", "exterieur", "soins", "distance", "inconnu")
    ),
    # Main modality: Y1 jour in January, ambulatoire in February: one change.
    ("transitions.count", 1, 0),
    ("transitions.youth", 1, 0),
    ("transitions.pair.accueil_jour>ambulatoire", 1, 0),
    *(
        (f"transitions.pair.{pair}", 0, 0)
        for pair in (
            "accueil_nuit>accueil_jour",
            "accueil_nuit>ambulatoire",
            "accueil_jour>accueil_nuit",
            "ambulatoire>accueil_nuit",
            "ambulatoire>accueil_jour",
        )
    ),
    # 11 sessions received in Q1 (Y1 3, Y2 1, Y3 3, Y4 2, Y5 1, the appui with nobody),
    # one unclassified; Y5's planned past session counted but not validated, of the 10
    # counted; the appui with nobody has no participant. 2024-Q1: 1 received, 1 counted.
    ("data_quality.unclassified_share", round(1 / 11, 4), 0.0),
    ("data_quality.not_validated_share", round(1 / 10, 4), 0.0),
    ("data_quality.without_participants_share", round(1 / 11, 4), 0.0),
    # "ancien" last fed 2025-02-01, more than 7 days before 2025-04-01; in 2024-Q1 no
    # source had received anything yet.
    ("data_quality.sources", 2, 2),
    ("data_quality.stale_sources", 1, 2),
]


def test_every_indicator_of_an_establishment_matches_the_hand_computation(
    api_client: AppClient, hand_dataset: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    body = _get(api_client, f"/v1/establishments/{FINESS}/indicators", key)
    measures = _measures(body)
    assert body["scope"] == {"kind": "establishment", "code": FINESS, "name": f"DITEP {FINESS}"}
    assert body["period"] == {"code": "2025-Q1", "start": "2025-01-01", "end": "2025-04-01"}
    assert body["year_before_period"]["code"] == "2024-Q1"
    assert body["secrecy"] is None
    assert body["suppressed"] == []
    codes = {code for code, _, _ in EXPECTED}
    assert codes == set(measures), set(measures) ^ codes
    for code, value, before in EXPECTED:
        measure = measures[code]
        if value is None:
            assert (measure["value"], measure["reason"]) == (None, "undefined"), code
        else:
            assert measure["value"] == pytest.approx(value), code
            assert measure["reason"] is None, code
        if before is None:
            assert measure["year_before"] == UNDEFINED, code
        else:
            assert measure["year_before"]["value"] == pytest.approx(before), code
    # Every indicator carries its French label and definition.
    for indicator in body["indicators"]:
        assert indicator["label"]
        assert len(indicator["definition"]) > 40


@pytest.fixture
def two_establishments(database: Database) -> None:
    """The hand dataset twice in region 84 (Rhône, Isère), once in Île-de-France."""
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
        seed_hand_dataset(session, finess="380000300")
        seed_hand_dataset(session, finess="750000400", region="11")


def test_region_and_national_levels_sum_the_counts_and_pool_the_durations(
    migrated_database: TemporaryDatabase,
    database: Database,
    two_establishments: None,
    make_key: KeyMaker,
) -> None:
    admin = make_key(Scope.ADMIN)
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        region = _measures(_get(client, "/v1/regions/84/indicators", admin))
        department = _get(client, "/v1/departments/69/indicators", admin)
        national = _get(client, "/v1/national/indicators", admin)
    # Two copies: counts double, shares stay; durations are pooled, not averaged:
    # waiting [21, 21, 42, 42] → median 31.5, rank ceil(3.6) = 4 → 42.
    assert region["file_active.total"]["value"] == 10
    assert region["entries_exits.admissions"]["value"] == 6
    assert region["multi_modality.share"]["value"] == 0.2
    assert region["waiting_time.youth"]["value"] == 4
    assert region["waiting_time.median"]["value"] == 31.5
    assert region["waiting_time.p90"]["value"] == 42
    assert region["length_of_support.median"]["value"] == 292.5
    assert region["occupation_rate.accueil_nuit"]["value"] == round(2 / 52, 4)
    assert region["data_quality.stale_sources"]["value"] == 2
    assert region["file_active.total"]["year_before"]["value"] == 2
    # A department of one establishment: that establishment's figures.
    measures = _measures(department)
    for code, value, _before in EXPECTED:
        if value is not None:
            assert measures[code]["value"] == pytest.approx(value), code
    assert department["scope"]["kind"] == "department"
    assert department["secrecy"]["establishment_count"] == 1
    assert national["scope"] == {"kind": "national", "code": None, "name": "France"}
    assert national["secrecy"]["establishment_count"] == 3
    assert _measures(national)["file_active.total"]["value"] == 15


def test_ars_indicators_keep_the_secrecy_of_the_area_activity_route(
    api_client: AppClient, two_establishments: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ, regions=("84",))
    body = _get(api_client, "/v1/departments/69/indicators", key)
    measures = _measures(body)
    activity = api_client.get(
        "/v1/departments/69/activity", params={"period": PERIOD}, headers=key
    ).json()
    totals = activity["totals"]["figures"]
    # 5 young people: published; 1 at night, 3 admissions, 2 waiting times: hidden, and
    # every ratio and median built on them.
    assert measures["file_active.total"]["value"] == totals["file_active"]["total"] == 5
    assert totals["file_active"]["by_modality"]["accueil_nuit"] is None
    for code in (
        "modality_mix.youth.accueil_nuit",
        "modality_mix.share.accueil_nuit",
        "multi_modality.share",
        "entries_exits.admissions",
        "waiting_time.youth",
        "waiting_time.median",
        "waiting_time.p90",
        "length_of_support.median",
        "complex_situations.share",
    ):
        assert (measures[code]["value"], measures[code]["reason"]) == (None, "suppressed"), code
        assert code in body["suppressed"]
    # Hours and session counts describe no young person: published.
    assert measures["direct_hours_per_youth.value"]["value"] == 5.4
    assert measures["data_quality.unclassified_share"]["value"] == round(1 / 11, 4)
    assert body["secrecy"]["threshold"] == 5


def test_an_empty_area_has_undefined_ratios_never_zero(
    api_client: AppClient, two_establishments: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ)
    measures = _measures(_get(api_client, "/v1/departments/01/indicators", key))
    assert measures["file_active.total"]["value"] == 0
    for code in (
        "multi_modality.share",
        "direct_hours_per_youth.value",
        "indirect_share.value",
        "occupation_rate.ambulatoire",
        "waiting_time.median",
        "data_quality.unclassified_share",
    ):
        assert {k: measures[code][k] for k in ("value", "reason")} == UNDEFINED, code


def test_indicators_tenancy_and_periods(
    api_client: AppClient, two_establishments: None, make_key: KeyMaker
) -> None:
    region_84 = make_key(Scope.ARS_READ, regions=("84",))
    region_11 = make_key(Scope.ARS_READ, regions=("11",))
    unbound_ars = make_key(Scope.ARS_READ)
    own = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    other = make_key(Scope.ACTIVITY_READ, finess=("380000300",))

    def status(url: str, key: dict[str, str], period: str = PERIOD) -> int:
        return api_client.get(url, params={"period": period}, headers=key).status_code

    assert status("/v1/regions/84/indicators", region_11) == 403
    assert status("/v1/departments/69/indicators", region_11) == 403
    assert status("/v1/national/indicators", region_84) == 403
    assert status("/v1/national/indicators", unbound_ars) == 200
    assert status(f"/v1/establishments/{FINESS}/indicators", region_84) == 403
    assert status(f"/v1/establishments/{FINESS}/indicators", other) in (403, 404)
    assert status("/v1/regions/84/indicators", own) == 403
    for period in ("2025-03", "2025", "2024-2025"):
        assert status(f"/v1/establishments/{FINESS}/indicators", own, period) == 200, period
    # Calendar periods only: no ISO week, no day range.
    for period in ("2025-W11", "2025-01-01/2025-04-01"):
        response = api_client.get(
            "/v1/regions/84/indicators", params={"period": period}, headers=region_84
        )
        assert response.status_code == 422, period
        assert "period" in response.text


def test_docs_list_every_indicator_and_the_openapi_pages_show_an_example(
    api_client: AppClient,
) -> None:
    from pathlib import Path

    from ditep_counting.engine.indicators import CATALOGUE

    docs = (Path(__file__).parents[3] / "docs" / "transmission.md").read_text(encoding="utf-8")
    for spec in CATALOGUE:
        # The docs show the definitions the API serves, word for word.
        assert f"| {spec.label} (`{spec.code}`) | {spec.definition} |" in docs, spec.code
    document = api_client.get("/openapi.json").json()
    schema = document["components"]["schemas"]["IndicatorsReport"]
    example = schema["examples"][0]
    assert example["indicators"][0]["measures"][1]["year_before"]["reason"] == "undefined"
    for path in (
        "/v1/establishments/{finess}/indicators",
        "/v1/regions/{code}/indicators",
        "/v1/departments/{code}/indicators",
        "/v1/national/indicators",
    ):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["$ref"].endswith("/IndicatorsReport")
        assert {"text/csv", XLSX} <= set(content), path


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
