"""The ROR export of one establishment for one ISO week, with statistical secrecy."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from activity_api.periods import ReportingPeriod
from activity_api.ror.bundle import ModalityCapacity, RorEstablishment, resource_id, ror_bundle
from activity_api.ror.capacity import weekly_occupation
from activity_api.ror.repository import RorRepository
from activity_api.secrecy.suppression import Cell, Equation, protect
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment, RorPushResult, RorResourceId, utc_now
from ditep_core.nomenclatures import MODALITIES, Activity
from ditep_core.web.problems import InvalidRequest, NotFound
from ditep_counting.rollups.service import active_profile

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True, slots=True)
class RorExport:
    finess: str
    week: ReportingPeriod
    bundle: dict[str, Any]
    capacities: list[ModalityCapacity]
    # "accueil_nuit.occupied"...: figures left out for statistical secrecy.
    suppressed: list[str]
    # The id each Location is sent under (the ROR's, when recorded) -> our id.
    location_ids: dict[str, str] = field(default_factory=dict)
    # Our ids of the Locations whose ROR id is recorded (the others: searched by identifier).
    mapped_locations: frozenset[str] = frozenset()
    # Our ids of the Locations a push created and has still to add to their
    # HealthcareService (``ror_resource_id.attach_pending``): the next push tries again.
    pending_attachments: frozenset[str] = frozenset()


def protected_capacities(
    installed: dict[Activity, int], occupied: dict[Activity, int], threshold: int
) -> tuple[list[ModalityCapacity], list[str]]:
    """Installed is public (the authorised capacity); occupied counts young people;
    available = installed - occupied would give occupied back, so it follows it."""
    offered = [m for m in MODALITIES if m in installed or occupied.get(m, 0) > 0]
    cells: dict[tuple[Activity, str], Cell] = {}
    equations: list[Equation[tuple[Activity, str]]] = []
    available: dict[Activity, int | None] = {}
    for modality in offered:
        taken = occupied.get(modality, 0)
        cells[(modality, "occupied")] = Cell(taken, sensitive=True)
        places = installed.get(modality)
        available[modality] = None if places is None else max(places - taken, 0)
        if places is not None:
            cells[(modality, "installed")] = Cell(places, sensitive=False, known=True)
            cells[(modality, "available")] = Cell(max(places - taken, 0), sensitive=False)
            if taken <= places:
                equations.append(
                    Equation(
                        (modality, "installed"), ((modality, "occupied"), (modality, "available"))
                    )
                )
    hidden = set(protect(cells, equations, threshold).suppressed)
    # Over capacity, available = 0 says occupied >= installed: hide it with occupied.
    hidden |= {
        (m, "available")
        for m, kind in list(hidden)
        if kind == "occupied" and (m, "available") in cells
    }
    capacities = [
        ModalityCapacity(
            modality=modality,
            installed=installed.get(modality),
            occupied=None if (modality, "occupied") in hidden else occupied.get(modality, 0),
            available=None if (modality, "available") in hidden else available[modality],
        )
        for modality in offered
    ]
    suppressed = sorted(f"{modality.value}.{kind}" for modality, kind in hidden)
    return capacities, suppressed


def ror_establishment(session: Session, establishment: Establishment) -> RorEstablishment:
    return RorEstablishment(
        establishment.finess,
        establishment.name,
        establishment.region_code,
        commune_code=establishment.commune_code,
        created=establishment.created_at,
        ror_ids=RorRepository(session).ror_ids(establishment.id),
        age_range=(
            (establishment.ror_age_min, establishment.ror_age_max)
            if establishment.ror_age_min is not None and establishment.ror_age_max is not None
            else None
        ),
        sensitive_unit=establishment.ror_sensitive_unit,
    )


def known_resources(finess: str) -> list[str]:
    """Our resources the ROR may know under its own ids."""
    resources = [f"Organization/{finess}"]
    for modality in MODALITIES:
        local_id = resource_id(finess, modality)
        resources += [f"HealthcareService/{local_id}", f"Location/{local_id}"]
    return resources


def set_ror_id(
    session: Session, establishment: Establishment, resource: str, ror_id: str
) -> RorResourceId:
    """Record the ROR's id of one of our resources (``Location/690000017-accueil-nuit``)."""
    known = known_resources(establishment.finess)
    if resource not in known:
        kind = resource.partition("/")[0] or "resource"
        message = (
            f"no {kind} '{resource}' in the ROR bundle of {establishment.finess}; "
            f"expected one of {', '.join(known)}"
        )
        raise InvalidRequest(
            f"resource: {message}", errors=[{"location": "resource", "message": message}]
        )
    ror_id = ror_id.strip()
    if not _FHIR_ID.match(ror_id):
        message = f"'{ror_id}' is not a FHIR id (1 to 64 of A-Z a-z 0-9 - .)"
        raise InvalidRequest(
            f"ror_id: {message}", errors=[{"location": "ror_id", "message": message}]
        )
    return RorRepository(session).set_ror_id(establishment.id, resource, ror_id)


