"""Place-registry routes: read (activity readers) and set (admin), as the rule-set routes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agenda_ingest.places.schemas import PlaceRegistryOut
from agenda_ingest.places.service import (
    delete_registry,
    parse_or_problem,
    registry_row,
    set_registry,
)
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import PlaceRegistryDocument
from ditep_core.web.dependencies import ActivityReader, Admin, DbSession, RequestBody
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import Finess
from ditep_core.web.problems import InvalidRequest, NotFound

router = APIRouter(prefix="/v1", tags=["classification"], responses=API_PROBLEMS)


def _out(finess: str, row: PlaceRegistryDocument) -> PlaceRegistryOut:
    registry = parse_or_problem(row.document)
    return PlaceRegistryOut(
        finess=finess,
        content_sha256=row.content_sha256,
        updated_at=row.updated_at,
        own_places=len(registry.own),
        partner_places=len(registry.partners),
        document=row.document,
    )


@router.get(
    "/establishments/{finess}/places",
    response_model=PlaceRegistryOut,
    summary="The establishment's place registry (own places and partners, with aliases)",
    responses=problem_responses(404),
)
def get_places(session: DbSession, principal: ActivityReader, finess: Finess) -> PlaceRegistryOut:
    establishment = get_accessible_establishment(session, principal, finess)
    row = registry_row(session, establishment.id)
    if row is None:
        raise NotFound(f"establishment {finess} has no place registry")
    return _out(finess, row)


@router.put(
    "/establishments/{finess}/places",
    response_model=PlaceRegistryOut,
    summary="Set the establishment's place registry (YAML or JSON body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
    responses=problem_responses(
        404, 413, described={422: "Invalid registry: 'errors' name the field (a duplicate alias)"}
    ),
)
def put_places(
    session: DbSession, principal: Admin, body: RequestBody, finess: Finess
) -> PlaceRegistryOut:
    establishment = get_accessible_establishment(session, principal, finess)
    try:
        text = body.decode()
    except UnicodeDecodeError as error:
        raise InvalidRequest("the place registry must be UTF-8 text") from error
    row, _changed = set_registry(
        session, establishment, text, updated_by_key_id=principal.client_id
    )
    return _out(finess, row)


@router.delete(
    "/establishments/{finess}/places",
    status_code=204,
    summary="Remove the establishment's place registry",
    responses=problem_responses(404),
)
def delete_places(session: DbSession, principal: Admin, finess: Finess) -> Response:
    establishment = get_accessible_establishment(session, principal, finess)
    if not delete_registry(session, establishment):
        raise NotFound(f"establishment {finess} has no place registry")
    return Response(status_code=204)
