"""Feed routes: push a feed to a source, read an import's record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from agenda_ingest.feeds.repository import ImportRepository
from agenda_ingest.feeds.schemas import FeedErrorOut, ImportRecord, ImportResult
from agenda_ingest.feeds.service import FHIR_MEDIA_TYPES, ICAL_MEDIA_TYPES, ingest_payload
from agenda_ingest.sources.service import get_writable_source
from ditep_core.nomenclatures import FeedFormat
from ditep_core.protection import DataProtection
from ditep_core.web.dependencies import DbSession, FeedsWriter, get_settings
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import IdPath
from ditep_core.web.problems import (
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    problem_response,
)

router = APIRouter(prefix="/v1", tags=["feeds"], responses=API_PROBLEMS)

_MEDIA_TYPES = {FeedFormat.ICAL: ICAL_MEDIA_TYPES, FeedFormat.FHIR: FHIR_MEDIA_TYPES}


async def read_feed_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the configured limit."""
    limit = get_settings(request).max_feed_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


FeedBody = Annotated[bytes, Depends(read_feed_body)]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post(
    "/sources/{source_id}/feed",
    status_code=201,
    response_model=ImportResult,
    summary="Push a feed (a snapshot of the source's agenda)",
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
    responses=problem_responses(
        404,
        413,
        described={
            415: "Content-Type does not match the source's format",
            422: "The feed cannot be read at all (errors say where: line or path)",
        },
    ),
)
def push_feed(
    request: Request,
    response: Response,
    session: DbSession,
    principal: FeedsWriter,
    body: FeedBody,
    source_id: IdPath,
) -> ImportResult | JSONResponse:
    source = get_writable_source(session, principal, source_id)
    media_type = _media_type(request)
    accepted = _MEDIA_TYPES.get(source.format, frozenset())
    if media_type not in accepted:
        raise UnsupportedMediaType(
            f"source {source_id} takes {source.format.label} feeds "
            f"({', '.join(sorted(accepted)) or 'not yet supported'}), not '{media_type or 'none'}'"
        )
    protection: DataProtection = request.app.state.protection
    outcome = ingest_payload(
        session, source=source, payload=body, content_type=media_type, protection=protection
    )
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
    response.headers["Location"] = f"/v1/imports/{outcome.import_id}"
    return ImportResult.model_validate(outcome, from_attributes=True)


@router.get(
    "/imports/{import_id}",
    response_model=ImportRecord,
    summary="An import's record",
    responses=problem_responses(404),
)
def get_import(session: DbSession, principal: FeedsWriter, import_id: IdPath) -> ImportRecord:
    feed_import = ImportRepository(session).get(import_id)
    if feed_import is None:
        raise NotFound(f"no import {import_id}")
    get_writable_source(session, principal, feed_import.source_id)
    return ImportRecord(
        import_id=feed_import.id,
        source_id=feed_import.source_id,
        status=feed_import.status,
        received=feed_import.received_count,
        created=feed_import.created_count,
        updated=feed_import.updated_count,
        deleted=feed_import.deleted_count,
        rejected=feed_import.rejected_count,
        unchanged=feed_import.unchanged_count,
        errors=[FeedErrorOut.model_validate(error) for error in feed_import.errors],
        received_at=feed_import.received_at,
        processed_at=feed_import.processed_at,
        content_type=feed_import.content_type,
        sha256=feed_import.sha256,
        size_bytes=feed_import.size_bytes,
    )
