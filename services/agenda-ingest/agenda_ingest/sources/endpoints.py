"""Source routes: list, read and change a source's settings, find one of its sessions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from agenda_ingest.sources.schemas import SessionsFound, SourceList, SourceOut, SourceUpdate
from agenda_ingest.sources.service import (
    find_sessions,
    list_sources,
    readable_source,
    source_view,
    update_source,
)
from ditep_core.auth.access import Level
from ditep_core.models import utc_now
from ditep_core.web.dependencies import Admin, DbSession, FeedsWriter
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import DAY_SCHEMA, FINESS_PATTERN, IdPath, ReadInstant

router = APIRouter(prefix="/v1", tags=["sources"], responses=API_PROBLEMS)


@router.get(
    "/sources",
    response_model=SourceList,
    summary="The sources this key may reach (of one establishment with ?finess=)",
    responses=problem_responses(404),
)
def get_sources(
    session: DbSession,
    principal: FeedsWriter,
    finess: Annotated[
        str | None, Query(pattern=FINESS_PATTERN, description="Only this establishment's")
    ] = None,
) -> SourceList:
    today = utc_now().date()
    return SourceList(
        sources=[
            source_view(session, source, today, show_url=principal.is_admin)
            for source in list_sources(session, principal, finess)
        ]
    )


@router.get(
    "/sources/{source_id}",
    response_model=SourceOut,
    summary="A source's settings: its window, format, participant rules, state",
    responses=problem_responses(404),
)
def get_source(session: DbSession, principal: FeedsWriter, source_id: IdPath) -> SourceOut:
    source = readable_source(session, principal, source_id)
    return source_view(session, source, utc_now().date(), show_url=principal.is_admin)


@router.patch(
    "/sources/{source_id}",
    response_model=SourceOut,
    summary="Change a source's settings (admin); enabled=false disables it",
    responses=problem_responses(
        400, 404, 409, described={422: "A field is invalid, or the window would end first"}
    ),
)
def patch_source(
    session: DbSession, principal: Admin, source_id: IdPath, changes: SourceUpdate
) -> SourceOut:
    # The call is audited by the audit middleware (route, source, key, answer).
    source = readable_source(session, principal, source_id)
    now = utc_now()
    update_source(session, source, changes, now)
    return source_view(session, source, now.date(), show_url=True)


_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso(value: object) -> object:
    """An ISO 8601 day or date-time, as the schema says: not a number of seconds."""
    if isinstance(value, str) and not _ISO_INSTANT.match(value):
        raise ValueError("expected a date-time like 2025-03-01T00:00:00+01:00 (or a day)")
    return value


Instant = Annotated[
    dt.datetime | None,
    Query(
        description="An instant (ISO 8601); without an offset, read in the establishment's zone",
        json_schema_extra=DAY_SCHEMA,
    ),
    BeforeValidator(_iso),
    ReadInstant,
]


@router.get(
    "/sources/{source_id}/sessions",
    response_model=SessionsFound,
    summary="Find sessions of a source by UID and time span (as stored)",
    responses=problem_responses(404),
)
def get_source_sessions(
    session: DbSession,
    principal: FeedsWriter,
    source_id: IdPath,
    uid: Annotated[str | None, Query(max_length=1024, description="The event's UID")] = None,
    start: Instant = None,
    end: Instant = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SessionsFound:
    source = readable_source(session, principal, source_id, Level.FREE_TEXT)
    zone = ZoneInfo(source.establishment.timezone)
    return find_sessions(
        session,
        source,
        uid=uid,
        start=None if start is None else _aware(start, zone),
        end=None if end is None else _aware(end, zone),
        limit=limit,
        offset=offset,
        show_titles=True,  # Level.FREE_TEXT was checked above
    )


def _aware(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
