"""The ROR bundle against the ANS ROR guide's StructureDefinitions (corpus).

fhir.resources checks the FHIR R4 structure; tests/fhir_profiles.py checks the profile
rules (cardinalities, fixed and pattern values, required extensions, bindings where the
value sets are in the corpus or copied here, must-support). An element the profiles ask
for and this service has no data for would be listed in ``NO_DATA`` with its reason (none
today), so that a new violation fails and so does a gap closed without updating the list.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from activity_api.ror import codes
from activity_api.ror.service import set_ror_id
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.establishments.service import set_commune, set_ror_declarations
from ditep_core.nomenclatures import Scope
from tests.activity_api.helpers import api_client_with
from tests.conftest import (
    CORPUS_DIR,
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
)
from tests.fhir_profiles import ProfileChecker, Report, Terminology, load_json_files

pytestmark = pytest.mark.corpus

PROFILES = CORPUS_DIR / "fhir" / "ror" / "profiles"
WEEK = "2025-W11"
FINESS = "690000017"
IG = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition"

# Required by the profiles, not held by this service (the establishment declares them to
# the ROR itself): violations expected, by resource type. None left since specialty
# (operationalActivity 1..1) is sent.
NO_DATA: dict[str, set[str]] = {
    "HealthcareService": set(),
    "Organization": set(),
    "Location": set(),
}
# Sent once the establishment declares them (ditep establishment update --ages 6-20
# --not-sensitive-unit), missing before: sensitive-unit 1..1 (valueBoolean) and
# patient-type 1..1 (ageRange 1..1 with low and high 1..1); extension min 3 with
# ror-meta-creation-date.
UNDECLARED = {
    "HealthcareService.extension",
    "HealthcareService.extension:ror-healthcareservice-sensitive-unit",
    "HealthcareService.extension:ror-healthcareservice-patient-type",
}

# Must-support elements we have the data for, so must fill.
MUST_FILL = {
    "Organization": {
        "Organization.meta.lastUpdated",
        "Organization.extension:ror-meta-creation-date",
        "Organization.identifier",
        "Organization.identifier:finess",
        "Organization.identifier:finess.type",
        "Organization.type",
        "Organization.name",
    },
    "HealthcareService": {
        "HealthcareService.meta.lastUpdated",
        "HealthcareService.extension:ror-meta-creation-date",
        "HealthcareService.identifier",
        "HealthcareService.providedBy",
        "HealthcareService.category",
        "HealthcareService.type",
        "HealthcareService.specialty",
        "HealthcareService.specialty:operationalActivity",
        "HealthcareService.specialty:operationalActivityFamily",
        "HealthcareService.characteristic",
        "HealthcareService.characteristic:careMode",
        "HealthcareService.extension:ror-healthcareservice-sensitive-unit",
        "HealthcareService.extension:ror-healthcareservice-patient-type",
        "HealthcareService.location",
        "HealthcareService.name",
    },
    "Location": {
        "Location.meta.lastUpdated",
        "Location.extension:ror-commune-cog",
        "Location.extension:ror-meta-creation-date",
        "Location.extension:ror-location-supported-capacity",
        "Location.identifier",
        "Location.identifier:idExterneSynchro",
        "Location.identifier:idExterneSynchro.type",
        "Location.name",
        "Location.managingOrganization",
    },
}

# The operational activity value sets are not in the corpus: the codes the bundle may
# send, copied from the ANS terminology IG (ansforge/IG-terminologie-de-sante, commit
# a1e419eae378e578cf4e51e6645d6bd9e3959e25):
# https://github.com/ansforge/IG-terminologie-de-sante/blob/a1e419eae378e578cf4e51e6645d6bd9e3959e25/ig/main/ValueSet-JDV-J17-ActiviteOperationnelle-ROR.json
# https://github.com/ansforge/IG-terminologie-de-sante/blob/a1e419eae378e578cf4e51e6645d6bd9e3959e25/ig/main/ValueSet-JDV-J51-FamilleActiviteOperationnelle-ROR.json
# Each pair is one of the ANS ConceptMap ASS_A14 (FamilleActivite -> ActiviteOperationnelle):
# 019 -> 298, 2.2.1.2 -> 294/295, 2.3.3.1 -> 300/301.
JDV_J17 = "https://mos.esante.gouv.fr/NOS/JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR"
JDV_J51 = "https://mos.esante.gouv.fr/NOS/JDV_J51-FamilleActiviteOperationnelle-ROR/FHIR/JDV-J51-FamilleActiviteOperationnelle-ROR"
TRE_R211 = "https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle"
TRE_R265 = "https://mos.esante.gouv.fr/NOS/TRE_R265-PrestationPilotageSerafin/FHIR/TRE-R265-PrestationPilotageSerafin"
OPERATIONAL_ACTIVITY_CODES = {
    JDV_J17: (
        TRE_R211,
        {
            "298": "Accompagnements pour vivre dans un logement",
            "295": "Accompagnements pour les relations avec autrui",
            "300": "Accompagnements à la scolarisation",
        },
    ),
    JDV_J51: (
        TRE_R265,
        {
            "019": "2.3.2.1 Accompagnements pour vivre dans un logement",
            "012": "2.2.1.2 Accompagnements pour la communication et les relations avec autrui",
            "022": "2.3.3.1 Accompagnements pour mener sa vie d'élève, d'étudiant ou d'apprenti",
        },
    ),
}


def _partial_value_sets() -> list[dict[str, Any]]:
    """JDV_J17 and JDV_J51 reduced to the codes above (what the checker needs to tell the
    specialty slices apart by system and to check the codes)."""
    return [
        {
            "resourceType": "ValueSet",
            "url": url,
            "compose": {
                "include": [
                    {
                        "system": system,
                        "concept": [{"code": c, "display": d} for c, d in concepts.items()],
                    }
                ]
            },
        }
        for url, (system, concepts) in OPERATIONAL_ACTIVITY_CODES.items()
    ]


# Value sets the bundle's codes must be in (corpus, and the partial ones above).
CHECKED_VALUE_SETS = {
    "https://mos.esante.gouv.fr/NOS/JDV_J19-ModePriseEnCharge-ROR/FHIR/JDV-J19-ModePriseEnCharge-ROR",
    "https://mos.esante.gouv.fr/NOS/JDV_J193-TypeSourceCapacite-ROR/FHIR/JDV-J193-TypeSourceCapacite-ROR",
    JDV_J17,
    JDV_J51,
}


def _definitions() -> tuple[dict[str, Any], Terminology]:
    structures = load_json_files(sorted(PROFILES.glob("StructureDefinition-*.json")))
    terminology = Terminology(
        load_json_files(
            sorted([*PROFILES.glob("ValueSet-*.json"), *PROFILES.glob("CodeSystem-*.json")])
        )
        + _partial_value_sets()
    )
    return {definition["url"]: definition for definition in structures}, terminology


def _check(resource: dict[str, Any]) -> Report:
    definitions, terminology = _definitions()
    (profile,) = resource["meta"]["profile"]
    checker = ProfileChecker(
        definitions[profile], extensions=definitions.values(), terminology=terminology
    )
    return checker.check(resource, resource["resourceType"])


def _bundle(
    migrated_database: TemporaryDatabase, database: Database, key: dict[str, str]
) -> dict[str, Any]:
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        response = client.get(
            f"/v1/establishments/{FINESS}/ror", params={"week": WEEK}, headers=key
        )
    assert response.status_code == 200, response.text
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)  # the FHIR R4 structure
    return bundle


@pytest.fixture
def placed(database: Database, ingested: SampleDitep) -> SampleDitep:
    """The sample with its commune (Lyon), its declarations for the ROR (ages 6 to 20, not
    a sensitive unit) and the ROR's ids of its offers."""
    with database.unit_of_work() as session:
        set_commune(session, FINESS, "69123")
        set_ror_declarations(session, FINESS, ages="6-20", sensitive_unit=False)
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        for modality in ("accueil-nuit", "accueil-jour", "ambulatoire"):
            set_ror_id(
                session, establishment, f"HealthcareService/{FINESS}-{modality}", f"HS-{modality}"
            )
    return ingested