def remove_ror_id(session: Session, establishment: Establishment, resource: str) -> None:
    if not RorRepository(session).delete_ror_id(establishment.id, resource):
        raise NotFound(f"no ROR id recorded for {resource}")


def ror_ids(session: Session, establishment: Establishment) -> dict[str, str]:
    return RorRepository(session).ror_ids(establishment.id)


def ror_export(
    session: Session,
    establishment: Establishment,
    week: ReportingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
) -> RorExport:
    """The week's ROR bundle; the secrecy threshold is the counting profile's unless given."""
    now = now or utc_now()
    if threshold is None:
        threshold = active_profile(session).suppression_threshold
    loaded = EstablishmentRepository(session).get_by_finess(
        establishment.finess, with_capacities=True
    )
    if loaded is None:  # pragma: no cover - the caller just read it
        raise NotFound(f"no establishment with FINESS {establishment.finess}")
    installed = {capacity.modality: capacity.places for capacity in loaded.capacities}
    occupied = weekly_occupation(session, loaded, week)
    capacities, suppressed = protected_capacities(installed, occupied, threshold)
    target = ror_establishment(session, loaded)
    bundle = ror_bundle(target, week.code, capacities, now.replace(microsecond=0))
    local_ids = [resource_id(loaded.finess, c.modality) for c in capacities]
    location_ids = {target.id_of("Location", local_id): local_id for local_id in local_ids}
    mapped = frozenset(
        local_id for local_id in local_ids if f"Location/{local_id}" in target.ror_ids
    )
    pending = RorRepository(session).pending_attachments(loaded.id)
    return RorExport(
        loaded.finess,
        week,
        bundle,
        capacities,
        suppressed,
        location_ids,
        mapped,
        frozenset(local_id for local_id in mapped if f"Location/{local_id}" in pending),
    )


def push_results(session: Session, establishment: Establishment) -> Sequence[RorPushResult]:
    return RorRepository(session).push_results(establishment.id)


def request_method(url: str) -> str:
    """The method of a push's request to ``url``, known from its form: ``GET
    Location?identifier=…`` searches our Location, ``POST Location`` creates it, ``PUT
    Location/{id}`` updates it (the URL kept in ``ror_push_result`` is the last request's)."""
    path, _, query = url.partition("?")
    if not path.rstrip("/").endswith("/Location"):
        return "PUT"
    return "GET" if query else "POST"


def push_accepted(url: str, status_code: int | None) -> bool:
    """Whether the ROR stored the Location: a 2xx to its POST or PUT (a push that stopped
    at the search, e.g. several Locations carrying our identifier, sent nothing)."""
    return status_code is not None and 200 <= status_code < 300 and request_method(url) != "GET"
