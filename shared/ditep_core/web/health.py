"""Liveness, readiness and the problem-type documentation, on both services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ditep_core.migrations import current_revisions
from ditep_core.web.dependencies import get_database
from ditep_core.web.openapi import problem_responses
from ditep_core.web.problems import PROBLEM_TYPES, NotFound, problem_response

router = APIRouter(tags=["health"], responses=problem_responses(503))


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers and its schema is at head",
    response_model=None,
    responses=problem_responses(
        described={503: "The database is unreachable, or its schema is not at head"}
    ),
)
def readyz(request: Request) -> dict[str, Any] | JSONResponse:
    database = get_database(request)
    heads: frozenset[str] = request.app.state.migration_heads
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revisions(database.engine)
    except SQLAlchemyError as error:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            detail=f"database unreachable: {type(error).__name__}",
        )
    if current != heads:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            detail=(
                f"schema at {sorted(current) or 'nothing'}, expected {sorted(heads)}: "
                "run 'ditep migrate'"
            ),
        )
    return {"status": "ready", "schema": sorted(current)}


@router.get(
    "/problems/{slug}",
    summary="What a problem type means",
    tags=["meta"],
    responses=problem_responses(404),
)
def problem_type(slug: str) -> dict[str, str]:
    if slug not in PROBLEM_TYPES:
        raise NotFound(f"no problem type '{slug}'")
    title, description = PROBLEM_TYPES[slug]
    return {"type": f"/problems/{slug}", "title": title, "description": description}
