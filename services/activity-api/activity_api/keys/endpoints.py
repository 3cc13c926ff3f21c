"""``/v1/keys``: list, revoke and rotate API keys (admin)."""

from __future__ import annotations

from fastapi import APIRouter

from activity_api.keys.schemas import ApiKeyOut, RotatedKey
from ditep_core.auth.service import list_api_keys, revoke_key, rotate_key
from ditep_core.web.dependencies import Admin, DbSession
from ditep_core.web.openapi import API_PROBLEMS, problem_responses
from ditep_core.web.parameters import IdPath
from ditep_core.web.problems import NotFound

router = APIRouter(prefix="/v1", tags=["admin"], responses=API_PROBLEMS)


@router.get("/keys", response_model=list[ApiKeyOut], summary="List API keys")
def list_keys(session: DbSession, _admin: Admin) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(client) for client in list_api_keys(session)]


@router.post(
    "/keys/{key_id}/revoke",
    response_model=ApiKeyOut,
    summary="Revoke an API key",
    responses=problem_responses(404),
)
def revoke(session: DbSession, _admin: Admin, key_id: IdPath) -> ApiKeyOut:
    client = revoke_key(session, key_id)
    if client is None:
        raise NotFound(f"no API key {key_id}")
    return ApiKeyOut.model_validate(client)


@router.post(
    "/keys/{key_id}/rotate",
    response_model=RotatedKey,
    summary="Give an API key a new secret (the old one stops working at once)",
    responses=problem_responses(404),
)
def rotate(session: DbSession, _admin: Admin, key_id: IdPath) -> RotatedKey:
    rotated = rotate_key(session, key_id)
    if rotated is None:
        raise NotFound(f"no active API key {key_id}")
    client, generated = rotated
    return RotatedKey(key=ApiKeyOut.model_validate(client), plaintext=generated.plaintext)
