"""Queries for ingestion: imports, people, sessions and their participants."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from agenda_ingest.parsing.drafts import PeriodDraft, SessionDraft
from ditep_core.models import (
    AgendaSession,
    FeedImport,
    PathwayPeriod,
    PayloadPurge,
    Person,
    SessionParticipant,
)
from ditep_core.nomenclatures import ImportStatus, PathwayStatus, PersonKind

_CHUNK = 500
_INSERT_BATCH = 5_000
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME storage format
_VALUE_COLUMNS = (
    "uid",
    "recurrence_id",
    "start_at",
    "end_at",
    "all_day",
    "status",
    "summary",
    "location",
    "categories",
    "codes",
    "activity",
    "setting",
    "nature",
    "serafin_code",
    "rule_id",
    "rule_set_version",
    "content_hash",
    "updated_at",
)
T = TypeVar("T")

PersonKey = tuple[PersonKind, str]


class StoredSession(NamedTuple):
    session_id: int
    content_hash: str
    start_at: dt.datetime
    end_at: dt.datetime


PeriodValues = tuple[int, int, PathwayStatus, dt.date, dt.date | None, str | None]
"""(id, person id, status, start, end, modality) of a stored pathway period."""
PERIOD_ORIGIN = "feed"


class ImportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, feed_import: FeedImport) -> FeedImport:
        self.session.add(feed_import)
        self.session.flush()
        return feed_import

    def get(self, import_id: int) -> FeedImport | None:
        return self.session.get(FeedImport, import_id)

    def expired_payloads(self, received_before: dt.datetime, limit: int) -> list[tuple[int, int]]:
        """(id, sealed bytes) of imports received before that time whose payload is still
        kept, oldest first; an import not applied yet (``received``) keeps its payload."""
        statement = (
            select(FeedImport.id, func.length(FeedImport.payload_sealed))
            .where(
                FeedImport.received_at < received_before,
                FeedImport.payload_purged_at.is_(None),
                FeedImport.status != ImportStatus.RECEIVED,
            )
            .order_by(FeedImport.id)
            .limit(limit)
        )
        return [(row[0], int(row[1] or 0)) for row in self.session.execute(statement)]

    def purge_payloads(self, import_ids: Sequence[int], now: dt.datetime) -> None:
        self.session.execute(
            update(FeedImport)
            .where(FeedImport.id.in_(list(import_ids)), FeedImport.payload_purged_at.is_(None))
            .values(payload_sealed=b"", payload_purged_at=now)
            .execution_options(synchronize_session=False)
        )

    def record_purge(self, purge: PayloadPurge) -> None:
        self.session.add(purge)
        self.session.flush()

    def newer_applied(
        self, source_id: int, import_id: int, feed_stamp: dt.datetime | None
    ) -> int | None:
        """The newest import of the source applied after ``import_id`` was received (a
        higher id), or carrying a later feed stamp than ``feed_stamp``; None if none."""
        newer = FeedImport.id > import_id
        if feed_stamp is not None:
            newer = or_(newer, FeedImport.feed_stamp > feed_stamp)
        statement = (
            select(FeedImport.id)
            .where(
                FeedImport.source_id == source_id,
                FeedImport.status == ImportStatus.PROCESSED,
                FeedImport.id != import_id,
                newer,
            )
            .order_by(FeedImport.id.desc())
            .limit(1)
        )
        return self.session.scalars(statement).first()

    def supersede_pending(self, source_id: int, *, before: int, by: int) -> None:
        """Imports held for confirmation and received before ``before`` are obsolete."""
        self.session.execute(
            update(FeedImport)
            .where(
                FeedImport.source_id == source_id,
                FeedImport.status == ImportStatus.NEEDS_CONFIRMATION,
                FeedImport.id < before,
            )
            .values(status=ImportStatus.SUPERSEDED, superseded_by=by)
        )

    def newest(
        self, *, status: ImportStatus | None = None, source_id: int | None = None, limit: int = 50
    ) -> Sequence[FeedImport]:
        statement = select(FeedImport).order_by(FeedImport.id.desc()).limit(limit)
        if status is not None:
            statement = statement.where(FeedImport.status == status)
        if source_id is not None:
            statement = statement.where(FeedImport.source_id == source_id)
        return self.session.scalars(statement).all()

    def page_for_source(
        self, source_id: int, *, limit: int, offset: int
    ) -> tuple[int, Sequence[FeedImport]]:
        """A page of the source's imports, newest first (payloads not read), and their total."""
        total = (
            self.session.scalar(select(func.count()).where(FeedImport.source_id == source_id)) or 0
        )
        statement = (
            select(FeedImport)
            .where(FeedImport.source_id == source_id)
            .options(defer(FeedImport.payload_sealed), defer(FeedImport.errors))
            .order_by(FeedImport.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return total, self.session.scalars(statement).all()

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
        self,
        establishment_id: int,
        people: dict[PersonKey, str | None],
        link_keys: Mapping[PersonKey, str],
    ) -> dict[PersonKey, int]:
        """Ids of these people (by kind and pseudonym), creating the missing ones.

        ``people`` gives each one's function, ``link_keys`` each one's link key (stored
        on the people created, for joins across establishments; never published)."""
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
            # Two imports of one establishment (two agendas pushed at once) may both find a
            # young person missing: the second insert skips the row the first committed
            # (ON CONFLICT DO NOTHING on the unique key) and reads its id instead, rather
            # than failing the whole import.
            new_people = [
                {
                    "establishment_id": establishment_id,
                    "kind": kind,
                    "pseudonym": pseudonym,
                    "link_key": link_keys[(kind, pseudonym)],
                    "function": people[(kind, pseudonym)],
                }
                for kind, pseudonym in missing
            ]
            insert_person = (
                postgresql_insert(Person)
                if self.session.get_bind().dialect.name == "postgresql"
                else sqlite_insert(Person)
            )
            self.session.execute(
                insert_person.on_conflict_do_nothing(
                    index_elements=["establishment_id", "kind", "pseudonym"]
                ),
                new_people,
            )
            for chunk in _chunks(sorted({pseudonym for _kind, pseudonym in missing})):
                created = self.session.execute(
                    select(Person.id, Person.kind, Person.pseudonym).where(
                        Person.establishment_id == establishment_id, Person.pseudonym.in_(chunk)
                    )
                )
                for person_id, kind, pseudonym in created:
                    if (kind, pseudonym) in people:
                        ids[(kind, pseudonym)] = person_id
        return ids


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def snapshot_index(self, source_id: int) -> dict[tuple[str, str], StoredSession]:
        """(uid, recurrence id) → the stored session's id, content hash and times."""
        statement = (
            select(
                AgendaSession.uid,
                AgendaSession.recurrence_id,
                AgendaSession.id,
                AgendaSession.content_hash,
                AgendaSession.start_at,
                AgendaSession.end_at,
            )
            .where(AgendaSession.source_id == source_id)
            .execution_options(yield_per=10_000)
        )
        return {
            (uid, rid): StoredSession(session_id, digest, start_at, end_at)
            for uid, rid, session_id, digest, start_at, end_at in self.session.execute(statement)
        }

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
        """Insert new sessions and their participants.

        A feed brings tens of thousands of sessions: ids are reserved in one
        statement and rows go to the driver's ``executemany`` as plain tuples,
        already in their stored form (naive UTC, enum codes, JSON text). SQL
        Alchemy's per-value processing would cost more than the write itself.
        """
        if not drafts:
            return
        connection = self.session.connection()
        ids = self._reserve_session_ids(len(drafts))
        stored = _moment_writer(connection)
        created = stored(now)
        columns = (
            "id",
            "establishment_id",
            "source_id",
            "import_id",
            "created_at",
            *_VALUE_COLUMNS,
        )
        # Rows are built a batch at a time: a 100 MB feed's rows at once would
        # double the memory its sessions take.
        for start in range(0, len(drafts), _INSERT_BATCH):
            batch = drafts[start : start + _INSERT_BATCH]
            batch_ids = ids[start : start + _INSERT_BATCH]
            _insert_rows(
                connection,
                "agenda_session",
                columns,
                [
                    (
                        session_id,
                        establishment_id,
                        source_id,
                        import_id,
                        created,
                        *_stored_values(draft, created, stored),
                    )
                    for session_id, draft in zip(batch_ids, batch, strict=True)
                ],
            )
            self._insert_participants(zip(batch_ids, batch, strict=True), person_ids)

    def _reserve_session_ids(self, count: int) -> list[int]:
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            rows = connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('agenda_session', 'id')) "
                "FROM generate_series(1, %(count)s)",
                {"count": count},
            )
            return [row[0] for row in rows]
        # SQLite: the import row was written earlier in this transaction, so it
        # holds the database's write lock and no other writer can take these ids.
        first = connection.exec_driver_sql(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM agenda_session"
        ).scalar_one()
        return list(range(int(first), int(first) + count))

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
        connection = self.session.connection()
        stored = _moment_writer(connection)
        rows = [
            (
                session_id,
                person_ids[(participant.kind, participant.pseudonym)],
                participant.kind.value,
                participant.presence.value,
                stored(draft.start_at),
            )
            for session_id, draft in pairs
            for participant in draft.participants
        ]
        if rows:
            columns = ("session_id", "person_id", "kind", "presence", "session_start_at")
            _insert_rows(connection, "session_participant", columns, rows)


