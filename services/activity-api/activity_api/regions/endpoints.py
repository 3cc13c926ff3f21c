"""ARS routes: a region's or a department's activity, per establishment and summed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from activity_api.periods import PERIOD_FORMATS, parse_period
from activity_api.regions.schemas import AreaReport
from activity_api.regions.service import area_report, csv_rows, resolve_area
from ditep_core.web.dependencies import ArsReader, DbSession
from ditep_core.web.tabular import FormatQuery, OutputFormatName, csv_response, wants_csv

router = APIRouter(prefix="/v1", tags=["ars"])

PeriodQuery = Annotated[str, Query(description=f"Période : {PERIOD_FORMATS}")]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {}}},
    403: {"description": "Key without ars:read, or bound to other regions"},
    404: {"description": "Unknown INSEE code"},
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
    summary="Activity of a region's establishments over a period (ARS)",
    responses=_RESPONSES,
)
def get_region_activity(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: Annotated[str, Path(pattern=r"^\d{2}$", description="Code INSEE de la région")],
    period: PeriodQuery,
    output_format: FormatQuery = None,
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "region", code)
    report = area_report(session, area, reporting_period)
    return _answer(request, report, output_format)


@router.get(
    "/departments/{code}/activity",
    response_model=AreaReport,
    summary="Activity of a department's establishments over a period (ARS)",
    responses=_RESPONSES,
)
def get_department_activity(
    request: Request,
    session: DbSession,
    principal: ArsReader,
    code: Annotated[
        str, Path(pattern=r"^(?:\d{2}|2[AB]|97\d)$", description="Code du département")
    ],
    period: PeriodQuery,
    output_format: FormatQuery = None,
) -> AreaReport | Response:
    reporting_period = parse_period(period)
    area = resolve_area(principal, "department", code)
    report = area_report(session, area, reporting_period)
    return _answer(request, report, output_format)
