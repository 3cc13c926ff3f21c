"""An area's activity: every establishment's report through ONE adapter, summed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from activity_api.activity.service import establishment_reports
from activity_api.periods import ReportingPeriod
from activity_api.regions.aggregate import EstablishmentFigures, aggregate
from activity_api.regions.repository import AreaRepository
from activity_api.regions.schemas import (
    Area,
    AreaPeriod,
    AreaReport,
    EstablishmentRow,
    FiguresRow,
    Secrecy,
)
from ditep_core.auth.access import may_read_department, may_read_region
from ditep_core.auth.principal import Principal
from ditep_core.geography import REGIONS, region_of_department
from ditep_core.models import Establishment, utc_now
from ditep_core.reports import ActivityReport
from ditep_core.web.problems import Forbidden, NotFound
from ditep_counting.rollups.service import active_profile

# Parts of the establishment body that describe it rather than count.
_IDENTITY_FIELDS = frozenset({"establishment", "period", "computed_at", "stale", "frozen"})

SECRECY_RULE = (
    "Toute valeur comptant des jeunes inférieure au seuil est masquée (null), ainsi que "
    "les valeurs nécessaires pour qu'aucune ne puisse être recalculée à partir des "
    "totaux, sous-totaux et autres lignes de la réponse (secret secondaire)."
)


def establishment_figures(
    session: Session,
    establishments: Sequence[Establishment],
    period: ReportingPeriod,
    reports: Mapping[int, ActivityReport] | None = None,
) -> tuple[dict[int, dict[str, Any]], bool]:
    """Each establishment's figures for the period (frozen ones as stored): the ONE call
    into the counting, one read of the rollups for all of them (``reports``: already read
    by the caller, e.g. for the indicators of the same download); and whether any of them
    is stale (newer data waiting for the refresh task)."""
    bodies = (
        reports if reports is not None else establishment_reports(session, establishments, period)
    )
    figures = {
        establishment_id: body.model_dump(mode="json", by_alias=True, exclude=set(_IDENTITY_FIELDS))
        for establishment_id, body in bodies.items()
    }
    return figures, any(body.stale for body in bodies.values())


def resolve_area(principal: Principal, kind: str, code: str) -> Area:
    """The area, if the key may see it: 403 outside its regions or departments, 404 for
    unknown codes (403 for a restricted key, which cannot probe codes)."""
    code = code.strip().upper()
    region = code if kind == "region" else region_of_department(code)
    if region is not None:
        allowed = (
            may_read_region(principal, region)
            if kind == "region"
            else may_read_department(principal, code, region)
        )
        if not allowed:
            raise Forbidden(f"this API key is not allowed to read {kind} {code}")
    if region is None or region not in REGIONS:
        if not principal.is_unrestricted:
            raise Forbidden(f"this API key is not allowed to read {kind} {code}")
        raise NotFound(f"no {kind} with INSEE code {code}")
    name = REGIONS[region] if kind == "region" else None
    return Area(
        kind="region" if kind == "region" else "department",
        code=code,
        name=name,
        region_code=region,
    )


def area_report(
    session: Session,
    area: Area,
    period: ReportingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
    reports: Mapping[int, ActivityReport] | None = None,
) -> AreaReport:
    now = now or utc_now()
    if threshold is None:
        threshold = active_profile(session).suppression_threshold
    repository = AreaRepository(session)
    establishments = (
        repository.establishments_in_region(area.code)
        if area.kind == "region"
        else repository.establishments_in_department(area.code)
    )
    figures, stale = establishment_figures(session, establishments, period, reports)
    rows = [
        EstablishmentFigures(
            finess=establishment.finess,
            name=establishment.name,
            department_code=establishment.department_code,
            figures=figures[establishment.id],
        )
        for establishment in establishments
    ]
    table = aggregate(rows, threshold=threshold)
    return AreaReport(
        area=area,
        period=AreaPeriod(label=period.code, start=period.start, end=period.end),
        computed_at=now,
        stale=stale,
        secrecy=Secrecy(threshold=threshold, rule=SECRECY_RULE),
        establishment_count=len(rows),
        not_aggregated=table.not_aggregated,
        totals=FiguresRow(figures=table.total.figures, suppressed=table.total.suppressed),
        establishments=[
            EstablishmentRow(
                finess=row.finess,
                name=row.name,
                department_code=row.department_code,
                figures=published.figures,
                suppressed=published.suppressed,
            )
            for row, published in table.rows
        ],
    )


def csv_rows(report: AreaReport) -> tuple[list[str], list[list[object]]]:
    """One line per establishment, then the total; suppressed cells are empty."""
    columns: list[str] = []
    flat_rows: list[tuple[list[object], dict[str, Any], list[str]]] = []
    for row in report.establishments:
        flat_rows.append(
            ([row.finess, row.name, row.department_code], row.flat_figures(), row.suppressed)
        )
    flat_rows.append(
        (
            ["TOTAL", report.area.name or report.area.code, ""],
            report.totals.flat_figures(),
            report.totals.suppressed,
        )
    )
    for _, flat, _ in flat_rows:
        for path in flat:
            if path not in columns:
                columns.append(path)
    lines: list[list[object]] = []
    for identity, flat, suppressed in flat_rows:
        values: list[object] = []
        for path in columns:
            value = flat.get(path)
            values.append(";".join(value) if isinstance(value, list) else value)
        lines.append([*identity, *values, ";".join(suppressed)])
    return ["finess", "name", "department_code", *columns, "suppressed"], lines