@pytest.fixture
def bundle(
    migrated_database: TemporaryDatabase,
    database: Database,
    placed: SampleDitep,
    make_key: KeyMaker,
) -> dict[str, Any]:
    """The bundle of the placed sample, read with an activity:read key."""
    return _bundle(migrated_database, database, make_key(Scope.ACTIVITY_READ))


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_follows_the_ror_profiles_where_it_has_the_data(
    bundle: dict[str, Any],
) -> None:
    checked: set[str] = set()
    seen_types: set[str] = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        seen_types.add(kind)
        report = _check(resource)
        violated = {violation.element for violation in report.violations}
        assert violated == NO_DATA[kind], [str(v) for v in report.violations]
        assert MUST_FILL[kind] <= report.must_support_present, (
            MUST_FILL[kind] - report.must_support_present
        )
        checked |= CHECKED_VALUE_SETS - report.unchecked_bindings
    assert seen_types == {"Organization", "HealthcareService", "Location"}
    # The care mode, the capacity source and the operational activity and its family
    # were checked against their value sets.
    assert checked == CHECKED_VALUE_SETS


def test_capacities_carry_every_required_sub_extension(
    bundle: dict[str, Any],
) -> None:
    night = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["id"] == f"{FINESS}-accueil-nuit"
        and e["resource"]["resourceType"] == "Location"
    )
    capacities = [x for x in night["extension"] if x["url"] == codes.EXTENSION_SUPPORTED_CAPACITY]
    assert len(capacities) == 3  # installed, occupied, available: threshold 1
    for capacity in capacities:
        parts = {part["url"]: part for part in capacity["extension"]}
        assert parts["capacitySourceType"]["valueCodeableConcept"]["coding"][0] == {
            "system": codes.SYSTEM_CAPACITY_SOURCE,
            "code": "04",
            "display": "Dossier patient informatisé (DPI)",
        }
    (commune,) = [x for x in night["extension"] if x["url"] == f"{IG}/ror-commune-cog"]
    assert commune["valueCodeableConcept"]["coding"] == [
        {"system": codes.SYSTEM_COMMUNE, "code": "69123"}
    ]
    assert not _check(night).violations


