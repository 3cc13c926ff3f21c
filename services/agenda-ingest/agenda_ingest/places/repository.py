"""Queries on place registries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import PlaceRegistryDocument


class PlaceRegistryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_establishment(self, establishment_id: int) -> PlaceRegistryDocument | None:
        statement = select(PlaceRegistryDocument).where(
            PlaceRegistryDocument.establishment_id == establishment_id
        )
        return self.session.scalars(statement).one_or_none()

    def by_digest_prefix(self, prefix: str) -> PlaceRegistryDocument | None:
        statement = (
            select(PlaceRegistryDocument)
            .where(PlaceRegistryDocument.content_sha256.startswith(prefix, autoescape=True))
            .limit(1)
        )
        return self.session.scalars(statement).first()

    def add(self, row: PlaceRegistryDocument) -> PlaceRegistryDocument:
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: PlaceRegistryDocument) -> None:
        self.session.delete(row)
        self.session.flush()
