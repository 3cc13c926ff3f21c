"""``GET /v1/establishments/{finess}/ror?week=2025-W11``: the ROR bundle (FHIR R4); the
ROR's own ids of our resources (``/ror/ids``) and its last answers (``/ror/status``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from activity_api.periods import IsoWeek, parse_week
from activity_api.ror.schemas import (
    RorIdIn,
    RorIdOut,
    RorIdsOut,
    RorLocationStatusOut,
    RorStatusOut,
)
from activity_api.ror.service import (
    known_resources,
    push_accepted,
    push_results,
    request_method,
    ror_export,
    ror_ids,
    set_ror_id,
)
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import Establishment
from ditep_core.web.dependencies import ActivityReader, Admin, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess

router = APIRouter(prefix="/v1", tags=["ror"], responses=API_PROBLEMS)

FHIR_JSON = "application/fhir+json"
SUPPRESSED_HEADER = "Ditep-Suppressed"


class FhirJSONResponse(JSONResponse):
    media_type = FHIR_JSON


@router.get(
    "/establishments/{finess}/ror",
    summary="ROR offer and capacity of one establishment for an ISO week (FHIR R4 Bundle)",
    response_class=FhirJSONResponse,
    responses={
        200: {
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
            "description": (
                "A Bundle (type collection): Organization, one HealthcareService and one "
                "Location per modality. Figures hidden for statistical secrecy are listed "
                f"in the {SUPPRESSED_HEADER} header."
            ),
            "headers": {
                SUPPRESSED_HEADER: {
                    "description": "The hidden figures, comma-separated",
                    "schema": {"type": "string"},
                }
            },
        },
        **problem_responses(404),
    },
)
def get_ror_bundle(
    session: DbSession,
    principal: ActivityReader,
    finess: Finess,
    week: IsoWeek,
) -> FhirJSONResponse:
    reference_week = parse_week(week)
    establishment = get_accessible_establishment(session, principal, finess)
    export = ror_export(session, establishment, reference_week)
    return FhirJSONResponse(
        export.bundle,
        headers={SUPPRESSED_HEADER: ",".join(export.suppressed)},
    )


def _ids_out(session: DbSession, establishment: Establishment) -> RorIdsOut:
    recorded = ror_ids(session, establishment)
    return RorIdsOut(
        finess=establishment.finess,
        ids=[
            RorIdOut(resource=resource, ror_id=recorded.get(resource))
            for resource in known_resources(establishment.finess)
        ],
    )


@router.get(
    "/establishments/{finess}/ror/ids",
    response_model=RorIdsOut,
    summary="Our ROR resources and the ROR's own id of each, where recorded",
    responses=problem_responses(404),
)
def get_ror_ids(session: DbSession, principal: ActivityReader, finess: Finess) -> RorIdsOut:
    establishment = get_accessible_establishment(session, principal, finess)
    return _ids_out(session, establishment)


@router.put(
    "/establishments/{finess}/ror/ids",
    response_model=RorIdsOut,
    summary="Record the ROR's id of one of our resources (the push sends it under that id)",
    responses=problem_responses(
        400, 404, described={422: "'errors' name the field: an unknown resource, a bad id"}
    ),
)
def put_ror_id(session: DbSession, principal: Admin, finess: Finess, body: RorIdIn) -> RorIdsOut:
    establishment = get_accessible_establishment(session, principal, finess)
    set_ror_id(session, establishment, body.resource, body.ror_id)
    return _ids_out(session, establishment)


@router.get(
    "/establishments/{finess}/ror/status",
    response_model=RorStatusOut,
    summary="The ROR's last answer to the push of each Location (OperationOutcome kept)",
    responses=problem_responses(404),
)
def get_ror_status(session: DbSession, principal: ActivityReader, finess: Finess) -> RorStatusOut:
    establishment = get_accessible_establishment(session, principal, finess)
    return RorStatusOut(
        finess=establishment.finess,
        locations=[
            RorLocationStatusOut(
                location=row.location,
                week=row.week,
                method=request_method(row.url),
                url=row.url,
                status_code=row.status_code,
                ok=push_accepted(row.url, row.status_code),
                attempts=row.attempts,
                messages=list(row.messages),
                outcome=row.outcome,
                pushed_at=row.pushed_at,
            )
            for row in push_results(session, establishment)
        ],
    )
