"""Ingesting one feed payload: record, parse, classify, pseudonymise, upsert.

The payload is parsed before any write (parsing is pure and may be long; no
write lock is held meanwhile), then one transaction records the import with its
raw payload and applies the sessions. A feed is a snapshot of its source's
window: a session absent from it is deleted. The same payload twice changes
nothing. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from agenda_ingest.drafts import DraftBuilder, DraftContext, SessionDraft
from agenda_ingest.feeds.repository import (
    ImportRepository,
    PersonKey,
    PersonRepository,
    SessionRepository,
)
from agenda_ingest.ical.parser import parse_ical
from agenda_ingest.normalised import FeedError, FeedUnreadable, ParsedFeed
from agenda_ingest.participants import ParticipantOptions
from agenda_ingest.sources.service import expansion_window
from ditep_core.models import FeedImport, Source, utc_now
from ditep_core.nomenclatures import FeedFormat, ImportStatus
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser

logger = structlog.get_logger("ditep.ingest")

ICAL_MEDIA_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


@dataclass(slots=True)
class ImportOutcome:
    import_id: int
    source_id: int
    status: ImportStatus
    received: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is ImportStatus.FAILED


@dataclass(slots=True)
class _Prepared:
    drafts: list[SessionDraft]
    rejected: list[FeedError]
    received: int
    warnings: int


def ingest_payload(
    session: Session,
    *,
    source: Source,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    today: dt.date | None = None,
) -> ImportOutcome:
    """Record ``payload`` as a new import of ``source`` and apply it."""
    now = utc_now()
    errors: list[FeedError]
    prepared: _Prepared | None = None
    try:
        prepared = _prepare(source, payload, protection.pseudonymiser, today or now.date())
        errors = prepared.rejected
    except FeedUnreadable as unreadable:
        errors = unreadable.errors
    except Exception:
        # A parser bug must not lose what was sent: keep the payload, say so.
        logger.exception("parser_failed", source_id=source.id)
        errors = [FeedError("the parser failed unexpectedly; the payload is kept for replay")]

    feed_import = ImportRepository(session).add(
        FeedImport(
            source_id=source.id,
            received_at=now,
            content_type=content_type,
            sha256=hashlib.sha256(payload).hexdigest(),
            size_bytes=len(payload),
            status=ImportStatus.RECEIVED,
            errors=[],
            payload_sealed=protection.vault.seal(payload),
        )
    )
    outcome = ImportOutcome(
        import_id=feed_import.id, source_id=source.id, status=ImportStatus.FAILED
    )
    outcome.errors = [error.as_dict() for error in errors]
    if prepared is not None:
        _apply(session, source, feed_import, prepared, outcome, now)
        outcome.status = ImportStatus.PROCESSED
    _record(feed_import, outcome, now)
    logger.info(
        "feed_ingested",
        source_id=source.id,
        import_id=feed_import.id,
        status=outcome.status.value,
        received=outcome.received,
        created=outcome.created,
        updated=outcome.updated,
        deleted=outcome.deleted,
        rejected=outcome.rejected,
    )
    return outcome


def replay_import(
    session: Session,
    *,
    source: Source,
    feed_import: FeedImport,
    protection: DataProtection,
    today: dt.date | None = None,
) -> ImportOutcome:
    """Apply a stored payload again, as a new import (after a fix of the parser or rules)."""
    return ingest_payload(
        session,
        source=source,
        payload=protection.vault.open(feed_import.payload_sealed),
        content_type=feed_import.content_type,
        protection=protection,
        today=today,
    )


def _prepare(
    source: Source, payload: bytes, pseudonymiser: Pseudonymiser, today: dt.date
) -> _Prepared:
    establishment = source.establishment
    timezone = ZoneInfo(establishment.timezone)
    window_start, window_end = expansion_window(source, today)
    if source.format is not FeedFormat.ICAL:
        raise FeedUnreadable([FeedError(f"{source.format.value} feeds are not supported yet")])
    parsed: ParsedFeed = parse_ical(
        payload, window_start=window_start, window_end=window_end, default_tz=timezone
    )
    youth_pseudonym = source.participant_options.get("youth_pseudonym")
    context = DraftContext(
        timezone=timezone,
        agenda_kind=source.agenda_kind,
        options=ParticipantOptions.from_mapping(source.participant_options),
        pseudonymiser=pseudonymiser,
        youth_pseudonym=youth_pseudonym if isinstance(youth_pseudonym, str) else None,
    )
    rejected = list(parsed.rejected)
    builder = DraftBuilder(context)
    drafts: dict[tuple[str, str], SessionDraft] = {}
    for occurrence in parsed.occurrences:
        draft = builder.build(occurrence)
        if draft.key in drafts:
            rejected.append(
                FeedError(
                    "duplicate occurrence (same UID and start): the first one is kept",
                    line=occurrence.line,
                    uid=occurrence.uid,
                )
            )
            continue
        drafts[draft.key] = draft
    return _Prepared(
        drafts=list(drafts.values()),
        rejected=rejected,
        received=len(parsed.occurrences),
        warnings=parsed.warnings,
    )


def _apply(
    session: Session,
    source: Source,
    feed_import: FeedImport,
    prepared: _Prepared,
    outcome: ImportOutcome,
    now: dt.datetime,
) -> None:
    sessions = SessionRepository(session)
    existing = sessions.hashes_by_key(source.id)
    to_create: list[SessionDraft] = []
    to_update: list[tuple[int, SessionDraft]] = []
    for draft in prepared.drafts:
        known = existing.pop(draft.key, None)
        if known is None:
            to_create.append(draft)
        elif known[1] != draft.content_hash:
            to_update.append((known[0], draft))
        else:
            outcome.unchanged += 1
    people: dict[PersonKey, str | None] = {}
    for draft in (*to_create, *(draft for _id, draft in to_update)):
        for participant in draft.participants:
            key = (participant.kind, participant.pseudonym)
            people[key] = participant.function or people.get(key)
    person_ids = PersonRepository(session).ensure(source.establishment_id, people)
    sessions.insert(
        establishment_id=source.establishment_id,
        source_id=source.id,
        import_id=feed_import.id,
        drafts=to_create,
        person_ids=person_ids,
        now=now,
    )
    sessions.update(import_id=feed_import.id, changes=to_update, person_ids=person_ids, now=now)
    sessions.delete(session_id for session_id, _digest in existing.values())
    outcome.received = prepared.received
    outcome.created = len(to_create)
    outcome.updated = len(to_update)
    outcome.deleted = len(existing)
    outcome.rejected = len(prepared.rejected) - prepared.warnings


def _record(feed_import: FeedImport, outcome: ImportOutcome, now: dt.datetime) -> None:
    feed_import.status = outcome.status
    feed_import.processed_at = now
    feed_import.received_count = outcome.received
    feed_import.created_count = outcome.created
    feed_import.updated_count = outcome.updated
    feed_import.deleted_count = outcome.deleted
    feed_import.rejected_count = outcome.rejected
    feed_import.unchanged_count = outcome.unchanged
    feed_import.errors = outcome.errors
