"""ARS routes: a region's or a department's activity, per establishment and summed; the
quarter's transmission statuses and transmitted results, per area and national."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from activity_api.downloads.examples import (
    NATIONAL_CSV_EXAMPLE,
    RESULTS_CSV_EXAMPLE,
    STATUSES_CSV_EXAMPLE,
)
from activity_api.downloads.responses import (
    area_download,
    national_results_download,
    results_download,
    statuses_download,
)
from activity_api.indicators.service import area_report_with_indicators
from activity_api.periods import (
    CalendarPeriod,
    QuarterQuery,
    ReportingPeriod,
    parse_calendar_period,
    parse_quarter,
)
from activity_api.regions.schemas import (
    Area,
    AreaReport,
    AreaResults,
    AreaTransmissions,
    NationalResults,
)
from activity_api.regions.service import (
    area_report,
    area_results,
    area_transmissions,
    may_read_national,
    national_results,
    resolve_area,
)
from ditep_core.web.dependencies import ArsReader, DbSession
from ditep_core.web.openapi import API_PROBLEMS, AREA_PROBLEMS, problem_responses
from ditep_core.web.parameters import AREA_CODES, RegionCode
from ditep_core.web.tabular import (
    DOWNLOAD_RESPONSE,
    DecimalMark,
    DecimalQuery,
    DownloadFormatName,
    DownloadFormatQuery,
    download_responses,
    wanted_format,
)

router = APIRouter(prefix="/v1", tags=["ars"], responses=API_PROBLEMS)

_DESCRIPTION = (
    "JSON; CSV for French spreadsheet software (UTF-8 with BOM, ';', `decimal=comma` on "
    "request) with `?format=csv` or `Accept: text/csv`; an XLSX workbook (every table, the "
    "steering indicators, a method sheet) with `?format=xlsx`. Calendar periods only (a "
    "month, a quarter, a calendar or school year): no day range, no ISO week, so that no "
    "two overlapping periods can be subtracted. Statistical secrecy is decided once for "
    "the period's family (a quarter and its months), the region and its departments, and "
    "the quarter's transmitted results."
)
_RESPONSES = {200: DOWNLOAD_RESPONSE, **AREA_PROBLEMS}


def _answer(
    request: Request,
    session: Session,
    area: Area,
    period: ReportingPeriod,
    output_format: DownloadFormatQuery,
    decimal: DecimalMark,
) -> AreaReport | Response:
    chosen = wanted_format(request, output_format)
    if chosen == "xlsx":
        # ARS routes take calendar periods only: the workbook always has its indicators.
        report, indicators = area_report_with_indicators(session, area, period, calendar=True)
        return area_download(report, chosen, decimal, indicators)
    report = area_report(session, area, period)
    if chosen == "json":
        return report
    return area_download(report, chosen, decimal, None)


def _add_activity_route(kind: str, segment: str, code_path: Any) -> None:
    @router.get(
        f"/{segment}/{{code}}/activity",
        name=f"get_{kind}_activity",
        response_model=AreaReport,
        response_model_exclude_unset=True,
        summary=f"Activity of a {kind}'s establishments over a period (ARS)",
        description=_DESCRIPTION,
        responses=_RESPONSES,
    )
    def get_area_activity(
        request: Request,
        session: DbSession,
        principal: ArsReader,
        *,
        code: str = code_path,
        period: CalendarPeriod,
        output_format: DownloadFormatQuery = None,
        decimal: DecimalQuery = "point",
    ) -> AreaReport | Response:
        reporting_period = parse_calendar_period(period)
        area = resolve_area(principal, kind, code)
        return _answer(request, session, area, reporting_period, output_format, decimal)


for _kind, (_segment, _code) in AREA_CODES.items():
    _add_activity_route(_kind, _segment, _code)


# --- transmitted quarters (issue 16) ---------------------------------------------------

_QUARTER_ONLY = "The period is a quarter (2025-Q1): what establishments transmit."


def _quarter_responses(
    csv_example: str, described: dict[int, str] | None = None
) -> dict[int | str, Any]:
    problems = problem_responses(described=described) if described else AREA_PROBLEMS
    return {200: download_responses(csv_example), **problems}


_DOWNLOADS = (
    "JSON; CSV for French spreadsheet software (UTF-8 with BOM, ';', `decimal=comma` on "
    "request) with `?format=csv` or `Accept: text/csv`; an XLSX workbook with "
    "`?format=xlsx`"
)


@router.get(
    "/regions/{code}/transmissions",
    response_model=AreaTransmissions,
    summary="Every establishment of a region with its quarter's status (no figure)",
    description=f"{_QUARTER_ONLY} {_DOWNLOADS} (summary, statuses, method).",
    responses=_quarter_responses(STATUSES_CSV_EXAMPLE),
)
def get_region_transmissions(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: RegionCode,
    period: QuarterQuery,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> AreaTransmissions | Response:
    quarter = parse_quarter(period)
    area = resolve_area(principal, "region", code)
    statuses = area_transmissions(session, area, quarter)
    chosen = wanted_format(request, output_format)
    if chosen == "json":
        return statuses
    return statuses_download(statuses, chosen, decimal)


def _results_answer(
    request: Request,
    results: AreaResults,
    output_format: DownloadFormatName | None,
    decimal: DecimalMark,
) -> AreaResults | Response:
    chosen = wanted_format(request, output_format)
    if chosen == "json":
        return results
    return results_download(results, chosen, decimal)


_RESULTS_WORKBOOK = (
    " (summary of the total, the statuses, one sheet per table with a row per "
    "establishment and the total, method with every suppressed cell)."
)


_RESULTS_DESCRIPTIONS = {
    "region": (
        f"{_QUARTER_ONLY} One row per establishment (its status; its latest transmitted "
        "figures, none while not transmitted), the total of those transmitted and the "
        f"share transmitted. {_DOWNLOADS}{_RESULTS_WORKBOOK}"
    ),
    "department": f"{_QUARTER_ONLY} As the region's. {_DOWNLOADS}{_RESULTS_WORKBOOK}",
}


def _add_results_route(kind: str, segment: str, code_path: Any) -> None:
    @router.get(
        f"/{segment}/{{code}}/results",
        name=f"get_{kind}_results",
        response_model=AreaResults,
        response_model_exclude_unset=True,
        summary=f"A {kind}'s results for a quarter, from transmitted quarters only (ARS)",
        description=_RESULTS_DESCRIPTIONS[kind],
        responses=_quarter_responses(RESULTS_CSV_EXAMPLE),
    )
    def get_area_results(
        request: Request,
        session: DbSession,
        principal: ArsReader,
        *,
        code: str = code_path,
        period: QuarterQuery,
        output_format: DownloadFormatQuery = None,
        decimal: DecimalQuery = "point",
    ) -> AreaResults | Response:
        quarter = parse_quarter(period)
        area = resolve_area(principal, kind, code)
        results = area_results(session, area, quarter)
        return _results_answer(request, results, output_format, decimal)


for _kind, (_segment, _code) in AREA_CODES.items():
    _add_results_route(_kind, _segment, _code)


@router.get(
    "/national/results",
    response_model=NationalResults,
    response_model_exclude_unset=True,
    summary="National results for a quarter: one row per region and the national total",
    description=(
        f"{_QUARTER_ONLY} For keys bound to no region (ARS keys reading every region) and "
        f"unbound admin keys. {_DOWNLOADS} (summary of the national total, each region's "
        "share transmitted, one sheet per table with a row per region and the total, "
        "method)."
    ),
    responses=_quarter_responses(
        NATIONAL_CSV_EXAMPLE, {403: "Key bound to a region, a department or FINESS"}
    ),
)
def get_national_results(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    period: QuarterQuery,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> NationalResults | Response:
    quarter = parse_quarter(period)
    may_read_national(principal)
    results = national_results(session, quarter)
    chosen = wanted_format(request, output_format)
    if chosen == "json":
        return results
    return national_results_download(results, chosen, decimal)
