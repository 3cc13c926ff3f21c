"""The ROR export: a FHIR R4 Bundle that fhir.resources accepts, with the guide's URLs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from activity_api.ror import codes
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.helpers import api_client_with, capacity_extensions
from tests.conftest import (
    CORPUS_DIR,
    SAMPLES_DIR,
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
)
from tests.http import AppClient

ROR_CORPUS = CORPUS_DIR / "fhir" / "ror"
# A NOS code system (TRE_Rxxx, TRE_Gxx): https://mos.esante.gouv.fr/NOS/TRE_R30-X/FHIR/TRE-R30-X
NOS_URL = re.compile(
    r"^https://mos\.esante\.gouv\.fr/NOS/(TRE_[RG]\d+)-(\w+)/FHIR/(TRE-[RG]\d+)-(\w+)$"
)
WEEK = "2025-W11"  # 10-16 March 2025


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _week_file_active(client: AppClient, key: dict[str, str]) -> dict[str, int]:
    body = client.get(
        "/v1/establishments/690000017/activity",
        params={"start": "2025-03-10", "end": "2025-03-17"},
        headers=key,
    ).json()
    by_modality: dict[str, int] = body["file_active"]["by_modality"]
    return by_modality


def test_bundle_validates_and_hides_small_occupations_by_default(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    response = api_client.get(
        "/v1/establishments/690000017/ror", params={"week": WEEK}, headers=key
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    (organization,) = _resources(bundle, "Organization")
    (finess,) = organization["identifier"]
    assert (finess["system"], finess["value"]) == ("https://finess.esante.gouv.fr", "690000017")
    assert finess["type"]["coding"] == [
        {"system": codes.SYSTEM_STRUCTURE_IDENTIFIER_TYPE, "code": codes.IDENTIFIER_TYPE_FINESS}
    ]
    assert organization["type"][0]["coding"][0]["code"] == "186"
    services = _resources(bundle, "HealthcareService")
    care_modes = sorted(s["characteristic"][0]["coding"][0]["code"] for s in services)
    # Night and day places are declared; the SESSAD (ambulatory) has activity.
    assert care_modes == ["47", "48", "49"]
    for service in services:
        assert service["characteristic"][0]["coding"][0]["system"] == codes.SYSTEM_CARE_MODE
    # The sample has 4 young people: every weekly occupation is under 5, so only the
    # installed places are published, and available (which would give it back) is hidden.
    locations = {loc["id"]: capacity_extensions(loc) for loc in _resources(bundle, "Location")}
    assert locations == {
        "690000017-accueil-nuit": {"01": 12},
        "690000017-accueil-jour": {"01": 20},
        "690000017-ambulatoire": {},
    }
    assert response.headers["Ditep-Suppressed"] == ",".join(
        [
            "accueil_jour.available",
            "accueil_jour.occupied",
            "accueil_nuit.available",
            "accueil_nuit.occupied",
            "ambulatoire.occupied",
        ]
    )


def test_occupied_and_available_come_from_the_week_counts(
    migrated_database: TemporaryDatabase,
    database: Database,
    ingested: SampleDitep,
    make_key: KeyMaker,
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        counts = _week_file_active(client, key)
        assert counts["accueil_nuit"] > 0
        assert counts["accueil_jour"] > 0
        bundle = client.get(
            "/v1/establishments/690000017/ror", params={"week": WEEK}, headers=key
        ).json()
    Bundle.model_validate(bundle)
    locations = {loc["id"]: capacity_extensions(loc) for loc in _resources(bundle, "Location")}
    assert locations["690000017-accueil-nuit"] == {
        "01": 12,
        "03": counts["accueil_nuit"],
        "02": 12 - counts["accueil_nuit"],
    }
    assert locations["690000017-accueil-jour"] == {
        "01": 20,
        "03": counts["accueil_jour"],
        "02": 20 - counts["accueil_jour"],
    }
    # No declared capacity for the SESSAD: occupied only.
    assert locations["690000017-ambulatoire"] == {"03": counts["ambulatoire"]}


def test_bad_weeks_and_other_regions_are_refused(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    url = "/v1/establishments/690000017/ror"
    assert api_client.get(url, params={"week": "2025-03"}, headers=key).status_code == 422
    assert api_client.get(url, params={"week": "2025-W54"}, headers=key).status_code == 422
    other = make_key(Scope.ACTIVITY_READ, finess=("750000010",))
    assert api_client.get(url, params={"week": WEEK}, headers=other).status_code == 403
    ars = make_key.legacy(Scope.ACTIVITY_READ, regions=("84",))
    assert api_client.get(url, params={"week": WEEK}, headers=ars).status_code == 403


def _urls(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            if name in {"url", "system"} and isinstance(item, str) and "://" in item:
                found.add(item)
            elif name == "profile":
                found.update(item)
            else:
                found |= _urls(item)
    elif isinstance(value, list):
        for item in value:
            found |= _urls(item)
    return found


def _served_urls(api_client: AppClient, key: dict[str, str]) -> set[str]:
    """The URLs in the sample DITEP's ROR bundle of WEEK."""
    return _urls(
        api_client.get(
            "/v1/establishments/690000017/ror", params={"week": WEEK}, headers=key
        ).json()
    )


