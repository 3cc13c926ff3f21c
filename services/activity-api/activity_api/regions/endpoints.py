"""ARS routes: a region's or a department's activity, per establishment and summed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from activity_api.downloads.responses import area_download
from activity_api.indicators.service import area_report_with_indicators
from activity_api.periods import PeriodOrRange, ReportingPeriod, parse_period
from activity_api.regions.schemas import Area, AreaReport
from activity_api.regions.service import area_report, resolve_area
from ditep_core.web.dependencies import ArsReader, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import DepartmentCode, RegionCode
from ditep_core.web.tabular import (
    DOWNLOAD_RESPONSE,
    DecimalMark,
    DecimalQuery,
    DownloadFormatQuery,
    wanted_format,
)

router = APIRouter(prefix="/v1", tags=["ars"], responses=API_PROBLEMS)

_DESCRIPTION = (
    "JSON; CSV for French spreadsheet software (UTF-8 with BOM, ';', `decimal=comma` on "
    "request) with `?format=csv` or `Accept: text/csv`; an XLSX workbook (every table, the "
    "steering indicators for a calendar period, a method sheet) with `?format=xlsx`. 422 "
    "also for a day range that ends before it starts or is over three years."
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
        # The workbook's indicators sheet: calendar periods only (no week, no day range).
        calendar = "/" not in period.code and "W" not in period.code
        report, indicators = area_report_with_indicators(session, area, period, calendar=calendar)
        return area_download(report, chosen, decimal, indicators)
    report = area_report(session, area, period)
    if chosen == "json":
        return report
    return area_download(report, chosen, decimal, None)


@router.get(
    "/regions/{code}/activity",
    response_model=AreaReport,
    response_model_exclude_unset=True,
    summary="Activity of a region's establishments over a period (ARS)",
    description=_DESCRIPTION,
    responses=_RESPONSES,
)
def get_region_activity(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: RegionCode,
    period: PeriodOrRange,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "region", code)
    return _answer(request, session, area, reporting_period, output_format, decimal)


@router.get(
    "/departments/{code}/activity",
    response_model=AreaReport,
    response_model_exclude_unset=True,
    summary="Activity of a department's establishments over a period (ARS)",
    description=_DESCRIPTION,
    responses=_RESPONSES,
)
def get_department_activity(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: DepartmentCode,
    period: PeriodOrRange,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "department", code)
    return _answer(request, session, area, reporting_period, output_format, decimal)
