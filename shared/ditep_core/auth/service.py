"""Creating and checking API keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from ditep_core.auth.binding import ESTABLISHMENT_SCOPES, check_binding, describe_binding
from ditep_core.auth.keys import GeneratedKey, generate_key, key_matches, parse_prefix
from ditep_core.auth.principal import Principal
from ditep_core.auth.repository import ApiClientRepository
from ditep_core.models import ApiClient, utc_now
from ditep_core.nomenclatures import Scope
from ditep_core.web.problems import InvalidRequest


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


def binding_of(client: ApiClient) -> str:
    """What a key reaches, in words: "FINESS 690000017", "regions 84", "all establishments"."""
    return describe_binding(client.scopes, client.finess, client.regions, client.departments)


def create_key(
    session: Session,
    *,
    name: str,
    scopes: Iterable[Scope],
    finess: Iterable[str] = (),
    regions: Iterable[str] = (),
    departments: Iterable[str] = (),
    all_establishments: bool = False,
    all_regions: bool = False,
) -> tuple[ApiClient, GeneratedKey]:
    """Create a client; the plaintext key is returned once and never stored.

    The binding is checked first (``ditep_core.auth.binding``): an unbound establishment
    key needs ``all_establishments``, an unbound ARS key ``all_regions``, and a key bound
    to an area never carries an establishment-level scope (422 problem otherwise).
    """
    scopes = set(scopes)
    finess, regions = set(finess), set(regions)
    departments = {department.upper() for department in departments}
    check_binding(
        scopes,
        finess=finess,
        regions=regions,
        departments=departments,
        all_establishments=all_establishments,
        all_regions=all_regions,
    )
    generated = generate_key()
    client = ApiClient(
        name=name,
        key_prefix=generated.prefix,
        key_hash=generated.key_hash,
        scopes=sorted(scope.value for scope in scopes),
        finess=sorted(finess),
        regions=sorted(regions),
        departments=sorted(departments),
    )
    ApiClientRepository(session).add(client)
    return client, generated


def list_api_keys(session: Session) -> Sequence[ApiClient]:
    return ApiClientRepository(session).list_all()


def revoke_key(session: Session, client_id: int) -> ApiClient | None:
    client = ApiClientRepository(session).get(client_id)
    if client is not None and client.revoked_at is None:
        client.revoked_at = utc_now()
        session.flush()
    return client


def rotate_key(session: Session, client_id: int) -> tuple[ApiClient, GeneratedKey] | None:
    """A new secret for an active key, same id, scopes and tenancy; the old one stops at once.

    None when there is no such key; a revoked key cannot be rotated (create a new one).
    A key whose binding the rules now refuse (an area key with an establishment-level
    scope, a bound admin key) is not rotated either: 422, revoke it and create a new one.
    """
    client = ApiClientRepository(session).get(client_id)
    if client is None or client.revoked_at is not None:
        return None
    try:
        # An unbound key created before the explicit flags keeps its reach.
        scopes = {Scope(scope) for scope in client.scopes}
        check_binding(
            scopes,
            finess=client.finess,
            regions=client.regions,
            departments=client.departments,
            all_establishments=not client.finess and bool(scopes & ESTABLISHMENT_SCOPES),
            all_regions=not (client.regions or client.departments) and Scope.ARS_READ in scopes,
        )
    except InvalidRequest as refusal:
        raise InvalidRequest(
            f"key {client_id} cannot be rotated: {refusal.detail}; revoke it and create a new key"
        ) from refusal
    generated = generate_key()
    client.key_prefix = generated.prefix
    client.key_hash = generated.key_hash
    session.flush()
    return client, generated
