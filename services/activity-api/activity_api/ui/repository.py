"""The few reads of the pages that no other feature has: an establishment's latest
session (the default period) and its sources' last feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ditep_core.models import AgendaSession, FeedImport, Source


@dataclass(frozen=True, slots=True)
class SourceFeed:
    id: int
    name: str
    last_received_at: dt.datetime | None
    last_rejected: int | None


class UiRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_session_start(
        self, establishment_ids: Sequence[int], before: dt.datetime
    ) -> dt.datetime | None:
        if not establishment_ids:
            return None
        statement = select(func.max(AgendaSession.start_at)).where(
            AgendaSession.establishment_id.in_(establishment_ids), AgendaSession.start_at < before
        )
        latest: dt.datetime | None = self.session.scalar(statement)
        return latest

    def source_feeds(self, establishment_id: int) -> list[SourceFeed]:
        """Each source of the establishment with its last received feed (if any)."""
        last = (
            select(FeedImport.source_id, func.max(FeedImport.id).label("import_id"))
            .group_by(FeedImport.source_id)
            .subquery()
        )
        statement = (
            select(Source.id, Source.name, FeedImport.received_at, FeedImport.rejected_count)
            .outerjoin(last, last.c.source_id == Source.id)
            .outerjoin(FeedImport, FeedImport.id == last.c.import_id)
            .where(Source.establishment_id == establishment_id)
            .order_by(Source.name)
        )
        return [
            SourceFeed(id=row[0], name=row[1], last_received_at=row[2], last_rejected=row[3])
            for row in self.session.execute(statement)
        ]
