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
from ditep_core.web.problems import Conflict, InvalidRequest

_FINESS = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")


def validate_finess(finess: str) -> str:
    value = finess.strip().upper()
    if not _FINESS.match(value):
        raise InvalidRequest(
            f"'{finess}' is not a FINESS number (9 characters: department, incl. 2A/2B, "
            "then 7 digits)"
        )
    return value


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
) -> Establishment:
    finess = validate_finess(finess)
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
        department_code=department_code or department_of(finess),
        timezone=timezone,
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
