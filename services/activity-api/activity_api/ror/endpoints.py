"""``GET /v1/establishments/{finess}/ror?week=2025-W11``: the ROR bundle (FHIR R4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from activity_api.periods import parse_week
from activity_api.ror.service import ror_export
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, DbSession

router = APIRouter(prefix="/v1", tags=["ror"])

FHIR_JSON = "application/fhir+json"
SUPPRESSED_HEADER = "Ditep-Suppressed"


@router.get(
    "/establishments/{finess}/ror",
    summary="ROR offer and capacity of one establishment for an ISO week (FHIR R4 Bundle)",
    response_class=JSONResponse,
    responses={
        200: {
            "content": {FHIR_JSON: {}},
            "description": (
                "A Bundle (type collection): Organization, one HealthcareService and one "
                "Location per modality. Figures hidden for statistical secrecy are listed "
                f"in the {SUPPRESSED_HEADER} header."
            ),
        },
        403: {"description": "Key not allowed for this establishment"},
    },
)
def get_ror_bundle(
    session: DbSession,
    principal: ActivityReader,
    finess: Annotated[str, Path(pattern=r"^(?:\d{2}|2A|2B)\d{7}$", description="N° FINESS")],
    week: Annotated[str, Query(description="Semaine ISO, ex. 2025-W11")],
) -> JSONResponse:
    reference_week = parse_week(week)
    establishment = get_accessible_establishment(session, principal, finess)
    export = ror_export(session, establishment, reference_week)
    return JSONResponse(
        export.bundle,
        media_type=FHIR_JSON,
        headers={SUPPRESSED_HEADER: ",".join(export.suppressed)},
    )
