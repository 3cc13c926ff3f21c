"""ARS routes: a region's or a department's activity, per establishment and summed; the
quarter's transmission statuses and transmitted results, per area and national."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from activity_api.downloads.responses import area_download
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
    FiguresRow,
    NationalResults,
)
from activity_api.regions.service import (
    area_report,
    area_results,
    area_transmissions,
    figures_csv,
    may_read_national,
    national_results,
    resolve_area,
)
from ditep_core.web.dependencies import ArsReader, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import AREA_CODES, RegionCode
from ditep_core.web.tabular import (
    CSV_RESPONSE,
    DOWNLOAD_RESPONSE,
    DecimalMark,
    DecimalQuery,
    DownloadFormatQuery,
    FormatQuery,
    OutputFormatName,
    csv_response,
    wanted_format,
    wants_csv,
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
_RESPONSES = {
    200: DOWNLOAD_RESPONSE,
    **problem_responses(
        described={
            403: "Key without ars:read, or bound to other regions",
            404: "Unknown INSEE code",
        }
    ),
}


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


@router.get(
    "/regions/{code}/transmissions",
    response_model=AreaTransmissions,
    summary="Every establishment of a region with its quarter's status (no figure)",
    description=f"{_QUARTER_ONLY} JSON, or CSV with `?format=csv`.",
    responses=_RESPONSES,
)
def get_region_transmissions(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: RegionCode,
    period: QuarterQuery,
    output_format: FormatQuery = None,
) -> AreaTransmissions | Response:
    quarter = parse_quarter(period)
    area = resolve_area(principal, "region", code)
    statuses = area_transmissions(session, area, quarter)
    if wants_csv(request, output_format):
        columns = [
            "finess",
            "name",
            "department_code",
            "status",
            "version",
            "transmitted_at",
            "after_deadline",
        ]
        rows = [
            [
                e.finess,
                e.name,
                e.department_code,
                e.status,
                e.version,
                e.transmitted_at,
                e.after_deadline,
            ]
            for e in statuses.establishments
        ]
        return csv_response(columns, rows, filename=f"transmissions-{area.code}-{quarter.code}.csv")
    return statuses


def _results_answer(
    request: Request, results: AreaResults, output_format: OutputFormatName | None
) -> AreaResults | Response:
    if not wants_csv(request, output_format):
        return results
    rows: list[tuple[list[object], FiguresRow]] = [
        ([r.finess, r.name, r.department_code, r.status, r.version], r)
        for r in results.establishments
    ]
    rows.append((["TOTAL", results.area.name or results.area.code, "", "", None], results.totals))
    columns, lines = figures_csv(["finess", "name", "department_code", "status", "version"], rows)
    name = f"results-{results.area.kind}-{results.area.code}-{results.period.label}.csv"
    return csv_response(columns, lines, filename=name)


_RESULTS_DESCRIPTIONS = {
    "region": (
        f"{_QUARTER_ONLY} One row per establishment (its status; its latest transmitted "
        "figures, none while not transmitted), the total of those transmitted and the "
        "share transmitted. JSON, or CSV with `?format=csv`."
    ),
    "department": f"{_QUARTER_ONLY} As the region's. JSON, or CSV with `?format=csv`.",
}


def _add_results_route(kind: str, segment: str, code_path: Any) -> None:
    @router.get(
        f"/{segment}/{{code}}/results",
        name=f"get_{kind}_results",
        response_model=AreaResults,
        response_model_exclude_unset=True,
        summary=f"A {kind}'s results for a quarter, from transmitted quarters only (ARS)",
        description=_RESULTS_DESCRIPTIONS[kind],
        responses=_RESPONSES,
    )
    def get_area_results(
        request: Request,
        session: DbSession,
        principal: ArsReader,
        *,
        code: str = code_path,
        period: QuarterQuery,
        output_format: FormatQuery = None,
    ) -> AreaResults | Response:
        quarter = parse_quarter(period)
        area = resolve_area(principal, kind, code)
        return _results_answer(request, area_results(session, area, quarter), output_format)


for _kind, (_segment, _code) in AREA_CODES.items():
    _add_results_route(_kind, _segment, _code)


@router.get(
    "/national/results",
    response_model=NationalResults,
    response_model_exclude_unset=True,
    summary="National results for a quarter: one row per region and the national total",
    description=(
        f"{_QUARTER_ONLY} For keys bound to no region (ARS keys reading every region) and "
        "unbound admin keys. JSON, or CSV with `?format=csv`."
    ),
    responses={
        200: CSV_RESPONSE,
        **problem_responses(described={403: "Key bound to a region, a department or FINESS"}),
    },
)
def get_national_results(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    period: QuarterQuery,
    output_format: FormatQuery = None,
) -> NationalResults | Response:
    quarter = parse_quarter(period)
    may_read_national(principal)
    results = national_results(session, quarter)
    if not wants_csv(request, output_format):
        return results
    rows: list[tuple[list[object], FiguresRow]] = [
        ([r.region_code, r.name, r.transmissions.transmitted, r.transmissions.establishments], r)
        for r in results.regions
    ]
    rows.append(
        (
            [
                "TOTAL",
                "France",
                results.transmissions.transmitted,
                results.transmissions.establishments,
            ],
            results.totals,
        )
    )
    columns, lines = figures_csv(["region_code", "name", "transmitted", "establishments"], rows)
    return csv_response(columns, lines, filename=f"results-national-{quarter.code}.csv")
