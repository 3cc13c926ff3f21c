"""Queries for ingestion: imports, people, sessions and their participants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from agenda_ingest.drafts import SessionDraft
from ditep_core.models import AgendaSession, FeedImport, Person, SessionParticipant
from ditep_core.nomenclatures import PersonKind

_CHUNK = 500
T = TypeVar("T")

PersonKey = tuple[PersonKind, str]


class ImportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, feed_import: FeedImport) -> FeedImport:
        self.session.add(feed_import)
        self.session.flush()
        return feed_import

    def get(self, import_id: int) -> FeedImport | None:
        return self.session.get(FeedImport, import_id)

    def list_for_source(self, source_id: int, limit: int = 50) -> Sequence[FeedImport]:
        statement = (
            select(FeedImport)
            .where(FeedImport.source_id == source_id)
            .order_by(FeedImport.id.desc())
            .limit(limit)
        )
        return self.session.scalars(statement).all()


class PersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure(
        self, establishment_id: int, people: dict[PersonKey, str | None]
    ) -> dict[PersonKey, int]:
        """Ids of these people (by kind and pseudonym), creating the missing ones."""
        ids: dict[PersonKey, int] = {}
        pseudonyms = sorted({pseudonym for _kind, pseudonym in people})
        for chunk in _chunks(pseudonyms):
            rows = self.session.execute(
                select(Person.id, Person.kind, Person.pseudonym, Person.function).where(
                    Person.establishment_id == establishment_id, Person.pseudonym.in_(chunk)
                )
            )
            for person_id, kind, pseudonym, function in rows:
                key = (kind, pseudonym)
                if key not in people:
                    continue
                ids[key] = person_id
                wanted = people[key]
                if wanted and wanted != function:
                    self.session.execute(
                        update(Person).where(Person.id == person_id).values(function=wanted)
                    )
        missing = [key for key in people if key not in ids]
        if missing:
            created = self.session.execute(
                insert(Person).returning(
                    Person.id, Person.kind, Person.pseudonym, sort_by_parameter_order=True
                ),
                [
                    {
                        "establishment_id": establishment_id,
                        "kind": kind,
                        "pseudonym": pseudonym,
                        "function": people[(kind, pseudonym)],
                    }
                    for kind, pseudonym in missing
                ],
            )
            for person_id, kind, pseudonym in created:
                ids[(kind, pseudonym)] = person_id
        return ids


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hashes_by_key(self, source_id: int) -> dict[tuple[str, str], tuple[int, str]]:
        """(uid, recurrence id) → (session id, content hash) for a source."""
        rows = self.session.execute(
            select(
                AgendaSession.uid,
                AgendaSession.recurrence_id,
                AgendaSession.id,
                AgendaSession.content_hash,
            ).where(AgendaSession.source_id == source_id)
        )
        return {(uid, rid): (session_id, digest) for uid, rid, session_id, digest in rows}

    def insert(
        self,
        *,
        establishment_id: int,
        source_id: int,
        import_id: int,
        drafts: Sequence[SessionDraft],
        person_ids: dict[PersonKey, int],
        now: dt.datetime,
    ) -> None:
        for chunk in _chunks(list(drafts)):
            result = self.session.execute(
                insert(AgendaSession).returning(AgendaSession.id, sort_by_parameter_order=True),
                [
                    {
                        "establishment_id": establishment_id,
                        "source_id": source_id,
                        "import_id": import_id,
                        "created_at": now,
                        **_session_values(draft, now),
                    }
                    for draft in chunk
                ],
            )
            session_ids = list(result.scalars())
            self._insert_participants(zip(session_ids, chunk, strict=True), person_ids)

    def update(
        self,
        *,
        import_id: int,
        changes: Sequence[tuple[int, SessionDraft]],
        person_ids: dict[PersonKey, int],
        now: dt.datetime,
    ) -> None:
        for chunk in _chunks(list(changes)):
            ids = [session_id for session_id, _draft in chunk]
            self.session.execute(
                update(AgendaSession),
                [
                    {"id": session_id, "import_id": import_id, **_session_values(draft, now)}
                    for session_id, draft in chunk
                ],
            )
            self.session.execute(
                delete(SessionParticipant).where(SessionParticipant.session_id.in_(ids))
            )
            self._insert_participants(chunk, person_ids)

    def delete(self, session_ids: Iterable[int]) -> None:
        for chunk in _chunks(list(session_ids)):
            self.session.execute(
                delete(SessionParticipant).where(SessionParticipant.session_id.in_(chunk))
            )
            self.session.execute(delete(AgendaSession).where(AgendaSession.id.in_(chunk)))

    def _insert_participants(
        self, pairs: Iterable[tuple[int, SessionDraft]], person_ids: dict[PersonKey, int]
    ) -> None:
        rows = [
            {
                "session_id": session_id,
                "person_id": person_ids[(participant.kind, participant.pseudonym)],
                "kind": participant.kind,
                "presence": participant.presence,
            }
            for session_id, draft in pairs
            for participant in draft.participants
        ]
        if rows:
            self.session.execute(insert(SessionParticipant), rows)


def _session_values(draft: SessionDraft, now: dt.datetime) -> dict[str, Any]:
    classification = draft.classification
    return {
        "uid": draft.uid,
        "recurrence_id": draft.recurrence_id,
        "start_at": draft.start_at,
        "end_at": draft.end_at,
        "all_day": draft.all_day,
        "status": draft.status,
        "summary": draft.summary,
        "location": draft.location,
        "categories": draft.categories,
        "codes": draft.codes,
        "activity": classification.activity,
        "setting": classification.setting,
        "nature": classification.nature,
        "serafin_code": classification.serafin_code,
        "rule_id": classification.rule_id,
        "rule_set_version": classification.rule_set_version,
        "content_hash": draft.content_hash,
        "updated_at": now,
    }


def _chunks(items: list[T]) -> Iterable[list[T]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]
