"""Feed routes: push a feed to a source, read an import's record, confirm a held import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from agenda_ingest.feeds.dry_run import dry_run_push
from agenda_ingest.feeds.schemas import (
    ImportPage,
    ImportRecord,
    ImportResult,
    ImportSummary,
    PushDryRun,
    result_of,
)
from agenda_ingest.feeds.service import (
    ImportOutcome,
    IngestGate,
    confirm_import,
    imports_page,
    ingest_feed,
    readable_import,
)
from agenda_ingest.parsing.limits import FeedLimits
from ditep_core.auth.principal import Principal
from ditep_core.db import Database
from ditep_core.nomenclatures import ImportStatus
from ditep_core.protection import DataProtection
from ditep_core.web.bodies import read_body_within
from ditep_core.web.dependencies import DbSession, FeedsWriter, get_database, get_settings
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import MAX_ID, IdPath
from ditep_core.web.problems import problem_response

router = APIRouter(prefix="/v1", tags=["feeds"], responses=API_PROBLEMS)


async def read_feed_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes DITEP_MAX_FEED_BYTES."""
    return await read_body_within(request, get_settings(request).max_feed_bytes)


FeedBody = Annotated[bytes, Depends(read_feed_body)]
Db = Annotated[Database, Depends(get_database)]


@dataclass(frozen=True)
class Ingesting:
    """What a route that ingests a feed works with: the turn it waits for, the payload
    protection and the feed limits."""

    gate: IngestGate
    protection: DataProtection
    limits: FeedLimits


async def ingesting(request: Request) -> Ingesting:
    """The app's ingest gate and protection, and the limits of its settings."""
    return Ingesting(
        gate=request.app.state.ingest_gate,
        protection=request.app.state.protection,
        limits=FeedLimits.from_settings(get_settings(request)),
    )


Ingest = Annotated[Ingesting, Depends(ingesting)]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _answer(
    request: Request, response: Response, outcome: ImportOutcome
) -> ImportResult | JSONResponse:
    """201 applied, 202 held for confirmation, 409 superseded, 422 unreadable."""
    if outcome.failed:
        # Returned, not raised: the import and its payload are committed for replay.
        return problem_response(
            request,
            status=422,
            slug="feed-rejected",
            detail=f"the feed could not be read; it is stored as import {outcome.import_id}",
            errors=outcome.errors,
            extensions={"import_id": outcome.import_id},
        )
    if outcome.status is ImportStatus.SUPERSEDED:
        return problem_response(
            request,
            status=409,
            slug="snapshot-superseded",
            detail=(
                f"import {outcome.superseded_by} of this source, received later or stamped "
                f"later, was applied first; this feed is stored as import "
                f"{outcome.import_id} and not applied"
            ),
            extensions={
                "import_id": outcome.import_id,
                "newer_import_id": outcome.superseded_by,
            },
        )
    response.headers["Location"] = f"/v1/imports/{outcome.import_id}"
    if outcome.status is ImportStatus.NEEDS_CONFIRMATION:
        response.status_code = 202
    return result_of(outcome)


class _Push(TypedDict):
    """What a push and its dry run are called with."""

    source_id: int
    principal: Principal
    payload: bytes
    content_type: str
    protection: DataProtection
    allow_mass_delete: bool
    limits: FeedLimits


_HELD = {
    "model": ImportResult,
    "description": "Held by the mass-deletion guard (status needs_confirmation): nothing "
    "written; confirm with POST /v1/imports/{id}/confirm or push with ?allow_mass_delete=true",
}


_DRY_RUN = {
    "model": PushDryRun,
    "description": "?dry_run=true: what the push would do (created, updated, deleted with "
    "their UIDs, each session's classification, the months' figures before and after); "
    "nothing written",
}


