"""Pull route: fetch a source's URL now, as the pull loop would."""

from __future__ import annotations

from fastapi import APIRouter, Request

from agenda_ingest.pull.schemas import PullResult
from agenda_ingest.pull.service import default_owner, pull_source
from agenda_ingest.sources.service import get_writable_source
from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.web.dependencies import AppSettings, FeedsWriter
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import IdPath

router = APIRouter(prefix="/v1", tags=["pull"], responses=API_PROBLEMS)


@router.post(
    "/sources/{source_id}/pull",
    response_model=PullResult,
    summary="Pull a source's URL now",
    description=(
        "Fetches the source's URL (conditional GET: a 304 changes nothing) and ingests it. "
        "The result says fetched, not_modified or failed; a failed fetch is still a 200 "
        "whose 'error' says why, and is recorded on the source."
    ),
    responses=problem_responses(
        404,
        described={
            409: "The source is being pulled right now (its lease is held)",
            422: "Invalid source id, or the source has no URL (it is pushed to us)",
        },
    ),
)
def pull_now(
    request: Request,
    settings: AppSettings,
    principal: FeedsWriter,
    source_id: IdPath,
) -> PullResult:
    # No request-wide unit of work here: the fetch must run with no transaction
    # open, so tenancy is checked in a short one and the service opens its own.
    database: Database = request.app.state.database
    with database.unit_of_work() as session:
        get_writable_source(session, principal, source_id)
    protection: DataProtection = request.app.state.protection
    outcome = pull_source(
        database,
        source_id,
        settings=settings,
        protection=protection,
        owner=default_owner(),
    )
    return PullResult.from_outcome(outcome)
