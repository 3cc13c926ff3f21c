"""``GET /v1/audit``: the audit log, for admins, as JSON or CSV."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator

from activity_api.audit.schemas import AUDIT_COLUMNS, AuditEventOut
from ditep_core.audit.service import search_events
from ditep_core.web.dependencies import Admin, DbSession
from ditep_core.web.openapi import API_PROBLEMS
from ditep_core.web.parameters import DAY_SCHEMA, IdQuery, ReadInstant
from ditep_core.web.problems import InvalidRequest
from ditep_core.web.tabular import CSV_RESPONSE, FormatQuery, csv_response, wants_csv

router = APIRouter(prefix="/v1", tags=["admin"], responses=API_PROBLEMS)

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")


def _iso_instant(value: object) -> object:
    """An ISO 8601 date-time, as the schema says: not a number of seconds."""
    if isinstance(value, str) and not _ISO_INSTANT.match(value):
        raise ValueError("expected a date-time like 2025-03-01T00:00:00Z")
    return value


Instant = BeforeValidator(_iso_instant)


@router.get(
    "/audit",
    response_model=list[AuditEventOut],
    summary="Audit log: reads of activity, ARS and ROR data, and admin actions",
    description="JSON, or CSV with `?format=csv` or `Accept: text/csv`.",
    responses={200: CSV_RESPONSE},
)
def get_audit(
    request: Request,
    session: DbSession,
    _admin: Admin,
    start: Annotated[
        dt.datetime | None,
        Query(
            alias="from", description="From this instant (included)", json_schema_extra=DAY_SCHEMA
        ),
        Instant,
        ReadInstant,
    ] = None,
    end: Annotated[
        dt.datetime | None,
        Query(
            alias="to", description="Until this instant (excluded)", json_schema_extra=DAY_SCHEMA
        ),
        Instant,
        ReadInstant,
    ] = None,
    key: IdQuery = None,
    route: Annotated[str | None, Query(description="Only this route template")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    output_format: FormatQuery = None,
) -> list[AuditEventOut] | Response:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidRequest(
                f"'{name}' needs a time zone (e.g. 2025-03-01T00:00:00Z)",
                errors=[{"location": f"query.{name}", "message": "naive datetime"}],
            )
    events = [
        AuditEventOut.model_validate(event)
        for event in search_events(
            session, start=start, end=end, client_id=key, route=route, limit=limit
        )
    ]
    if wants_csv(request, output_format):
        rows = [[getattr(event, column) for column in AUDIT_COLUMNS] for event in events]
        for row in rows:
            row[:] = [
                value.isoformat() if isinstance(value, dt.datetime) else value for value in row
            ]
        return csv_response(AUDIT_COLUMNS, rows, filename="audit.csv")
    return events
