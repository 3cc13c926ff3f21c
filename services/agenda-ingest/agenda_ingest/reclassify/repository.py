"""Reads of stored sessions with what the rules need, and writes of new classifications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import Classification
from ditep_core.models import (
    AgendaSession,
    Person,
    ReclassificationRun,
    SessionParticipant,
    Source,
    utc_now,
)
from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    Nature,
    PersonKind,
    Presence,
    Setting,
)

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A stored session, its classification and its participants' summary."""

    id: int
    source_id: int
    uid: str
    recurrence_id: str
    start_at: dt.datetime
    end_at: dt.datetime
    all_day: bool
    summary: str
    location: str
    categories: tuple[str, ...]
    codes: tuple[str, ...]
    source_kind: AgendaKind
    activity: Activity
    setting: Setting
    nature: Nature
    serafin_code: str | None
    rule_id: str
    rule_set_version: str
    youth: int = 0
    youth_present: int = 0
    professionals: int = 0
    functions: tuple[str, ...] = ()

    def same_as(self, classification: Classification) -> bool:
        return (
            self.activity,
            self.setting,
            self.nature,
            self.serafin_code,
            self.rule_id,
            self.rule_set_version,
        ) == (
            classification.activity,
            classification.setting,
            classification.nature,
            classification.serafin_code,
            classification.rule_id,
            classification.rule_set_version,
        )


class StoredSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_establishment(
        self, establishment_id: int, session_ids: Sequence[int] | None = None
    ) -> list[StoredSession]:
        statement = (
            select(
                AgendaSession.id,
                AgendaSession.source_id,
                AgendaSession.uid,
                AgendaSession.recurrence_id,
                AgendaSession.start_at,
                AgendaSession.end_at,
                AgendaSession.all_day,
                AgendaSession.summary,
                AgendaSession.location,
                AgendaSession.categories,
                AgendaSession.codes,
                Source.agenda_kind,
                AgendaSession.activity,
                AgendaSession.setting,
                AgendaSession.nature,
                AgendaSession.serafin_code,
                AgendaSession.rule_id,
                AgendaSession.rule_set_version,
            )
            .join(Source, Source.id == AgendaSession.source_id)
            .where(AgendaSession.establishment_id == establishment_id)
            .order_by(AgendaSession.id)
        )
        if session_ids is not None:
            statement = statement.where(AgendaSession.id.in_(list(session_ids)))
        rows = self.session.execute(statement).all()
        people = self._people(establishment_id, session_ids)
        stored: list[StoredSession] = []
        for row in rows:
            youth, present, professionals, functions = people.get(row.id, (0, 0, 0, ()))
            stored.append(
                StoredSession(
                    id=row.id,
                    source_id=row.source_id,
                    uid=row.uid,
                    recurrence_id=row.recurrence_id,
                    start_at=row.start_at,
                    end_at=row.end_at,
                    all_day=row.all_day,
                    summary=row.summary,
                    location=row.location,
                    categories=tuple(row.categories or ()),
                    codes=tuple(row.codes or ()),
                    source_kind=row.agenda_kind,
                    activity=row.activity,
                    setting=row.setting,
                    nature=row.nature,
                    serafin_code=row.serafin_code,
                    rule_id=row.rule_id,
                    rule_set_version=row.rule_set_version,
                    youth=youth,
                    youth_present=present,
                    professionals=professionals,
                    functions=functions,
                )
            )
        return stored

    def _people(
        self, establishment_id: int, session_ids: Sequence[int] | None
    ) -> dict[int, tuple[int, int, int, tuple[str, ...]]]:
        statement = (
            select(
                SessionParticipant.session_id,
                SessionParticipant.kind,
                SessionParticipant.presence,
                Person.function,
            )
            .join(Person, Person.id == SessionParticipant.person_id)
            .join(AgendaSession, AgendaSession.id == SessionParticipant.session_id)
            .where(AgendaSession.establishment_id == establishment_id)
        )
        if session_ids is not None:
            statement = statement.where(AgendaSession.id.in_(list(session_ids)))
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        functions: dict[int, set[str]] = defaultdict(set)
        for session_id, kind, presence, function in self.session.execute(statement):
            tally = counts[session_id]
            if kind is PersonKind.YOUTH:
                tally[0] += 1
                tally[1] += presence is Presence.PRESENT
            else:
                tally[2] += 1
                if function:
                    functions[session_id].add(function)
        return {
            session_id: (youth, present, pros, tuple(sorted(functions.get(session_id, ()))))
            for session_id, (youth, present, pros) in counts.items()
        }

    def establishment_id_of(self, session_id: int) -> int | None:
        statement = select(AgendaSession.establishment_id).where(AgendaSession.id == session_id)
        return self.session.scalars(statement).one_or_none()

    def unclassified(self, establishment_id: int) -> list[StoredSession]:
        return self.to_review(establishment_id, frozenset())

    def to_review(
        self, establishment_id: int, low_confidence_rule_ids: frozenset[str]
    ) -> list[StoredSession]:
        """Unclassified sessions and those a low-confidence rule classified."""
        return [
            stored
            for stored in self.for_establishment(establishment_id)
            if stored.activity is Activity.UNCLASSIFIED or stored.rule_id in low_confidence_rule_ids
        ]

    def store_classifications(self, changes: Iterable[tuple[int, Classification]]) -> None:
        now = utc_now()
        pending = list(changes)
        for start in range(0, len(pending), _CHUNK):
            self.session.execute(
                update(AgendaSession),
                [
                    {
                        "id": session_id,
                        "activity": classification.activity,
                        "setting": classification.setting,
                        "nature": classification.nature,
                        "serafin_code": classification.serafin_code,
                        "rule_id": classification.rule_id,
                        "rule_set_version": classification.rule_set_version,
                        "updated_at": now,
                    }
                    for session_id, classification in pending[start : start + _CHUNK]
                ],
            )

    def add_run(self, run: ReclassificationRun) -> ReclassificationRun:
        self.session.add(run)
        self.session.flush()
        return run

    def runs(self, establishment_id: int, limit: int = 20) -> Sequence[ReclassificationRun]:
        statement = (
            select(ReclassificationRun)
            .where(ReclassificationRun.establishment_id == establishment_id)
            .order_by(ReclassificationRun.id.desc())
            .limit(limit)
        )
        return self.session.scalars(statement).all()
