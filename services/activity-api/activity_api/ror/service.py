"""The ROR export of one establishment for one ISO week, with statistical secrecy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from activity_api.periods import ReportingPeriod
from activity_api.ror.bundle import ModalityCapacity, RorEstablishment, ror_bundle
from activity_api.ror.capacity import weekly_occupation
from activity_api.secrecy.suppression import Cell, Equation, protect
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import MODALITIES, Activity
from ditep_core.web.problems import NotFound
from ditep_counting.rollups.service import active_profile


@dataclass(frozen=True, slots=True)
class RorExport:
    finess: str
    week: ReportingPeriod
    bundle: dict[str, Any]
    capacities: list[ModalityCapacity]
    # "accueil_nuit.occupied"...: figures left out for statistical secrecy.
    suppressed: list[str]


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
    bundle = ror_bundle(
        RorEstablishment(loaded.finess, loaded.name, loaded.region_code),
        week.code,
        capacities,
        now.replace(microsecond=0),
    )
    return RorExport(loaded.finess, week, bundle, capacities, suppressed)
