"""``/v1/keys``: list, revoke and rotate API keys (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from activity_api.keys.schemas import ApiKeyOut, RotatedKey
from ditep_core.auth.repository import ApiClientRepository
from ditep_core.auth.service import revoke_key, rotate_key
from ditep_core.web.dependencies import Admin, DbSession
from ditep_core.web.problems import NotFound

router = APIRouter(prefix="/v1", tags=["admin"])

KeyId = Annotated[int, Path(ge=1, description="Identifiant de la clé")]


@router.get("/keys", response_model=list[ApiKeyOut], summary="List API keys")
def list_keys(session: DbSession, _admin: Admin) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(client) for client in ApiClientRepository(session).list_all()]


@router.post("/keys/{key_id}/revoke", response_model=ApiKeyOut, summary="Revoke an API key")
def revoke(session: DbSession, _admin: Admin, key_id: KeyId) -> ApiKeyOut:
    client = revoke_key(session, key_id)
    if client is None:
        raise NotFound(f"no API key {key_id}")
    return ApiKeyOut.model_validate(client)


@router.post(
    "/keys/{key_id}/rotate",
    response_model=RotatedKey,
    summary="Give an API key a new secret (the old one stops working at once)",
)
def rotate(session: DbSession, _admin: Admin, key_id: KeyId) -> RotatedKey:
    rotated = rotate_key(session, key_id)
    if rotated is None:
        raise NotFound(f"no active API key {key_id}")
    client, generated = rotated
    return RotatedKey(key=ApiKeyOut.model_validate(client), plaintext=generated.plaintext)
