"""Indicator routes: an establishment's, a department's, a region's, the nation's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from activity_api.activity.service import resolve_period
from activity_api.downloads.examples import INDICATORS_CSV_EXAMPLE
from activity_api.downloads.responses import indicators_download
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.indicators.service import (
    area_indicators,
    establishment_indicators,
    may_read_national,
)
from activity_api.regions.service import resolve_area
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, ArsReader, DbSession
from ditep_core.web.openapi import API_PROBLEMS, AREA_PROBLEMS, problem_responses
from ditep_core.web.parameters import AREA_CODES, Finess
from ditep_core.web.tabular import (
    DecimalMark,
    DecimalQuery,
    DownloadFormatQuery,
    download_responses,
    wanted_format,
)

router = APIRouter(prefix="/v1", tags=["indicators"], responses=API_PROBLEMS)

# Calendar periods only: months, quarters, calendar and school years (2000-2099 exactly,
# as the other period patterns); one year earlier is the same code a year before.
_SCHOOL_YEARS = "|".join(f"{year}-{year + 1}" for year in range(2000, 2099))
CALENDAR_PERIOD_PATTERN = rf"^(?:20[0-9]{{2}}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?|{_SCHOOL_YEARS})$"
CalendarPeriod = Annotated[
    str,
    Query(
        pattern=CALENDAR_PERIOD_PATTERN,
        description="Période : 2025-03 (mois), 2025-Q1 (trimestre), 2025 (année civile), "
        "2024-2025 (année scolaire, 1er sept.–31 août)",
    ),
]
_DESCRIPTION = (
    "Every steering indicator of transmission.md §4 for the period and the same period one "
    "year earlier, each with its French label and definition; a ratio whose denominator is "
    "0 is null with reason 'undefined'. JSON, CSV (`?format=csv`: UTF-8 with BOM, ';', "
    "`decimal=comma` on request) or an XLSX workbook (`?format=xlsx`)."
)
_ARS = (
    " Aggregates only, under the statistical secrecy of the area activity routes: a "
    "suppressed count is null with reason 'suppressed', and so is every ratio built on it."
)


def _answer(
    request: Request,
    report: IndicatorsReport,
    output: DownloadFormatQuery,
    decimal: DecimalMark,
) -> IndicatorsReport | Response:
    chosen = wanted_format(request, output)
    if chosen == "json":
        return report
    return indicators_download(report, chosen, decimal)


@router.get(
    "/establishments/{finess}/indicators",
    response_model=IndicatorsReport,
    summary="Steering indicators of one establishment",
    description=_DESCRIPTION,
    responses={200: download_responses(INDICATORS_CSV_EXAMPLE), **problem_responses(404)},
)
def get_establishment_indicators(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    period: CalendarPeriod,
    output: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> IndicatorsReport | Response:
    establishment = get_accessible_establishment(session, principal, finess)
    report = establishment_indicators(session, establishment, resolve_period(period))
    return _answer(request, report, output, decimal)


_AREA_RESPONSES = {200: download_responses(INDICATORS_CSV_EXAMPLE), **AREA_PROBLEMS}


def _add_area_route(kind: str, segment: str, code_path: Any) -> None:
    @router.get(
        f"/{segment}/{{code}}/indicators",
        name=f"get_{kind}_indicators",
        response_model=IndicatorsReport,
        summary=f"Steering indicators of a {kind} (ARS)",
        description=_DESCRIPTION + _ARS,
        responses=_AREA_RESPONSES,
    )
    def get_area_indicators(
        request: Request,
        session: DbSession,
        principal: ArsReader,
        *,
        code: str = code_path,
        period: CalendarPeriod,
        output: DownloadFormatQuery = None,
        decimal: DecimalQuery = "point",
    ) -> IndicatorsReport | Response:
        resolved = resolve_period(period)
        area = resolve_area(principal, kind, code)
        return _answer(request, area_indicators(session, area, resolved), output, decimal)


for _kind, (_segment, _code) in AREA_CODES.items():
    _add_area_route(_kind, _segment, _code)


@router.get(
    "/national/indicators",
    response_model=IndicatorsReport,
    summary="Steering indicators of every establishment (national)",
    description=_DESCRIPTION
    + _ARS
    + " For keys bound to no region, department or establishment, and admin keys.",
    responses={
        200: download_responses(INDICATORS_CSV_EXAMPLE),
        **problem_responses(described={403: "Key bound to regions, departments or FINESS"}),
    },
)
def get_national_indicators(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    period: CalendarPeriod,
    output: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> IndicatorsReport | Response:
    resolved = resolve_period(period)
    may_read_national(principal)
    return _answer(request, area_indicators(session, None, resolved), output, decimal)