@pytest.mark.corpus
def test_urls_follow_the_ror_guide_examples(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    examples = [json.loads(path.read_text("utf-8")) for path in ROR_CORPUS.glob("*.json")]
    known = set().union(*(_urls(example) for example in examples))
    ours = _served_urls(api_client, make_key(Scope.ACTIVITY_READ))
    # Profiles and the region tag system are the examples' own.
    assert codes.PROFILE_LOCATION in known
    assert codes.PROFILE_HEALTHCARE_SERVICE in known
    assert codes.SYSTEM_REGION in known
    # Every NOS code system and StructureDefinition follows the examples' patterns.
    nos = NOS_URL
    for url in known | ours:
        if "mos.esante.gouv.fr" in url:
            match = nos.match(url)
            assert match, url
            assert match[1].replace("_", "-") == match[3]
            assert match[2] == match[4]
    structure = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
    assert any(url.startswith(structure) for url in known)
    assert codes.EXTENSION_SUPPORTED_CAPACITY.startswith(structure)
    definitions = {
        json.loads(path.read_text("utf-8-sig"))["url"]
        for path in (ROR_CORPUS / "profiles").glob("StructureDefinition-*.json")
    }
    assert {url for url in ours if "interop.esante" in url} <= known | definitions


# The URLs the guide's examples use (read from the ROR guide, checked against the corpus
# above where it is present): a plain clone checks the same rules without it.
GUIDE_URLS = {
    "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location",
    "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice",
    "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM",
    "https://mos.esante.gouv.fr/NOS/TRE_R244-CategorieOrganisation/FHIR/TRE-R244-CategorieOrganisation",
}


def test_urls_follow_the_ror_guide_patterns(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    ours = _served_urls(api_client, make_key(Scope.ACTIVITY_READ))
    assert {
        codes.PROFILE_LOCATION,
        codes.PROFILE_HEALTHCARE_SERVICE,
        codes.SYSTEM_REGION,
        codes.SYSTEM_OFFER_CATEGORY,
    } == GUIDE_URLS
    assert ours >= GUIDE_URLS
    nos = NOS_URL
    structure = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
    for url in ours:
        if "mos.esante.gouv.fr" in url:
            match = nos.match(url)
            assert match, url
            assert (match[1].replace("_", "-"), match[2]) == (match[3], match[4])
        if "interop.esante.gouv.fr" in url:
            assert url.startswith(structure), url


def test_cli_prints_the_same_bundle(cli_runner: CliRunner) -> None:
    from ditep_cli.main import app

    assert cli_runner.invoke(app, ["migrate"]).exit_code == 0
    # The threshold lives in the counting profile: 1 publishes every non-zero figure.
    stored = cli_runner.invoke(
        app, ["profile", "set", "--version", "test-open", "suppression_threshold=1"]
    )
    assert stored.exit_code == 0, stored.output
    loaded = cli_runner.invoke(app, ["samples", "load", str(SAMPLES_DIR)])
    assert loaded.exit_code == 0, loaded.output
    result = cli_runner.invoke(app, ["ror", "export", "--finess", "690000017", "--week", WEEK])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    Bundle.model_validate(bundle)
    night = next(
        r["resource"]
        for r in bundle["entry"]
        if r["resource"]["id"] == "690000017-accueil-nuit"
        and r["resource"]["resourceType"] == "Location"
    )
    installed = capacity_extensions(night)["01"]
    assert capacity_extensions(night)["03"] + capacity_extensions(night)["02"] == installed
    bad = cli_runner.invoke(app, ["ror", "export", "--finess", "690000017", "--week", "W11"])
    assert bad.exit_code == 1
