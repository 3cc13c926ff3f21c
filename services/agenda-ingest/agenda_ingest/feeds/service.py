"""Ingesting one feed payload: record, parse, classify, pseudonymise, upsert.

The payload is parsed before any write (parsing is pure and may be long; no
write lock is held meanwhile), then one transaction records the import with its
raw payload and applies the sessions (and, for FHIR, the pathway periods of
the stays). A feed is a snapshot of its source's window by default: a session
absent from it is deleted; an incremental FHIR pull (``snapshot=False``) only
adds and updates. The same payload twice changes nothing. Nothing here
commits: the caller's unit of work does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import Classification, CompiledRuleSet
from agenda_ingest.drafts import DraftBuilder, DraftContext, PeriodDraft, SessionDraft
from agenda_ingest.feeds.repository import (
    ImportRepository,
    PathwayRepository,
    PersonKey,
    PersonRepository,
    SessionRepository,
)
from agenda_ingest.fhir.parser import parse_fhir
from agenda_ingest.ical.parser import parse_ical
from agenda_ingest.limits import DEFAULT_LIMITS, FeedLimits
from agenda_ingest.memory import collector_paused
from agenda_ingest.normalised import FeedError, FeedUnreadable, Occurrence
from agenda_ingest.participants import ParticipantOptions
from agenda_ingest.rulesets.service import ManualKey, active_rule_set, manual_for_source
from agenda_ingest.sources.service import expansion_window
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import FeedImport, Source, utc_now
from ditep_core.nomenclatures import FeedFormat, ImportStatus, PersonKind
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.rollups.repository import RollupRepository
from ditep_core.rollups.service import invalidate_after_write, refresh_pathway_flags

logger = structlog.get_logger("ditep.ingest")

ICAL_MEDIA_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
FHIR_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json"})
INCREMENTAL_PARAMETER = "snapshot=false"
"""Added to an import's content type when it was applied as an increment (a FHIR pull with
``_lastUpdated``), so that a replay applies it the same way and deletes nothing."""


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
    # Pathway periods (FHIR stays): not part of the import's stored counts, logged.
    periods_created: int = 0
    periods_updated: int = 0
    periods_deleted: int = 0
    # Start times of the sessions created, updated (before and after) or deleted: their
    # weeks' rollups are marked out of date (ditep_core.rollups) in the same transaction.
    touched_starts: list[dt.datetime] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is ImportStatus.FAILED


@dataclass(slots=True)
class _Prepared:
    drafts: list[SessionDraft]
    rejected: list[FeedError]
    received: int
    warnings: int
    # None for formats that carry no pathway periods (iCal): the source's periods are left alone.
    periods: list[PeriodDraft] | None = None
    # Stays the feed says were cancelled: their periods go even from an incremental feed.
    withdrawn_periods: list[str] = field(default_factory=list)


def ingest_payload(
    session: Session,
    *,
    source: Source,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    today: dt.date | None = None,
    snapshot: bool = True,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Record ``payload`` as a new import of ``source`` and apply it.

    ``snapshot=False`` applies the feed as an increment: nothing absent from it is
    deleted (an incremental FHIR pull returns only what changed). ``limits``: what
    the feed may claim (``FeedLimits.from_settings``).
    """
    now = utc_now()
    errors: list[FeedError]
    prepared: _Prepared | None = None
    # The establishment's rules in force and the sessions classified by hand win over the rules.
    rules = active_rule_set(session, source.establishment_id)
    manual = manual_for_source(session, source.id, rules.version)
    try:
        with collector_paused():
            prepared = _prepare(
                source,
                payload,
                protection.pseudonymiser,
                today or now.date(),
                rules,
                manual,
                limits,
            )
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
            content_type=content_type
            if snapshot or INCREMENTAL_PARAMETER in content_type
            else f"{content_type}; {INCREMENTAL_PARAMETER}",
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
        with collector_paused():
            _apply(session, source, feed_import, prepared, outcome, now, snapshot=snapshot)
            establishment = EstablishmentRepository(session).get(source.establishment_id)
            if establishment is not None:
                invalidate_after_write(session, establishment, outcome.touched_starts)
                if outcome.periods_created or outcome.periods_updated or outcome.periods_deleted:
                    refresh_pathway_flags(session, establishment)
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
        periods_created=outcome.periods_created,
        periods_updated=outcome.periods_updated,
        periods_deleted=outcome.periods_deleted,
        snapshot=snapshot,
    )
    return outcome


