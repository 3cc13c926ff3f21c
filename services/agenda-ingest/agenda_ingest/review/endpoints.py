"""Review-queue routes: unclassified groups, classify a group by hand, make it a rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from agenda_ingest.reclassify.endpoints import reclassification_out
from agenda_ingest.review.schemas import (
    ManualClassificationIn,
    ManualClassificationResult,
    ReviewQueue,
    RuleFromGroupIn,
    RuleFromGroupResult,
)
from agenda_ingest.review.service import classify_group, review_queue, rule_from_group
from ditep_core.auth.access import Level
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, Admin, DbSession, FeedsWriter
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess

router = APIRouter(
    prefix="/v1/establishments/{finess}/review",
    tags=["classification"],
    responses={**API_PROBLEMS, **problem_responses(404)},
)

Group = Annotated[
    str, Path(pattern=r"^[0-9a-f]{16}$", description="Identifiant du groupe (review queue)")
]


@router.get("", response_model=ReviewQueue, summary="Unclassified sessions, grouped by summary")
def get_review_queue(session: DbSession, principal: ActivityReader, finess: Finess) -> ReviewQueue:
    # Summaries and places as typed: the establishment's own keys only.
    establishment = get_accessible_establishment(session, principal, finess, Level.FREE_TEXT)
    return review_queue(session, establishment)


@router.post(
    "/{group}/classification",
    response_model=ManualClassificationResult,
    summary="Classify a group by hand (kept across re-imports)",
    responses=problem_responses(400),
)
def post_group_classification(
    session: DbSession,
    principal: FeedsWriter,
    finess: Finess,
    group: Group,
    body: ManualClassificationIn,
) -> ManualClassificationResult:
    establishment = get_accessible_establishment(session, principal, finess)
    count = classify_group(
        session, establishment, group, body, created_by_key_id=principal.client_id
    )
    return ManualClassificationResult(group=group, sessions_classified=count)


@router.post(
    "/{group}/rule",
    response_model=RuleFromGroupResult,
    status_code=201,
    summary="Make a group a new rule (new rule-set version, sessions reclassified)",
    responses=problem_responses(400),
)
def post_group_rule(
    session: DbSession, principal: Admin, finess: Finess, group: Group, body: RuleFromGroupIn
) -> RuleFromGroupResult:
    establishment = get_accessible_establishment(session, principal, finess)
    made = rule_from_group(
        session, establishment, group, body, created_by_key_id=principal.client_id
    )
    return RuleFromGroupResult(
        rule_id=made.rule_id,
        rule_set_version=made.rule_set.version,
        rule_set_number=made.rule_set.number,
        reclassification=reclassification_out(made.reclassification),
    )
