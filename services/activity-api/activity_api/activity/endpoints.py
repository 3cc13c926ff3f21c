"""Activity routes: counts, weekly detail, pathways, complexity flags, freezes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from activity_api.activity.inputs import read_complexity, read_pathways
from activity_api.activity.schemas import (
    ActivityReport,
    ImportSummary,
    PeriodDiff,
    WeeklyReport,
)
from activity_api.activity.service import (
    activity_report,
    body_etag,
    flatten,
    freeze_period,
    import_complexity,
    import_pathways,
    period_diff,
    resolve_period,
    resolve_week,
    weekly_detail,
)
from activity_api.downloads.responses import activity_csv, activity_filename, activity_xlsx
from activity_api.indicators.service import establishment_indicators
from activity_api.periods import PeriodCode, PeriodPath, ReferenceWeek
from ditep_core.auth.access import Level
from ditep_core.auth.principal import Principal
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import Establishment
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.dependencies import (
    ActivityReader,
    DbSession,
    FeedsWriter,
    RequestBody,
    get_settings,
)
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import DAY_SCHEMA, Finess, ReadDay
from ditep_core.web.problems import UnsupportedMediaType
from ditep_core.web.tabular import (
    CSV_MEDIA_TYPE,
    CSV_RESPONSE,
    DOWNLOAD_RESPONSE,
    NOT_MODIFIED_RESPONSE,
    DecimalMark,
    DecimalQuery,
    DownloadFormatQuery,
    FormatQuery,
    OutputFormatName,
    attachment,
    csv_text,
    wanted_format,
    wants_csv,
)

_Row = TypeVar("_Row")

router = APIRouter(prefix="/v1", tags=["activity"], responses=API_PROBLEMS)

StartDay = Annotated[
    dt.date | None,
    Query(description="First day (YYYY-MM-DD), included", json_schema_extra=DAY_SCHEMA),
    ReadDay,
]
EndDay = Annotated[
    dt.date | None,
    Query(description="Last day (YYYY-MM-DD), excluded", json_schema_extra=DAY_SCHEMA),
    ReadDay,
]
CSV_UPLOAD = "text/csv"
_PERIOD_RULES = (
    "422 also when the period is not given exactly once ('period', or 'start' and 'end'), "
    "ends before it starts, or is over three years."
)


def _respond(
    request: Request,
    report: ActivityReport | WeeklyReport,
    output: OutputFormatName | None,
    decimal: DecimalMark = "point",
) -> Response:
    """The model's JSON (or CSV), with its ETag and 304.

    Serialised here rather than by FastAPI's response model, on purpose: the ETag is the
    hash of the very dump that is sent, and the bytes stay those of ``json.dumps`` (one
    dump of the model, validated when it was built; no second validation pass).
    """
    body = report.model_dump(mode="json", by_alias=True)
    etag = body_etag(body)
    csv_wanted = wants_csv(request, output)
    if csv_wanted:
        etag = etag[:-1] + f'-csv-{decimal}"'
    # no-store (docs/security.md): the ETag serves clients that keep their own copy and
    # send If-None-Match; no HTTP cache, not even the browser's, keeps the figures.
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "no-store"}
    if_none_match = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in if_none_match.split(",")} or if_none_match.strip() == "*":
        return Response(status_code=304, headers=headers)
    if csv_wanted and isinstance(report, ActivityReport):
        headers.update(attachment(activity_filename(report, "csv")))
        return Response(activity_csv(report, decimal), media_type=CSV_MEDIA_TYPE, headers=headers)
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        media_type="application/json",
        headers=headers,
    )


@router.get(
    "/establishments/{finess}/activity",
    response_model=ActivityReport,
    summary="Activity of one establishment over a period",
    description=(
        "Every figure of counting.md for the period. JSON by default; CSV for French "
        "spreadsheet software (figure;value, UTF-8 with BOM, `decimal=comma` on "
        "request) with `?format=csv` or `Accept: text/csv`; an XLSX workbook (every table, "
        "the steering indicators, a method sheet) with `?format=xlsx`. An ETag is sent "
        "(JSON, CSV); `If-None-Match` gives 304. "
        f"A frozen period is returned as stored. {_PERIOD_RULES}"
    ),
    responses={200: DOWNLOAD_RESPONSE, 304: NOT_MODIFIED_RESPONSE, **problem_responses(404)},
)
def get_activity(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    period: PeriodCode = None,
    start: StartDay = None,
    end: EndDay = None,
    week: ReferenceWeek = None,
    output: DownloadFormatQuery = None,
    decimal: DecimalQuery = "point",
) -> Response:
    establishment = get_accessible_establishment(session, principal, finess)
    resolved = resolve_period(period, start, end)
    reference = resolve_week(week, resolved) if week is not None else None
    report = activity_report(session, establishment, resolved, week=reference)
    chosen = wanted_format(request, output)
    if chosen == "xlsx":
        # The indicators sheet: for calendar periods (a day range has no "year before").
        indicators = (
            establishment_indicators(session, establishment, resolved, report=report)
            if period is not None and "W" not in period
            else None
        )
        return activity_xlsx(report, indicators)
    return _respond(request, report, chosen, decimal)


@router.get(
    "/establishments/{finess}/activity/weekly",
    response_model=WeeklyReport,
    summary="Weekly units per young person (pseudonymous), for the establishment's own keys",
    description=f"JSON, or CSV with `?format=csv` or `Accept: text/csv`. {_PERIOD_RULES}",
    responses={
        200: CSV_RESPONSE,
        304: NOT_MODIFIED_RESPONSE,
        **problem_responses(404, described={403: "Only keys bound to this FINESS"}),
    },
)
def get_weekly(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    period: PeriodCode = None,
    start: StartDay = None,
    end: EndDay = None,
    output: FormatQuery = None,
) -> Response:
    establishment = get_accessible_establishment(session, principal, finess, Level.OWN_DETAIL)
    report = weekly_detail(session, establishment, resolve_period(period, start, end))
    if wants_csv(request, output):
        rows = [
            dict(flatten(entry.model_dump(mode="json", by_alias=True))) for entry in report.weeks
        ]
        header = list(rows[0]) if rows else ["youth", "week"]
        table = csv_text(header, ([row[name] for name in header] for row in rows))
        return Response(table, media_type=CSV_MEDIA_TYPE)
    return _respond(request, report, "json")


UploadBody = RequestBody
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            CSV_UPLOAD: {"schema": {"type": "string"}},
        },
    }
}


def _upload_media_type(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in {"application/json", CSV_UPLOAD}:
        raise UnsupportedMediaType("send application/json or text/csv")
    return media_type


def _replace(
    request: Request,
    session: Session,
    principal: Principal,
    finess: str,
    body: bytes,
    read: Callable[[bytes, str], list[_Row]],
    replace: Callable[[Session, Establishment, list[_Row], Pseudonymiser], ImportSummary],
) -> ImportSummary:
    """An upload that replaces what the API set before: the rows read from the body (JSON
    or CSV), their young people pseudonymised on arrival."""
    establishment = get_accessible_establishment(session, principal, finess)
    rows = read(body, _upload_media_type(request))
    protection = DataProtection.from_settings(get_settings(request))
    return replace(session, establishment, rows, protection.pseudonymiser)


@router.put(
    "/establishments/{finess}/pathways",
    response_model=ImportSummary,
    summary="Replace the pathway periods sent through the API (admissions, exits...)",
    description=(
        'JSON array (or `{"periods": [...]}`) or CSV with columns youth_id,status,start,end. '
        "status: pre_admission, accompagnement, suivi_post_sortie, ponctuel, admission, exit. "
        "Young people's identifiers are pseudonymised on arrival, like the feeds'. "
        "Periods from feeds (TDDUI stays) are kept."
    ),
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(404, 413, 415),
)
def put_pathways(
    request: Request,
    session: DbSession,
    principal: FeedsWriter,
    finess: Finess,
    body: UploadBody,
) -> ImportSummary:
    return _replace(request, session, principal, finess, body, read_pathways, import_pathways)


@router.put(
    "/establishments/{finess}/complexity-flags",
    response_model=ImportSummary,
    summary="Replace the complex-situation flags (with their criteria)",
    description='JSON array (or `{"flags": [...]}`) or CSV youth_id,start,end,criteria '
    "(criteria separated by |).",
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(404, 413, 415),
)
def put_complexity(
    request: Request,
    session: DbSession,
    principal: FeedsWriter,
    finess: Finess,
    body: UploadBody,
) -> ImportSummary:
    return _replace(request, session, principal, finess, body, read_complexity, import_complexity)


@router.post(
    "/establishments/{finess}/periods/{period}/freeze",
    status_code=201,
    response_model=ActivityReport,
    summary="Freeze a period: its figures are stored and served as stored from then on",
    responses=problem_responses(404, described={409: "Already frozen"}),
)
def post_freeze(
    session: DbSession,
    principal: FeedsWriter,
    finess: Finess,
    period: PeriodPath,
) -> Response:
    establishment = get_accessible_establishment(session, principal, finess)
    report = freeze_period(session, establishment, resolve_period(period), frozen_by=principal.name)
    body = report.json_body()
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status_code=201,
        media_type="application/json",
        headers={"ETag": body_etag(body)},
    )


@router.get(
    "/establishments/{finess}/periods/{period}/diff",
    response_model=PeriodDiff,
    summary="What recomputing a frozen period would change",
    responses=problem_responses(described={404: "No such establishment, or period not frozen"}),
)
def get_diff(
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    period: PeriodPath,
) -> PeriodDiff:
    establishment = get_accessible_establishment(session, principal, finess)
    return period_diff(session, establishment, resolve_period(period))
