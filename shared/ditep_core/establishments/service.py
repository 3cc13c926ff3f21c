"""Registering establishments, and the tenancy check every route applies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from ditep_core.auth.access import Level, establishment_by_finess, refuse_area_keys
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.geography import department_of_finess
from ditep_core.models import Establishment, EstablishmentCapacity
from ditep_core.nomenclatures import MODALITIES, Activity
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound

_FINESS = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")
# INSEE (COG) commune code: department (2 digits, 2A/2B, or 97x) then the commune number.
_COMMUNE = re.compile(r"^(?:97\d{3}|(?:\d{2}|2A|2B)\d{3})$")


def validate_finess(finess: str) -> str:
    value = finess.strip().upper()
    if not _FINESS.match(value):
        raise InvalidRequest(
            f"'{finess}' is not a FINESS number (9 characters: department, incl. 2A/2B, "
            "then 7 digits)"
        )
    return value


def validate_commune(commune: str, department_code: str, *, field: str = "commune") -> str:
    """An INSEE commune code (COG) of the establishment's department, e.g. 31555 in 31."""
    value = commune.strip().upper()
    message = None
    if not _COMMUNE.match(value):
        message = f"'{commune}' is not an INSEE commune code (5 characters, e.g. 31555)"
    elif not value.startswith(department_code):
        message = f"{value} is not in the establishment's department {department_code}"
    if message is not None:
        raise InvalidRequest(
            f"{field}: {message}", errors=[{"location": field, "message": message}]
        )
    return value


def set_commune(session: Session, finess: str, commune: str) -> Establishment:
    """Record (or change) the INSEE commune of an existing establishment."""
    establishment = EstablishmentRepository(session).get_by_finess(validate_finess(finess))
    if establishment is None:
        raise NotFound(f"no establishment with FINESS {finess}")
    establishment.commune_code = validate_commune(commune, establishment.department_code)
    session.flush()
    return establishment


_AGES = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})\s*$")


def parse_age_range(ages: str, *, field: str = "ages") -> tuple[int, int]:
    """``6-20``: the youngest and oldest age (years) the establishment is authorised for."""
    found = _AGES.match(ages)
    message = None
    if found is None:
        message = f"'{ages}' is not an age range in years (e.g. 6-20)"
    elif int(found[1]) > int(found[2]) or int(found[2]) > 120:
        message = f"'{ages}': the youngest age must not pass the oldest (at most 120)"
    if found is None or message is not None:
        raise InvalidRequest(
            f"{field}: {message}", errors=[{"location": field, "message": message}]
        )
    return int(found[1]), int(found[2])


def set_ror_declarations(
    session: Session, finess: str, *, ages: str | None = None, sensitive_unit: bool | None = None
) -> Establishment:
    """Record what the establishment declares for the ROR's HealthcareService: its
    authorised age range (``patient-type``) and whether its offer is a sensitive unit."""
    establishment = EstablishmentRepository(session).get_by_finess(validate_finess(finess))
    if establishment is None:
        raise NotFound(f"no establishment with FINESS {finess}")
    if ages is not None:
        establishment.ror_age_min, establishment.ror_age_max = parse_age_range(ages)
    if sensitive_unit is not None:
        establishment.ror_sensitive_unit = sensitive_unit
    session.flush()
    return establishment


def department_of(finess: str) -> str:
    return department_of_finess(finess)


def add_establishment(
    session: Session,
    *,
    finess: str,
    name: str,
    region_code: str,
    department_code: str | None = None,
    timezone: str = "Europe/Paris",
    capacities: Mapping[Activity, int] | None = None,
    commune_code: str | None = None,
) -> Establishment:
    finess = validate_finess(finess)
    department_code = department_code or department_of(finess)
    if commune_code is not None:
        commune_code = validate_commune(commune_code, department_code)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidRequest(f"unknown time zone '{timezone}'") from error
    repository = EstablishmentRepository(session)
    if repository.get_by_finess(finess) is not None:
        raise Conflict(f"establishment {finess} already exists")
    establishment = Establishment(
        finess=finess,
        name=name,
        region_code=region_code,
        department_code=department_code,
        timezone=timezone,
        commune_code=commune_code,
    )
    for modality, places in (capacities or {}).items():
        if modality not in MODALITIES:
            raise InvalidRequest(f"capacity is declared per modality, not for '{modality}'")
        if places < 0:
            raise InvalidRequest("a capacity cannot be negative")
        establishment.capacities.append(EstablishmentCapacity(modality=modality, places=places))
    return repository.add(establishment)


def get_accessible_establishment(
    session: Session, principal: Principal, finess: str, level: Level = Level.FIGURES
) -> Establishment:
    """The establishment, if this key may reach it at this level (``ditep_core.auth.access``).

    404 for an unknown FINESS; 403 for someone else's, and for any other FINESS, known or
    not, to a key bound to some establishments, so that it cannot probe which exist; 403
    to a key bound to a region or department (aggregates only) whatever the FINESS.
    """
    refuse_area_keys(principal)
    establishment = EstablishmentRepository(session).get_by_finess(finess)
    return establishment_by_finess(principal, finess, establishment, level)