class PathwayRepository:
    """Pathway periods a source's feeds brought (keyed on the feed's stay identifier)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_external_id(self, source_id: int) -> dict[str, PeriodValues]:
        rows = self.session.execute(
            select(
                PathwayPeriod.external_id,
                PathwayPeriod.id,
                PathwayPeriod.person_id,
                PathwayPeriod.status,
                PathwayPeriod.start_date,
                PathwayPeriod.end_date,
                PathwayPeriod.modality,
            ).where(PathwayPeriod.source_id == source_id)
        )
        return {
            external_id: (period_id, person_id, status, start, end, modality)
            for external_id, period_id, person_id, status, start, end, modality in rows
            if external_id is not None
        }

    def insert(
        self, source_id: int, import_id: int, drafts: Sequence[tuple[PeriodDraft, int]]
    ) -> None:
        if drafts:
            self.session.execute(
                insert(PathwayPeriod),
                [
                    {
                        "source_id": source_id,
                        "import_id": import_id,
                        "origin": PERIOD_ORIGIN,
                        "person_id": person_id,
                        **_period_values(draft),
                    }
                    for draft, person_id in drafts
                ],
            )

    def update(self, import_id: int, changes: Sequence[tuple[int, PeriodDraft, int]]) -> None:
        if changes:
            self.session.execute(
                update(PathwayPeriod),
                [
                    {
                        "id": period_id,
                        "import_id": import_id,
                        "person_id": person_id,
                        **_period_values(draft),
                    }
                    for period_id, draft, person_id in changes
                ],
            )

    def delete(self, period_ids: Iterable[int]) -> None:
        for chunk in _chunks(list(period_ids)):
            self.session.execute(delete(PathwayPeriod).where(PathwayPeriod.id.in_(chunk)))


def _period_values(draft: PeriodDraft) -> dict[str, Any]:
    return {
        "external_id": draft.external_id,
        "status": draft.status,
        "start_date": draft.start_date,
        "end_date": draft.end_date,
        "modality": draft.modality,
    }


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
        "categories": list(draft.categories),
        "codes": list(draft.codes),
        "activity": classification.activity,
        "setting": classification.setting,
        "nature": classification.nature,
        "serafin_code": classification.serafin_code,
        "rule_id": classification.rule_id,
        "rule_set_version": classification.rule_set_version,
        "content_hash": draft.content_hash,
        "updated_at": now,
    }


def _moment_writer(connection: Connection) -> Callable[[dt.datetime], object]:
    """The stored form of an aware datetime, as the ORM column would write it.

    Naive UTC (see ditep_core.models.UTCDateTime). PostgreSQL takes the
    datetime; SQLite stores text and compares it as text, so the text must be
    SQLAlchemy's (with microseconds), not the driver's default adapter's, or a
    session at exactly a period's bound would fall outside it.
    """
    if connection.dialect.name == "sqlite":
        return lambda moment: moment.astimezone(dt.UTC).strftime(_SQLITE_DATETIME)
    return lambda moment: moment.astimezone(dt.UTC).replace(tzinfo=None)


def _stored_values(
    draft: SessionDraft, updated: object, stored: Callable[[dt.datetime], object]
) -> tuple[object, ...]:
    """``_VALUE_COLUMNS`` of a draft, as the database stores them."""
    classification = draft.classification
    return (
        draft.uid,
        draft.recurrence_id,
        stored(draft.start_at),
        stored(draft.end_at),
        draft.all_day,
        draft.status.value,
        draft.summary,
        draft.location,
        _json_list(draft.categories),
        _json_list(draft.codes),
        classification.activity.value,
        classification.setting.value,
        classification.nature.value,
        classification.serafin_code,
        classification.rule_id,
        classification.rule_set_version,
        draft.content_hash,
        updated,
    )


@functools.lru_cache(maxsize=4096)
def _json_text(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _json_list(values: tuple[str, ...]) -> str:
    """The stored JSON of a list of strings; feeds repeat the same few lists."""
    return _json_text(values) if values else "[]"


def _insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """Write rows already in their stored form: PostgreSQL's ``COPY`` (several times
    faster than ``executemany`` for a feed's thousands of rows), SQLite's ``executemany``."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql(_insert_sql(connection, table, columns), rows)
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_sql(connection: Connection, table: str, columns: Sequence[str]) -> str:
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    placeholders = ", ".join(marker for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608


def _chunks(items: list[T]) -> Iterable[list[T]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]
