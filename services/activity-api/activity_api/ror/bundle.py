"""The ROR bundle of one establishment for one week. Pure: plain dicts in FHIR R4 JSON.

Organization (FINESS, category), one HealthcareService per modality offered (care
mode from TRE_R213, champ d'activité médico-social from TRE_R227, operational activity
from TRE_R211 with its SERAFIN-PH family from TRE_R265), one Location per
modality carrying our id as its ``idExterneSynchro`` identifier, its commune
(``ror-commune-cog``) and its capacities (``ror-location-supported-capacity``:
installed, occupied, available places, source TRE_R335). Each resource is sent under
the ROR's own id when one is recorded for it (``RorEstablishment.ror_ids``), else
under ours (``resource_id``).
A suppressed figure (statistical secrecy) is left out of its Location: FHIR has no
null for ``nbCapacity`` (1..1), and the ROR then keeps what it had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    # INSEE (COG) code of the commune; without it, Locations lack ror-commune-cog.
    commune_code: str | None = None
    # When the establishment was registered here: the resources' ror-meta-creation-date.
    created: dt.datetime | None = None
    # The ROR's ids of our resources: {"Location/690000017-accueil-nuit": "<ROR id>"}.
    ror_ids: Mapping[str, str] = field(default_factory=dict)
    # Declared for the HealthcareServices (not sent until declared): the authorised age
    # range (patient-type) and whether the offer is a sensitive unit.
    age_range: tuple[int, int] | None = None
    sensitive_unit: bool | None = None

    def id_of(self, resource_type: str, local_id: str) -> str:
        return self.ror_ids.get(f"{resource_type}/{local_id}", local_id)

    def reference(self, resource_type: str, local_id: str) -> dict[str, str]:
        return {"reference": f"{resource_type}/{self.id_of(resource_type, local_id)}"}

    def common_extensions(self) -> list[dict[str, Any]]:
        if self.created is None:
            return []
        return [{"url": codes.EXTENSION_CREATION_DATE, "valueDateTime": _instant(self.created)}]


def _instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # stored as naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.replace(microsecond=0).isoformat()


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
            {
                "url": "capacitySourceType",
                "valueCodeableConcept": _concept(
                    codes.SYSTEM_CAPACITY_SOURCE, codes.CAPACITY_SOURCE_DPI
                ),
            },
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
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": establishment.id_of("Organization", establishment.finess),
        "meta": _meta(codes.PROFILE_ORGANIZATION, establishment.region_code, updated),
    }
    if extensions := establishment.common_extensions():
        resource["extension"] = extensions
    return resource | {
        "identifier": [
            {
                "type": _concept(
                    codes.SYSTEM_STRUCTURE_IDENTIFIER_TYPE, codes.IDENTIFIER_TYPE_FINESS
                ),
                "system": codes.SYSTEM_FINESS,
                "value": establishment.finess,
            }
        ],
        "active": True,
        "type": [_concept(codes.SYSTEM_ESTABLISHMENT_CATEGORY, codes.CATEGORY_ITEP)],
        "name": establishment.name,
    }


def location_sync_identifier(local_id: str) -> dict[str, Any]:
    """ror-location's ``idExterneSynchro``: our id of the Location, what the push searches
    the ROR's Locations by while the ROR's own id is not recorded."""
    return {
        "type": _concept(
            codes.SYSTEM_OPERATIONAL_RESOURCE_ID_TYPE, codes.IDENTIFIER_TYPE_EXTERNAL_SYNC
        ),
        "system": codes.SYSTEM_LOCATION_SYNC_ID,
        "value": local_id,
    }


def location(
    establishment: RorEstablishment, capacity: ModalityCapacity, updated: dt.datetime
) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = []
    if establishment.commune_code is not None:
        extensions.append(
            {
                "url": codes.EXTENSION_COMMUNE,
                "valueCodeableConcept": _concept(codes.SYSTEM_COMMUNE, establishment.commune_code),
            }
        )
    extensions += establishment.common_extensions()
    extensions += [
        supported_capacity(status, places, updated)
        for status, places in (
            (codes.STATUS_INSTALLED, capacity.installed),
            (codes.STATUS_OCCUPIED, capacity.occupied),
            (codes.STATUS_AVAILABLE, capacity.available),
        )
        if places is not None
    ]
    local_id = resource_id(establishment.finess, capacity.modality)
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": establishment.id_of("Location", local_id),
        "meta": _meta(codes.PROFILE_LOCATION, establishment.region_code, updated),
        "identifier": [location_sync_identifier(local_id)],
        "status": "active",
        "name": f"{establishment.name} - {capacity.modality.label}",
        "managingOrganization": establishment.reference("Organization", establishment.finess),
    }
    if extensions:
        resource["extension"] = extensions
    return resource


def _offer_extensions(establishment: RorEstablishment) -> list[dict[str, Any]]:
    """ror-healthcareservice-sensitive-unit and -patient-type, where declared."""
    extensions: list[dict[str, Any]] = []
    if establishment.sensitive_unit is not None:
        extensions.append(
            {"url": codes.EXTENSION_SENSITIVE_UNIT, "valueBoolean": establishment.sensitive_unit}
        )
    if establishment.age_range is not None:
        low, high = establishment.age_range
        years = {"unit": "années", "system": "http://unitsofmeasure.org", "code": "a"}
        extensions.append(
            {
                "url": codes.EXTENSION_PATIENT_TYPE,
                "extension": [
                    {
                        "url": "ageRange",
                        "valueRange": {
                            "low": {"value": low, **years},
                            "high": {"value": high, **years},
                        },
                    },
                    {
                        "url": "supportedPatientInfo",
                        "valueCodeableConcept": _concept(
                            codes.SYSTEM_SUPPORTED_PUBLIC, codes.PUBLIC_DISABILITY
                        ),
                    },
                ],
            }
        )
    return extensions


def healthcare_service(
    establishment: RorEstablishment, modality: Activity, updated: dt.datetime
) -> dict[str, Any]:
    local_id = resource_id(establishment.finess, modality)
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": establishment.id_of("HealthcareService", local_id),
        "meta": _meta(codes.PROFILE_HEALTHCARE_SERVICE, establishment.region_code, updated),
    }
    if extensions := establishment.common_extensions() + _offer_extensions(establishment):
        resource["extension"] = extensions
    ror_id = establishment.ror_ids.get(f"HealthcareService/{local_id}")
    if ror_id is not None:  # the ROR's identifier of the offer, once it gave one
        resource["identifier"] = [{"value": ror_id}]
    return resource | {
        "active": True,
        "providedBy": establishment.reference("Organization", establishment.finess),
        "category": [_concept(codes.SYSTEM_OFFER_CATEGORY, codes.OFFER_CATEGORY_ITEP)],
        "type": [_concept(codes.SYSTEM_ACTIVITY_FIELD, codes.ACTIVITY_FIELD_MEDICO_SOCIAL)],
        "specialty": [
            _concept(codes.SYSTEM_OPERATIONAL_ACTIVITY, codes.OPERATIONAL_ACTIVITY[modality]),
            _concept(
                codes.SYSTEM_OPERATIONAL_ACTIVITY_FAMILY,
                codes.OPERATIONAL_ACTIVITY_FAMILY[modality],
            ),
        ],
        "characteristic": [_concept(codes.SYSTEM_CARE_MODE, codes.CARE_MODE[modality])],
        "location": [establishment.reference("Location", local_id)],
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
