"""Reads of classified sessions for counting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from activity_api.counting.duplicates import ParticipantLink, SessionRow
from ditep_core.models import AgendaSession, SessionParticipant, Source


class CountingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sessions_starting_between(
        self, establishment_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[SessionRow]:
        statement = select(
            AgendaSession.id,
            AgendaSession.source_id,
            AgendaSession.uid,
            AgendaSession.recurrence_id,
            AgendaSession.start_at,
            AgendaSession.end_at,
            AgendaSession.status,
            AgendaSession.activity,
            AgendaSession.rule_set_version,
        ).where(
            AgendaSession.establishment_id == establishment_id,
            AgendaSession.start_at >= start,
            AgendaSession.start_at < end,
        )
        return [SessionRow(*row) for row in self.session.execute(statement)]

    def participant_links_between(
        self, establishment_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[ParticipantLink]:
        statement = (
            select(
                SessionParticipant.session_id,
                SessionParticipant.person_id,
                SessionParticipant.kind,
                SessionParticipant.presence,
            )
            .join(AgendaSession, AgendaSession.id == SessionParticipant.session_id)
            .where(
                AgendaSession.establishment_id == establishment_id,
                AgendaSession.start_at >= start,
                AgendaSession.start_at < end,
            )
        )
        return [ParticipantLink(*row) for row in self.session.execute(statement)]

    def validated_only_sources(self, establishment_id: int) -> frozenset[int]:
        statement = select(Source.id).where(
            Source.establishment_id == establishment_id, Source.count_validated_only.is_(True)
        )
        return frozenset(self.session.scalars(statement))
