"""Queries on sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ditep_core.models import (
    AgendaSession,
    Establishment,
    FeedImport,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import PersonKind, Presence


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

    def list_reachable(self, finess: frozenset[str] | None) -> Sequence[Source]:
        """Every source (``finess`` None), or those of these establishments."""
        statement = select(Source).options(joinedload(Source.establishment)).order_by(Source.id)
        if finess is not None:
            statement = statement.join(Source.establishment).where(
                Establishment.finess.in_(sorted(finess))
            )
        return self.session.scalars(statement).all()

    def last_import(self, source_id: int) -> FeedImport | None:
        return self.session.scalars(
            select(FeedImport)
            .where(FeedImport.source_id == source_id)
            .order_by(FeedImport.id.desc())
            .limit(1)
        ).one_or_none()

    def add(self, source: Source) -> Source:
        self.session.add(source)
        self.session.flush()
        return source


class SourceSessionRepository:
    """The stored sessions of one source, to find one (``GET /v1/sources/{id}/sessions``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(
        self,
        source_id: int,
        *,
        uid: str | None,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[int, Sequence[AgendaSession]]:
        """The matching sessions (by start, then id) and how many match in all."""
        conditions = [AgendaSession.source_id == source_id]
        if uid is not None:
            conditions.append(AgendaSession.uid == uid)
        if start is not None:
            conditions.append(AgendaSession.end_at > start)
        if end is not None:
            conditions.append(AgendaSession.start_at < end)
        total = self.session.scalar(select(func.count()).where(*conditions)) or 0
        rows = self.session.scalars(
            select(AgendaSession)
            .where(*conditions)
            .order_by(AgendaSession.start_at, AgendaSession.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return total, rows

    def youth_presence(self, session_ids: Sequence[int]) -> dict[int, list[Presence]]:
        """The presence of each young person of each session."""
        found: dict[int, list[Presence]] = {session_id: [] for session_id in session_ids}
        if not session_ids:
            return found
        rows = self.session.execute(
            select(SessionParticipant.session_id, SessionParticipant.presence).where(
                SessionParticipant.session_id.in_(session_ids),
                SessionParticipant.kind == PersonKind.YOUTH,
            )
        ).all()
        for session_id, presence in rows:
            found[session_id].append(presence)
        return found
