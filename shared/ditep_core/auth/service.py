"""Creating and checking API keys."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ditep_core.auth.keys import GeneratedKey, generate_key, key_matches, parse_prefix
from ditep_core.auth.principal import Principal
from ditep_core.auth.repository import ApiClientRepository
from ditep_core.models import ApiClient, utc_now
from ditep_core.nomenclatures import Scope


def authenticate(session: Session, plaintext: str) -> Principal | None:
    prefix = parse_prefix(plaintext)
    if prefix is None:
        return None
    client = ApiClientRepository(session).get_active_by_prefix(prefix)
    if client is None or not key_matches(plaintext, client.key_hash):
        return None
    return Principal(
        client_id=client.id,
        name=client.name,
        scopes=frozenset(Scope(scope) for scope in client.scopes),
        finess=frozenset(client.finess),
        regions=frozenset(client.regions),
        departments=frozenset(client.departments),
    )


def create_key(
    session: Session,
    *,
    name: str,
    scopes: Iterable[Scope],
    finess: Iterable[str] = (),
    regions: Iterable[str] = (),
    departments: Iterable[str] = (),
) -> tuple[ApiClient, GeneratedKey]:
    """Create a client; the plaintext key is returned once and never stored."""
    generated = generate_key()
    client = ApiClient(
        name=name,
        key_prefix=generated.prefix,
        key_hash=generated.key_hash,
        scopes=sorted(scope.value for scope in set(scopes)),
        finess=sorted(set(finess)),
        regions=sorted(set(regions)),
        departments=sorted({department.upper() for department in departments}),
    )
    ApiClientRepository(session).add(client)
    return client, generated


def revoke_key(session: Session, client_id: int) -> ApiClient | None:
    client = ApiClientRepository(session).get(client_id)
    if client is not None and client.revoked_at is None:
        client.revoked_at = utc_now()
        session.flush()
    return client


def rotate_key(session: Session, client_id: int) -> tuple[ApiClient, GeneratedKey] | None:
    """A new secret for an active key, same id, scopes and tenancy; the old one stops at once.

    None when there is no such key; a revoked key cannot be rotated (create a new one).
    """
    client = ApiClientRepository(session).get(client_id)
    if client is None or client.revoked_at is not None:
        return None
    generated = generate_key()
    client.key_prefix = generated.prefix
    client.key_hash = generated.key_hash
    session.flush()
    return client, generated