def replay_import(
    session: Session,
    *,
    source: Source,
    feed_import: FeedImport,
    protection: DataProtection,
    today: dt.date | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Apply a stored payload again, as a new import (after a fix of the parser or rules).

    An import that was applied as an increment is replayed as one.
    """
    return ingest_payload(
        session,
        source=source,
        payload=protection.vault.open(feed_import.payload_sealed),
        content_type=feed_import.content_type,
        protection=protection,
        today=today,
        snapshot=INCREMENTAL_PARAMETER not in feed_import.content_type.replace(" ", ""),
        limits=limits,
    )


def _prepare(
    source: Source,
    payload: bytes,
    pseudonymiser: Pseudonymiser,
    today: dt.date,
    rules: CompiledRuleSet,
    manual: Mapping[ManualKey, Classification],
    limits: FeedLimits,
) -> _Prepared:
    establishment = source.establishment
    timezone = ZoneInfo(establishment.timezone)
    window_start, window_end = expansion_window(source, today)
    paths: list[str] | None = None
    periods: list[PeriodDraft] | None = None
    withdrawn: list[str] = []
    if source.format is FeedFormat.ICAL:
        parsed = parse_ical(
            payload,
            window_start=window_start,
            window_end=window_end,
            default_tz=timezone,
            limits=limits,
        )
        occurrences: list[Occurrence] = parsed.occurrences
        rejected = list(parsed.rejected)
        warnings = parsed.warnings
    elif source.format is FeedFormat.FHIR:
        fhir = parse_fhir(
            payload,
            window_start=window_start,
            window_end=window_end,
            default_tz=timezone,
            limits=limits,
        )
        occurrences, paths = fhir.occurrences, fhir.paths
        rejected = list(fhir.rejected)
        warnings = fhir.warnings
        periods = []
        seen: set[str] = set()
        for stay in fhir.pathway_periods:
            if stay.external_id in seen:
                rejected.append(
                    FeedError(
                        "duplicate stay (same identifier): the first one is kept",
                        path=stay.path,
                        uid=stay.external_id,
                    )
                )
                continue
            seen.add(stay.external_id)
            periods.append(
                PeriodDraft(
                    external_id=stay.external_id,
                    youth_pseudonym=pseudonymiser.pseudonym(
                        PersonKind.YOUTH, stay.youth_identifier.strip()
                    ),
                    status=stay.status,
                    start_date=stay.start_date,
                    end_date=stay.end_date,
                    modality=stay.modality,
                )
            )
        withdrawn = [uid for uid in fhir.withdrawn_periods if uid not in seen]
    else:  # pragma: no cover - every format of FeedFormat is handled above
        raise FeedUnreadable([FeedError(f"{source.format.value} feeds are not supported")])
    youth_pseudonym = source.participant_options.get("youth_pseudonym")
    context = DraftContext(
        timezone=timezone,
        agenda_kind=source.agenda_kind,
        options=ParticipantOptions.from_mapping(source.participant_options),
        pseudonymiser=pseudonymiser,
        youth_pseudonym=youth_pseudonym if isinstance(youth_pseudonym, str) else None,
        rules=rules,
        manual=manual,
    )
    received = len(occurrences)
    drafts, duplicates = _consume_into_drafts(occurrences, context, paths)
    return _Prepared(
        drafts=drafts,
        rejected=rejected + duplicates,
        received=received,
        warnings=warnings,
        periods=periods,
        withdrawn_periods=withdrawn,
    )


def build_drafts(
    occurrences: list[Occurrence], context: DraftContext, *, paths: list[str] | None = None
) -> tuple[list[tuple[Occurrence, SessionDraft]], list[FeedError]]:
    """Each occurrence's draft, the first of each key (UID, recurrence id) only.

    ``paths`` (FHIR) locate each occurrence's resource in the errors; iCal errors
    give the line. ``ditep fhir sessions`` reads a file through this too.
    """
    collector = _DraftCollector(context, paths)
    built = [
        (occurrence, draft)
        for index, occurrence in enumerate(occurrences)
        if (draft := collector.add(index, occurrence)) is not None
    ]
    return built, collector.duplicates


class _DraftCollector:
    """Drafts the occurrences of one feed, keeping the first of each (UID, recurrence id)."""

    def __init__(self, context: DraftContext, paths: list[str] | None) -> None:
        self.builder = DraftBuilder(context)
        self.paths = paths
        self.keys: set[tuple[str, str]] = set()
        self.duplicates: list[FeedError] = []

    def add(self, index: int, occurrence: Occurrence) -> SessionDraft | None:
        draft = self.builder.build(occurrence)
        if draft.key not in self.keys:
            self.keys.add(draft.key)
            return draft
        self.duplicates.append(
            FeedError(
                "duplicate occurrence (same UID and start): the first one is kept"
                if self.paths is None
                else "duplicate resource (same identifier): the first one is kept",
                line=occurrence.line,
                path=None if self.paths is None else self.paths[index],
                uid=occurrence.uid,
            )
        )
        return None


def _consume_into_drafts(
    occurrences: list[Occurrence], context: DraftContext, paths: list[str] | None
) -> tuple[list[SessionDraft], list[FeedError]]:
    """Like ``build_drafts``, but empties ``occurrences`` as it goes, so that a large
    feed's occurrences and drafts are never all in memory together."""
    collector = _DraftCollector(context, paths)
    drafts: list[SessionDraft] = []
    count = len(occurrences)
    occurrences.reverse()
    for index in range(count):
        draft = collector.add(index, occurrences.pop())
        if draft is not None:
            drafts.append(draft)
    return drafts, collector.duplicates


def _apply(
    session: Session,
    source: Source,
    feed_import: FeedImport,
    prepared: _Prepared,
    outcome: ImportOutcome,
    now: dt.datetime,
    *,
    snapshot: bool,
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
    for period in prepared.periods or ():
        people.setdefault((PersonKind.YOUTH, period.youth_pseudonym), None)
    person_ids = PersonRepository(session).ensure(source.establishment_id, people)
    sessions.insert(
        establishment_id=source.establishment_id,
        source_id=source.id,
        import_id=feed_import.id,
        drafts=to_create,
        person_ids=person_ids,
        now=now,
    )
    gone_ids = [session_id for session_id, _digest in existing.values()] if snapshot else []
    outcome.touched_starts = [
        *(draft.start_at for draft in (*to_create, *(draft for _id, draft in to_update))),
        *RollupRepository(session).session_starts(
            [session_id for session_id, _draft in to_update] + gone_ids
        ),
    ]
    sessions.update(import_id=feed_import.id, changes=to_update, person_ids=person_ids, now=now)
    if snapshot:
        sessions.delete(gone_ids)
    outcome.received = prepared.received
    outcome.created = len(to_create)
    outcome.updated = len(to_update)
    outcome.deleted = len(existing) if snapshot else 0
    outcome.rejected = len(prepared.rejected) - prepared.warnings
    if prepared.periods is not None:
        _apply_periods(session, source, feed_import, prepared, person_ids, outcome, snapshot)


def _apply_periods(
    session: Session,
    source: Source,
    feed_import: FeedImport,
    prepared: _Prepared,
    person_ids: dict[PersonKey, int],
    outcome: ImportOutcome,
    snapshot: bool,
) -> None:
    """Upsert the feed's stays as pathway periods of the source (a snapshot deletes the others)."""
    periods = PathwayRepository(session)
    existing = periods.by_external_id(source.id)
    to_create: list[tuple[PeriodDraft, int]] = []
    to_update: list[tuple[int, PeriodDraft, int]] = []
    for draft in prepared.periods or ():
        person_id = person_ids[(PersonKind.YOUTH, draft.youth_pseudonym)]
        known = existing.pop(draft.external_id, None)
        values = (person_id, draft.status, draft.start_date, draft.end_date, draft.modality)
        if known is None:
            to_create.append((draft, person_id))
        elif known[1:] != values:
            to_update.append((known[0], draft, person_id))
    periods.insert(source.id, feed_import.id, to_create)
    periods.update(feed_import.id, to_update)
    gone = [
        period_id
        for external_id, (period_id, *_values) in existing.items()
        if snapshot or external_id in prepared.withdrawn_periods
    ]
    periods.delete(gone)
    outcome.periods_created = len(to_create)
    outcome.periods_updated = len(to_update)
    outcome.periods_deleted = len(gone)


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