@router.post(
    "/sources/{source_id}/feed",
    status_code=201,
    response_model=ImportResult | PushDryRun,
    summary="Push a feed (a snapshot of the source's agenda), or rehearse it (?dry_run=true)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/calendar": {"schema": {"type": "string"}},
                "application/fhir+json": {
                    "schema": {
                        "type": "object",
                        "description": "A FHIR Bundle, an array of resources or one resource",
                    }
                },
            },
        }
    },
    responses={
        200: _DRY_RUN,
        202: _HELD,
        **problem_responses(
            404,
            413,
            described={
                409: "A newer snapshot of the source was applied first (stored, not applied), "
                "or the source is disabled (/problems/source-disabled)",
                415: "Content-Type does not match the source's format",
                422: "The feed cannot be read at all (errors say where: line or path)",
            },
        ),
    },
)
def push_feed(
    request: Request,
    response: Response,
    database: Db,
    principal: FeedsWriter,
    body: FeedBody,
    ingest: Ingest,
    source_id: IdPath,
    allow_mass_delete: Annotated[
        bool,
        Query(description="Apply a snapshot even if it deletes most of the source's sessions"),
    ] = False,
    dry_run: Annotated[
        bool,
        Query(
            description="Answer what the push would do (200), through the same checks, "
            "parser, window and rules, and write nothing"
        ),
    ] = False,
) -> ImportResult | PushDryRun | JSONResponse:
    push = _Push(
        source_id=source_id,
        principal=principal,
        payload=body,
        content_type=_media_type(request),
        protection=ingest.protection,
        allow_mass_delete=allow_mass_delete,
        limits=ingest.limits,
    )
    # A push runs two units of work inside the service (receipt, then application), none
    # held while the feed is parsed; this runs in one worker thread from start to end.
    with ingest.gate.turn():
        if dry_run:
            rehearsal = dry_run_push(database, **push)
            response.status_code = 200
            return rehearsal
        outcome = ingest_feed(database, **push)
    return _answer(request, response, outcome)


@router.post(
    "/imports/{import_id}/confirm",
    status_code=201,
    response_model=ImportResult,
    summary="Apply an import held by the mass-deletion guard, deletions included",
    responses=problem_responses(
        404,
        described={
            409: "The import is not waiting for confirmation, or a newer snapshot was "
            "applied since",
            422: "The stored feed cannot be read at all",
        },
    ),
)
def confirm_held_import(
    request: Request,
    response: Response,
    database: Db,
    principal: FeedsWriter,
    ingest: Ingest,
    import_id: IdPath,
) -> ImportResult | JSONResponse:
    with ingest.gate.turn():
        outcome = confirm_import(
            database,
            import_id=import_id,
            principal=principal,
            protection=ingest.protection,
            limits=ingest.limits,
        )
    return _answer(request, response, outcome)


@router.get(
    "/imports",
    response_model=ImportPage,
    summary="The imports of a source, newest first (paged)",
    responses=problem_responses(404),
)
def list_imports(
    session: DbSession,
    principal: FeedsWriter,
    source: Annotated[int, Query(ge=1, le=MAX_ID, description="The source's id")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ImportPage:
    total, rows = imports_page(session, principal, source, limit=limit, offset=offset)
    return ImportPage(
        source_id=source,
        total=total,
        limit=limit,
        offset=offset,
        imports=[
            ImportSummary(
                import_id=row.id,
                status=row.status,
                received_at=row.received_at,
                processed_at=row.processed_at,
                received=row.received_count,
                created=row.created_count,
                updated=row.updated_count,
                deleted=row.deleted_count,
                rejected=row.rejected_count,
                unchanged=row.unchanged_count,
                unclassified=row.unclassified_count,
                outside_window=row.outside_window_count,
                record=f"/v1/imports/{row.id}",
            )
            for row in rows
        ],
    )


@router.get(
    "/imports/{import_id}",
    response_model=ImportRecord,
    summary="An import's record",
    responses=problem_responses(404),
)
def get_import(session: DbSession, principal: FeedsWriter, import_id: IdPath) -> ImportRecord:
    feed_import = readable_import(session, principal, import_id)
    return ImportRecord(
        **result_of(ImportOutcome.of(feed_import)).model_dump(),
        received_at=feed_import.received_at,
        processed_at=feed_import.processed_at,
        content_type=feed_import.content_type,
        sha256=feed_import.sha256,
        size_bytes=feed_import.size_bytes,
    )
