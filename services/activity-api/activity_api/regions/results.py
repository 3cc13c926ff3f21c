"""Regional and national results of a quarter, from transmitted quarters only
(transmission.md §2): the latest version of each establishment's transmission, never a
draft. Suppression is decided once per quarter over every published level: the
establishments, their departments, their regions and the nation, in one table that the
region, department and national routes slice (and that the ARS activity routes of the
quarter and its months take as given, ``regions.service.region_activity_table``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from activity_api.regions.aggregate import (
    AreaSum,
    DecisionSource,
    LevelTable,
    SlicedFigures,
    publish_levels,
)
from activity_api.regions.repository import AreaRepository
from activity_api.secrecy.repository import StoredDecisions
from activity_api.transmissions.service import QuarterState, quarter_states
from ditep_core.models import Establishment
from ditep_counting.engine.periods import CountingPeriod

# Parts of the establishment body that describe it rather than count.
IDENTITY_FIELDS = frozenset({"establishment", "period", "computed_at", "stale", "frozen"})
NATIONAL = "national"


def results_family(quarter: str) -> str:
    """The stored decisions' name of a quarter's national results table."""
    return f"results:{quarter}"


@dataclass(frozen=True, slots=True)
class NationalResultsTable:
    period: CountingPeriod
    table: LevelTable
    establishments: Sequence[Establishment]
    states: dict[int, QuarterState]
    transmitted: frozenset[tuple[str, str]]  # (FINESS, region code)


def national_results_table(
    session: Session,
    period: CountingPeriod,
    *,
    threshold: int,
    now: dt.datetime,
    decisions: DecisionSource | None = None,
) -> NationalResultsTable:
    """The quarter's national table; its decision looked up in ``decisions`` (default:
    the stored ones) before it is decided in the process."""
    establishments = AreaRepository(session).establishments_everywhere()
    states = quarter_states(session, establishments, period, now=now)
    rows: list[SlicedFigures] = []
    transmitted: list[Establishment] = []
    for establishment in establishments:
        figures = states[establishment.id].figures
        if figures is None:
            continue
        transmitted.append(establishment)
        rows.append(
            SlicedFigures(
                establishment.finess,
                period.code,
                {k: v for k, v in figures.items() if k not in IDENTITY_FIELDS},
            )
        )
    by_region: dict[str, list[Establishment]] = {}
    for establishment in transmitted:
        by_region.setdefault(establishment.region_code, []).append(establishment)
    areas: list[AreaSum] = []
    for region_code, members in sorted(by_region.items()):
        by_department: dict[str, list[str]] = {}
        for establishment in members:
            by_department.setdefault(establishment.department_code, []).append(establishment.finess)
        departments = [
            AreaSum(f"department:{code}", tuple(finesses))
            for code, finesses in sorted(by_department.items())
        ]
        areas.append(
            AreaSum(
                f"region:{region_code}",
                tuple(e.finess for e in members),
                parts=tuple(area.area for area in departments),
            )
        )
        areas += departments
    areas.append(
        AreaSum(
            NATIONAL,
            tuple(e.finess for e in transmitted),
            parts=tuple(f"region:{code}" for code in sorted(by_region)),
        )
    )
    table = publish_levels(
        rows,
        areas,
        threshold=threshold,
        family=results_family(period.code),
        source=decisions if decisions is not None else StoredDecisions(session),
    )
    return NationalResultsTable(
        period=period,
        table=table,
        establishments=establishments,
        states=states,
        transmitted=frozenset((e.finess, e.region_code) for e in transmitted),
    )


def figures_of(table: NationalResultsTable, row_id: str) -> tuple[dict[str, Any], list[str]]:
    row = table.table.row(row_id, table.period.code)
    return row.figures, row.suppressed
