"""Queries on sources."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ditep_core.models import Source


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_with_establishment(self, source_id: int) -> Source | None:
        statement = (
            select(Source).where(Source.id == source_id).options(joinedload(Source.establishment))
        )
        return self.session.scalars(statement).one_or_none()

    def lock(self, source_id: int) -> None:
        """Serialise the imports of one source until the transaction ends.

        PostgreSQL: a row lock on the source (bounded by the connection's lock_timeout).
        SQLite: the write transaction (``BEGIN IMMEDIATE``) already excludes every other
        writer.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            # NO KEY UPDATE: receipts of new imports (a foreign key to the source takes
            # KEY SHARE) are not blocked by an import being applied.
            self.session.execute(
                select(Source.id).where(Source.id == source_id).with_for_update(key_share=True)
            )

    def get_by_name(self, establishment_id: int, name: str) -> Source | None:
        statement = select(Source).where(
            Source.establishment_id == establishment_id, Source.name == name
        )
        return self.session.scalars(statement).one_or_none()

    def list_for_establishment(self, establishment_id: int) -> Sequence[Source]:
        statement = (
            select(Source).where(Source.establishment_id == establishment_id).order_by(Source.id)
        )
        return self.session.scalars(statement).all()

    def add(self, source: Source) -> Source:
        self.session.add(source)
        self.session.flush()
        return source
