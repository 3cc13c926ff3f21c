"""``GET /v1/establishments/{finess}/ror?week=2025-W11``: the ROR bundle (FHIR R4)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from activity_api.periods import IsoWeek, parse_week
from activity_api.ror.service import ror_export
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, DbSession
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
