"""The ROR bundle of one establishment for one week. Pure: plain dicts in FHIR R4 JSON.

Organization (FINESS, category), one HealthcareService per modality offered (care
mode from TRE_R213), one Location per modality carrying its capacities
(``ror-location-supported-capacity``: installed, occupied, available places).
A suppressed figure (statistical secrecy) is left out of its Location: FHIR has no
null for ``nbCapacity`` (1..1), and the ROR then keeps what it had.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from activity_api.ror import codes
from ditep_core.nomenclatures import Activity


@dataclass(frozen=True, slots=True)
class ModalityCapacity:
    modality: Activity
    installed: int | None
    occupied: int | None
    available: int | None


@dataclass(frozen=True, slots=True)
class RorEstablishment:
    finess: str
    name: str
    region_code: str


def _coding(system: str, code: tuple[str, str] | str) -> dict[str, Any]:
    if isinstance(code, tuple):
        return {"system": system, "code": code[0], "display": code[1]}
    return {"system": system, "code": code}


def _concept(system: str, code: tuple[str, str] | str) -> dict[str, Any]:
    return {"coding": [_coding(system, code)]}


def resource_id(finess: str, modality: Activity) -> str:
    return f"{finess}-{modality.value.replace('_', '-')}"


def _meta(profile: str, region_code: str, updated: dt.datetime) -> dict[str, Any]:
    return {
        "lastUpdated": updated.isoformat(),
        "profile": [profile],
        "tag": [_coding(codes.SYSTEM_REGION, region_code)],
    }


def supported_capacity(
    status: tuple[str, str], places: int, updated: dt.datetime
) -> dict[str, Any]:
    return {
        "url": codes.EXTENSION_SUPPORTED_CAPACITY,
        "extension": [
            {
                "url": "capacityType",
                "valueCodeableConcept": _concept(
                    codes.SYSTEM_CAPACITY_TYPE, codes.CAPACITY_TYPE_PLACE
                ),
            },
            {
                "url": "capacityStatus",
                "valueCodeableConcept": _concept(codes.SYSTEM_CAPACITY_STATUS, status),
            },
            {
                "url": "temporalityCapacity",
                "valueCodeableConcept": _concept(
                    codes.SYSTEM_CAPACITY_TEMPORALITY, codes.TEMPORALITY_CURRENT
                ),
            },
            {"url": "nbCapacity", "valueInteger": places},
            {"url": "capacityUpdateDate", "valueDateTime": updated.isoformat()},
            {
                "url": "temporaryAssignement",
                "valueCodeableConcept": _concept(
                    codes.SYSTEM_TEMPORARY_ASSIGNMENT, codes.TEMPORARY_ASSIGNMENT_NONE
                ),
            },
        ],
    }


def organization(establishment: RorEstablishment, updated: dt.datetime) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": establishment.finess,
        "meta": _meta(codes.PROFILE_ORGANIZATION, establishment.region_code, updated),
        "identifier": [{"system": codes.SYSTEM_FINESS, "value": establishment.finess}],
        "active": True,
        "type": [_concept(codes.SYSTEM_ESTABLISHMENT_CATEGORY, codes.CATEGORY_ITEP)],
        "name": establishment.name,
    }


def location(
    establishment: RorEstablishment, capacity: ModalityCapacity, updated: dt.datetime
) -> dict[str, Any]:
    extensions = [
        supported_capacity(status, places, updated)
        for status, places in (
            (codes.STATUS_INSTALLED, capacity.installed),
            (codes.STATUS_OCCUPIED, capacity.occupied),
            (codes.STATUS_AVAILABLE, capacity.available),
        )
        if places is not None
    ]
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": resource_id(establishment.finess, capacity.modality),
        "meta": _meta(codes.PROFILE_LOCATION, establishment.region_code, updated),
        "status": "active",
        "name": f"{establishment.name} - {capacity.modality.label}",
        "managingOrganization": {"reference": f"Organization/{establishment.finess}"},
    }
    if extensions:
        resource["extension"] = extensions
    return resource


def healthcare_service(
    establishment: RorEstablishment, modality: Activity, updated: dt.datetime
) -> dict[str, Any]:
    identifier = resource_id(establishment.finess, modality)
    return {
        "resourceType": "HealthcareService",
        "id": identifier,
        "meta": _meta(codes.PROFILE_HEALTHCARE_SERVICE, establishment.region_code, updated),
        "active": True,
        "providedBy": {"reference": f"Organization/{establishment.finess}"},
        "category": [_concept(codes.SYSTEM_OFFER_CATEGORY, codes.OFFER_CATEGORY_ITEP)],
        "characteristic": [_concept(codes.SYSTEM_CARE_MODE, codes.CARE_MODE[modality])],
        "location": [{"reference": f"Location/{identifier}"}],
        "name": f"{establishment.name} - {modality.label}",
    }


def ror_bundle(
    establishment: RorEstablishment,
    week_label: str,
    capacities: list[ModalityCapacity],
    updated: dt.datetime,
) -> dict[str, Any]:
    resources = [organization(establishment, updated)]
    for capacity in capacities:
        resources.append(healthcare_service(establishment, capacity.modality, updated))
        resources.append(location(establishment, capacity, updated))
    return {
        "resourceType": "Bundle",
        "id": f"ror-{establishment.finess}-{week_label}",
        "type": "collection",
        "timestamp": updated.isoformat(),
        "entry": [{"resource": resource} for resource in resources],
    }
