"""ARS routes: a region's or a department's activity, per establishment and summed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from activity_api.periods import PeriodOrRange, parse_period
from activity_api.regions.schemas import AreaReport
from activity_api.regions.service import area_report, csv_rows, resolve_area
from ditep_core.web.dependencies import ArsReader, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import DepartmentCode, RegionCode
from ditep_core.web.tabular import (
    CSV_RESPONSE,
    FormatQuery,
    OutputFormatName,
    csv_response,
    wants_csv,
)

router = APIRouter(prefix="/v1", tags=["ars"], responses=API_PROBLEMS)

_DESCRIPTION = (
    "JSON, or CSV with `?format=csv` or `Accept: text/csv`. 422 also for a day range "
    "that ends before it starts or is over three years."
)
_RESPONSES = {
    200: CSV_RESPONSE,
    **problem_responses(
        described={
            403: "Key without ars:read, or bound to other regions",
            404: "Unknown INSEE code",
        }
    ),
}


def _answer(
    request: Request, report: AreaReport, output_format: OutputFormatName | None
) -> AreaReport | Response:
    if wants_csv(request, output_format):
        columns, rows = csv_rows(report)
        name = f"{report.area.kind}-{report.area.code}-{report.period.label}.csv"
        return csv_response(columns, rows, filename=name.replace("/", "_"))
    return report


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
    output_format: FormatQuery = None,
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "region", code)
    report = area_report(session, area, reporting_period)
    return _answer(request, report, output_format)


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
    output_format: FormatQuery = None,
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "department", code)
    report = area_report(session, area, reporting_period)
    return _answer(request, report, output_format)
