"""Liveness, readiness and the problem-type documentation, on both services."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ditep_core.migrations import current_revisions
from ditep_core.web.dependencies import get_database
from ditep_core.web.openapi import problem_responses
from ditep_core.web.problems import PROBLEM_TYPES, NotFound, problem_response

router = APIRouter(tags=["health"], responses=problem_responses(503))


class Liveness(BaseModel):
    status: str = Field(description="ok")


class Readiness(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    status: str = Field(description="ready")
    schema_revisions: list[str] = Field(
        alias="schema", description="Migrations at which the database schema is"
    )


class ProblemType(BaseModel):
    type: str = Field(description="The problem type's URI")
    title: str
    description: str


@router.get("/healthz", response_model=Liveness, summary="The process is alive")
def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and its schema is at head",
    response_model=Readiness,
    responses=problem_responses(
        described={503: "The database is unreachable, or its schema is not at head"}
    ),
)
def readyz(request: Request) -> Readiness | JSONResponse:
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
    return Readiness(status="ready", schema_revisions=sorted(current))


@router.get(
    "/problems/{slug}",
    summary="What a problem type means",
    tags=["meta"],
    response_model=ProblemType,
    responses=problem_responses(404),
)
def problem_type(slug: str) -> ProblemType:
    if slug not in PROBLEM_TYPES:
        raise NotFound(f"no problem type '{slug}'")
    title, description = PROBLEM_TYPES[slug]
    return ProblemType(type=f"/problems/{slug}", title=title, description=description)
