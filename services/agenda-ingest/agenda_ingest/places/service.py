"""An establishment's place registry: stored as written, validated, one per establishment.

The rules in force (``agenda_ingest.rulesets.service.active_rule_set``) are compiled with it;
a classification's version then ends with ``+places-<digest>``, so a change of registry, like
a change of rules, shows in the sessions reclassified after it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agenda_ingest.classification.places import (
    PlaceRegistry,
    PlaceRegistryInvalid,
    parse_place_registry,
)
from agenda_ingest.places.repository import PlaceRegistryRepository
from ditep_core.models import Establishment, PlaceRegistryDocument, utc_now
from ditep_core.web.problems import InvalidRequest


def parse_or_problem(text: str) -> PlaceRegistry:
    """The registry, or a 422 problem whose errors name the field (a duplicate alias...)."""
    try:
        return parse_place_registry(text)
    except PlaceRegistryInvalid as invalid:
        raise InvalidRequest(
            f"the place registry is invalid ({len(invalid.errors)} error(s))",
            errors=[
                {"location": error.field or "document", **error.as_dict()}
                for error in invalid.errors
            ],
        ) from invalid


def registry_row(session: Session, establishment_id: int) -> PlaceRegistryDocument | None:
    return PlaceRegistryRepository(session).for_establishment(establishment_id)


def registry_text(session: Session, establishment_id: int) -> str | None:
    """The registry as written, or None when the establishment has none."""
    row = registry_row(session, establishment_id)
    return None if row is None else row.document


def registry_text_by_digest(session: Session, digest_prefix: str) -> str | None:
    """A stored registry whose digest starts so (the end of a classification's version)."""
    row = PlaceRegistryRepository(session).by_digest_prefix(digest_prefix)
    return None if row is None else row.document


def set_registry(
    session: Session,
    establishment: Establishment,
    text: str,
    *,
    updated_by_key_id: int | None,
) -> tuple[PlaceRegistryDocument, bool]:
    """Store ``text`` as the establishment's registry; returns the row and whether it changed."""
    registry = parse_or_problem(text)
    repository = PlaceRegistryRepository(session)
    row = repository.for_establishment(establishment.id)
    if row is not None and row.document == text:
        return row, False
    if row is None:
        row = repository.add(
            PlaceRegistryDocument(
                establishment_id=establishment.id,
                document=text,
                content_sha256=registry.digest,
                updated_by_key_id=updated_by_key_id,
            )
        )
    else:
        row.document = text
        row.content_sha256 = registry.digest
        row.updated_at = utc_now()
        row.updated_by_key_id = updated_by_key_id
        session.flush()
    return row, True


def delete_registry(session: Session, establishment: Establishment) -> bool:
    repository = PlaceRegistryRepository(session)
    row = repository.for_establishment(establishment.id)
    if row is None:
        return False
    repository.delete(row)
    return True