def test_without_commune_and_declarations_the_checker_names_what_is_missing(
    migrated_database: TemporaryDatabase,
    database: Database,
    ingested: SampleDitep,
    make_key: KeyMaker,
) -> None:
    bundle = _bundle(migrated_database, database, make_key(Scope.ACTIVITY_READ))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Location":
            messages = [str(v) for v in _check(entry["resource"]).violations]
            assert messages == ["Location: Location.extension:ror-commune-cog: 0 found, at least 1"]
        if entry["resource"]["resourceType"] == "HealthcareService":
            violated = {v.element for v in _check(entry["resource"]).violations}
            # identifier 1..1: the ROR's id of the offer, not recorded here.
            unrecorded = {"HealthcareService.identifier"}
            assert violated == NO_DATA["HealthcareService"] | UNDECLARED | unrecorded


def test_the_profiles_read_are_the_guide_s() -> None:
    definitions, _ = _definitions()
    for profile in (
        codes.PROFILE_ORGANIZATION,
        codes.PROFILE_HEALTHCARE_SERVICE,
        codes.PROFILE_LOCATION,
        codes.EXTENSION_SUPPORTED_CAPACITY,
        codes.EXTENSION_COMMUNE,
        codes.EXTENSION_CREATION_DATE,
    ):
        assert profile in definitions, profile


def test_the_offer_is_medico_social_and_locations_carry_our_id_to_match_on(
    bundle: dict[str, Any],
) -> None:
    resources = [entry["resource"] for entry in bundle["entry"]]
    services = [r for r in resources if r["resourceType"] == "HealthcareService"]
    assert services
    for service in services:
        # type 1..1, required JDV_J20: TRE_R227 04 "Médico-social (MS)" (an ITEP).
        assert service["type"] == [
            {
                "coding": [
                    {
                        "system": "https://mos.esante.gouv.fr/NOS/TRE_R227-ChampActivite/FHIR/TRE-R227-ChampActivite",
                        "code": "04",
                        "display": "Médico-social (MS)",
                    }
                ]
            }
        ]
    locations = [r for r in resources if r["resourceType"] == "Location"]
    assert {location["identifier"][0]["value"] for location in locations} == {
        location["id"] for location in locations
    }
    for location in locations:
        (identifier,) = location["identifier"]
        # ror-location identifier:idExterneSynchro: type.coding.code pattern 26 (TRE_R354).
        assert identifier["type"]["coding"][0]["code"] == "26"
        assert identifier["system"] == codes.SYSTEM_LOCATION_SYNC_ID


def test_the_declarations_fill_sensitive_unit_and_patient_type(
    bundle: dict[str, Any],
) -> None:
    service = _resources(bundle, "HealthcareService")[0]
    by_url = {extension["url"]: extension for extension in service["extension"]}
    assert by_url[f"{IG}/ror-healthcareservice-sensitive-unit"]["valueBoolean"] is False
    parts = {
        part["url"]: part
        for part in by_url[f"{IG}/ror-healthcareservice-patient-type"]["extension"]
    }
    age_range = parts["ageRange"]["valueRange"]
    assert (age_range["low"]["value"], age_range["high"]["value"]) == (6, 20)
    assert parts["supportedPatientInfo"]["valueCodeableConcept"]["coding"][0]["code"] == "02"


def test_each_offer_carries_the_operational_activity_of_its_modality(
    bundle: dict[str, Any],
) -> None:
    # By care mode (TRE_R213): 48 accueil de nuit, 47 accueil de jour, 49 ambulatoire.
    specialties = {
        entry["resource"]["characteristic"][0]["coding"][0]["code"]: [
            coding for concept in entry["resource"]["specialty"] for coding in concept["coding"]
        ]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "HealthcareService"
    }
    activities = OPERATIONAL_ACTIVITY_CODES[JDV_J17][1]
    families = OPERATIONAL_ACTIVITY_CODES[JDV_J51][1]

    def pair(activity: str, family: str) -> list[dict[str, str]]:
        return [
            {"system": TRE_R211, "code": activity, "display": activities[activity]},
            {"system": TRE_R265, "code": family, "display": families[family]},
        ]

    assert specialties == {
        "48": pair("298", "019"),
        "47": pair("295", "012"),
        "49": pair("300", "022"),
    }


def test_an_operational_activity_outside_jdv_j17_is_a_violation(
    bundle: dict[str, Any],
) -> None:
    service = _resources(bundle, "HealthcareService")[0]
    # TRE_R211 022 (Chirurgie gynécologique) is a sanitary activity, not in the table.
    service["specialty"][0]["coding"][0]["code"] = "022"
    messages = [str(v) for v in _check(service).violations]
    assert len(messages) == 1
    assert "HealthcareService.specialty:operationalActivity" in messages[0]
    assert "not in value set" in messages[0]
    # Without the operational activity, the slice's minimum is what fails.
    del service["specialty"][0]
    violated = {v.element for v in _check(service).violations}
    assert violated == {
        "HealthcareService.specialty:operationalActivity",
    }
