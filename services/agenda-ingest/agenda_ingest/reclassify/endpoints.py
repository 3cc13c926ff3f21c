"""Reclassification route: re-run the rules in force on an establishment's stored sessions."""

from __future__ import annotations

from fastapi import APIRouter

from agenda_ingest.reclassify.schemas import ReclassificationOut, ReclassificationRunOut
from agenda_ingest.reclassify.service import (
    ReclassificationOutcome,
    reclassification_runs,
    reclassify_establishment,
)
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, Admin, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess

router = APIRouter(
    prefix="/v1/establishments/{finess}",
    tags=["classification"],
    responses={**API_PROBLEMS, **problem_responses(404)},
)


def reclassification_out(outcome: ReclassificationOutcome) -> ReclassificationOut:
    return ReclassificationOut(
        run_id=outcome.run_id,
        rule_set_version=outcome.rule_set_version,
        sessions_examined=outcome.sessions_examined,
        sessions_changed=outcome.sessions_changed,
        before=outcome.before,
        after=outcome.after,
    )


@router.post(
    "/reclassify",
    response_model=ReclassificationOut,
    summary="Re-run the rules in force on every stored session (recorded, before/after)",
)
def post_reclassify(session: DbSession, principal: Admin, finess: Finess) -> ReclassificationOut:
    establishment = get_accessible_establishment(session, principal, finess)
    outcome = reclassify_establishment(
        session, establishment, created_by_key_id=principal.client_id
    )
    return reclassification_out(outcome)


@router.get(
    "/reclassifications",
    response_model=list[ReclassificationRunOut],
    summary="The latest reclassification runs, with sessions per activity before and after",
)
def list_reclassifications(
    session: DbSession, principal: ActivityReader, finess: Finess
) -> list[ReclassificationRunOut]:
    establishment = get_accessible_establishment(session, principal, finess)
    return [
        ReclassificationRunOut(
            run_id=run.id,
            rule_set_version=run.rule_set_version,
            sessions_examined=run.sessions_examined,
            sessions_changed=run.sessions_changed,
            before=run.before,
            after=run.after,
            created_at=run.created_at,
            created_by_key_id=run.created_by_key_id,
        )
        for run in reclassification_runs(session, establishment.id)
    ]
