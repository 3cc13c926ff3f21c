"""Transmission routes: transmit a quarter, list the quarters, read a version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from activity_api.activity.service import resolve_period
from activity_api.downloads.examples import FIGURES_CSV_EXAMPLE, QUARTERS_CSV_EXAMPLE
from activity_api.downloads.responses import activity_csv, transmissions_download
from activity_api.downloads.workbook import TransmissionMeta, establishment_workbook
from activity_api.indicators.service import establishment_indicators
from activity_api.periods import QuarterPath
from activity_api.transmissions.schemas import (
    TransmissionList,
    TransmissionRequest,
    TransmittedReport,
)
from activity_api.transmissions.service import transmission_list, transmit, transmitted_version
from ditep_core.audit.service import AuditRecord, AuditScope, record
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import utc_now
from ditep_core.web.correlation import current_request_ids
from ditep_core.web.dependencies import ActivityReader, DbSession, Transmitter
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess
from ditep_core.web.tabular import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    DecimalQuery,
    DownloadFormatQuery,
    download_response,
    download_responses,
    wanted_format,
)

router = APIRouter(prefix="/v1", tags=["transmissions"], responses=API_PROBLEMS)

_ROUTE = "/v1/establishments/{finess}/transmissions"


@router.post(
    _ROUTE.removeprefix("/v1"),
    status_code=201,
    response_model=TransmittedReport,
    summary="Transmit a quarter to the ARS (version 1, or a correction with its reason)",
    description=(
        "Freezes the quarter's figures and records who transmitted them, when, the "
        "profile and rule-set versions and the import ids. A later version is a "
        "correction: `reason` is required and the body has `diff`, the figures that "
        "changed. 409 when nothing changed since the latest version. 422 for a period "
        "that is not a quarter or a quarter that is not over."
    ),
    responses=problem_responses(
        404,
        described={409: "Unchanged since the latest version, or transmitted meanwhile"},
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "first": {"summary": "Version 1", "value": {"period": "2025-Q1"}},
                        "correction": {
                            "summary": "A correction",
                            "value": {
                                "period": "2025-Q1",
                                "reason": "Séances de mars saisies après la transmission",
                            },
                        },
                    }
                }
            }
        }
    },
)
def post_transmission(
    session: DbSession,
    principal: Transmitter,
    finess: Finess,
    body: TransmissionRequest,
) -> TransmittedReport:
    establishment = get_accessible_establishment(session, principal, finess)
    report = transmit(
        session, establishment, body.period, reason=body.reason, transmitted_by=principal.name
    )
    # The transmission's own audit event, in its unit of work: no transmission is stored
    # without it (the call's event follows, written by the audit middleware as for any call).
    ids = current_request_ids()
    record(
        session,
        AuditRecord(
            service="activity-api",
            client_id=principal.client_id,
            method="TRANSMIT",
            route=f"transmission {report.period.code} version {report.transmission.version}",
            path=_ROUTE.replace("{finess}", establishment.finess),
            scope=AuditScope("establishment", establishment.finess),
            status=201,
            correlation_id=ids.caller_correlation_id if ids else None,
            occurred_at=utc_now(),
            request_id=ids.request_id if ids else None,
        ),
    )
    return report


@router.get(
    _ROUTE.removeprefix("/v1"),
    response_model=TransmissionList,
    summary="Every quarter with its status (draft, transmitted, corrected, late) and versions",
    description=(
        "JSON; CSV for French spreadsheet software (one line per transmitted version, one "
        "per quarter never transmitted; UTF-8 with BOM, ';', `decimal=comma` on request) "
        "with `?format=csv` or `Accept: text/csv`; an XLSX workbook (summary, quarters, "
        "method) with `?format=xlsx`."
    ),
    responses={200: download_responses(QUARTERS_CSV_EXAMPLE), **problem_responses(404)},
)
def get_transmissions(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> TransmissionList | Response:
    establishment = get_accessible_establishment(session, principal, finess)
    listing = transmission_list(session, establishment)
    chosen = wanted_format(request, output_format)
    if chosen == "json":
        return listing
    return transmissions_download(listing, chosen, decimal)


VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=2_147_483_647, description="Version (défaut : la dernière)"),
]


@router.get(
    f"{_ROUTE.removeprefix('/v1')}/{{period}}",
    response_model=TransmittedReport,
    summary="A quarter as transmitted: the latest version, or ?version=N",
    description=(
        "JSON; CSV for French spreadsheet software (figure;value, UTF-8 with BOM, "
        "`decimal=comma` on request) with `?format=csv` or `Accept: text/csv`; an XLSX "
        "workbook (every table, the steering indicators, a method sheet with the version, "
        "who transmitted it and when, its reason) with `?format=xlsx`."
    ),
    responses={
        200: download_responses(FIGURES_CSV_EXAMPLE),
        **problem_responses(
            described={404: "No such establishment, quarter not transmitted, or no such version"}
        ),
    },
)
def get_transmission(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    period: QuarterPath,
    version: VersionQuery = None,
    output_format: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> TransmittedReport | Response:
    establishment = get_accessible_establishment(session, principal, finess)
    report = transmitted_version(session, establishment, period, version)
    chosen = wanted_format(request, output_format)
    if chosen == "json":
        return report
    name = f"transmission-{establishment.finess}-{period}-v{report.transmission.version}"
    if chosen == "csv":
        return download_response(
            activity_csv(report, decimal), media_type=CSV_MEDIA_TYPE, filename=f"{name}.csv"
        )
    # The method sheet's part of the transmission (the same field names).
    meta = TransmissionMeta.model_validate(report.transmission, from_attributes=True)
    indicators = establishment_indicators(
        session, establishment, resolve_period(period, None, None), report=report
    )
    return download_response(
        establishment_workbook(report, indicators, meta),
        media_type=XLSX_MEDIA_TYPE,
        filename=f"{name}.xlsx",
    )
