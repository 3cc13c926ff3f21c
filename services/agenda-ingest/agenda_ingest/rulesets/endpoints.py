"""Rule-set routes: versions, the default, a dry run, and why a session is classified so."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from agenda_ingest.classification.engine import content_sha256, default_rule_set, default_rules_text
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.rulesets.dry_run import dry_run
from agenda_ingest.rulesets.explain import explain_session, readable_session_establishment
from agenda_ingest.rulesets.schemas import (
    DryRunRequest,
    DryRunResult,
    RuleSetList,
    RuleSetOut,
    RuleSetSummary,
    SessionClassificationOut,
)
from agenda_ingest.rulesets.service import (
    active_rule_set,
    add_version,
    rule_set_version,
    rule_set_versions,
)
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import ClassificationRuleSet
from ditep_core.protection import DataProtection
from ditep_core.web.dependencies import (
    ActivityReader,
    Admin,
    DbSession,
    FeedsReader,
    RequestBody,
    get_settings,
)
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess, IdPath
from ditep_core.web.problems import InvalidRequest, NotFound

router = APIRouter(prefix="/v1", tags=["classification"], responses=API_PROBLEMS)


def _summary(row: ClassificationRuleSet) -> RuleSetSummary:
    return RuleSetSummary(
        number=row.number,
        version=row.version,
        content_sha256=row.content_sha256,
        created_at=row.created_at,
        created_by_key_id=row.created_by_key_id,
        comment=row.comment,
    )


@router.get("/rulesets/default", response_model=RuleSetOut, summary="The shipped rule set")
def get_default_rule_set(principal: ActivityReader) -> RuleSetOut:
    text = default_rules_text()
    return RuleSetOut(
        number=None,
        version=default_rule_set().version,
        content_sha256=content_sha256(text),
        document=text,
    )


@router.get(
    "/establishments/{finess}/rulesets",
    response_model=RuleSetList,
    summary="An establishment's rule-set versions and the one in force",
    responses=problem_responses(404),
)
def list_rule_sets(session: DbSession, principal: ActivityReader, finess: Finess) -> RuleSetList:
    establishment = get_accessible_establishment(session, principal, finess)
    rows = rule_set_versions(session, establishment.id)
    return RuleSetList(
        active_version=active_rule_set(session, establishment.id).version,
        uses_default=not rows,
        versions=[_summary(row) for row in rows],
    )


@router.get(
    # int: "dry-run" is another route, not a version number.
    "/establishments/{finess}/rulesets/{number:int}",
    response_model=RuleSetOut,
    summary="One version of an establishment's rule set, as written",
    responses=problem_responses(404),
)
def get_rule_set(
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    number: IdPath,
) -> RuleSetOut:
    establishment = get_accessible_establishment(session, principal, finess)
    row = rule_set_version(session, establishment.id, number)
    if row is None:
        raise NotFound(f"establishment {finess} has no rule-set version {number}")
    return RuleSetOut(**_summary(row).model_dump(), document=row.document)


@router.post(
    "/establishments/{finess}/rulesets",
    response_model=RuleSetSummary,
    status_code=201,
    summary="Store a new version of the establishment's rule set (YAML or JSON body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
    responses={
        200: {"description": "Same document as the latest version: nothing created"},
        **problem_responses(
            404, 413, described={422: "Invalid rule set: 'errors' name the rule and the field"}
        ),
    },
)
def post_rule_set(
    request: Request,
    response: Response,
    session: DbSession,
    principal: Admin,
    body: RequestBody,
    finess: Finess,
) -> RuleSetSummary:
    establishment = get_accessible_establishment(session, principal, finess)
    try:
        text = body.decode()
    except UnicodeDecodeError as error:
        raise InvalidRequest("the rule set must be UTF-8 text") from error
    row, created = add_version(
        session,
        establishment,
        text,
        created_by_key_id=principal.client_id,
        comment=request.headers.get("x-comment"),
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/v1/establishments/{finess}/rulesets/{row.number}"
    return _summary(row)


@router.post(
    "/establishments/{finess}/rulesets/dry-run",
    response_model=DryRunResult,
    summary="Classify and count a feed with a rule set, storing nothing",
    responses=problem_responses(400, 404),
)
def post_dry_run(
    request: Request,
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    body: DryRunRequest,
) -> DryRunResult:
    establishment = get_accessible_establishment(session, principal, finess)
    protection: DataProtection = request.app.state.protection
    return dry_run(
        session,
        establishment,
        body,
        protection.pseudonymiser,
        limits=FeedLimits.from_settings(get_settings(request)),
    )


@router.get(
    "/sessions/{session_id}/classification",
    response_model=SessionClassificationOut,
    summary="Why a session is classified as it is, and whether and why it is counted "
    "(activity:read or feeds:write)",
    responses=problem_responses(404),
)
def get_session_classification(
    session: DbSession, principal: FeedsReader, session_id: IdPath
) -> SessionClassificationOut:
    establishment = readable_session_establishment(session, principal, session_id)
    return explain_session(session, establishment, session_id)
