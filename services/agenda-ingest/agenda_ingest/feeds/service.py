"""Ingesting one feed payload: store, parse, classify, pseudonymise, apply.

A push or a pull goes through ``ingest_feed`` in two short units of work with the
parsing between them, outside any transaction:

1. **receipt**: the payload is stored (sealed) as an import, status ``received``,
   and committed before anything is parsed: an accepted payload is never lost, even
   if the process dies next (``ditep imports replay`` applies it later);
2. **parsing** (pure, possibly long: no lock, no transaction, no connection held);
3. **application**, under the source's lock (imports of one source are serialised):
   an import received before one already applied, or stamped earlier by the feed
   itself, is ``superseded`` (stored, never applied: the caller gets 409 with the
   newer import's id); a snapshot that would delete more than the source's share of
   its sessions in the window (or all of them) is held as ``needs_confirmation``
   (applied by ``confirm_import``); otherwise the sessions are upserted.

A feed is a snapshot of its source's window by default: a session of the window
absent from it is deleted, unless its event was rejected in this feed (its stored
version is kept), and nothing is deleted when a rejected event cannot be identified.
Sessions outside the window are never deleted. An incremental FHIR pull
(``snapshot=False``) only adds and updates. The same payload twice changes nothing.

``ingest_payload`` does the three steps in the caller's one session (the CLI, the
samples, the benchmarks). Nothing here commits inside a session it was given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import Classification, CompiledRuleSet
from agenda_ingest.feeds.repository import (
    ImportRepository,
    PathwayRepository,
    PersonKey,
    PersonRepository,
    SessionRepository,
    StoredSession,
)
from agenda_ingest.parsing.drafts import DraftBuilder, DraftContext, PeriodDraft, SessionDraft
from agenda_ingest.parsing.fhir.parser import parse_fhir
from agenda_ingest.parsing.fhir.stays import stay_periods
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import DEFAULT_LIMITS, FeedLimits
from agenda_ingest.parsing.memory import collector_paused
from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable, Occurrence, not_utf8
from agenda_ingest.parsing.participants import YOUTH_LINK_KEY_OPTION, ParticipantOptions
from agenda_ingest.rulesets.service import ManualKey, active_rule_set, manual_for_source
from agenda_ingest.sources.repository import SourceRepository
from agenda_ingest.sources.service import check_enabled, expansion_window, get_writable_source
from ditep_core.auth.access import refuse_area_keys
from ditep_core.auth.principal import Principal
from ditep_core.db import Database, Saturated
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.metrics.instruments import count_import
from ditep_core.models import FeedImport, PayloadPurge, Source, utc_now
from ditep_core.nomenclatures import Activity, FeedFormat, ImportStatus, PersonKind
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.problems import Conflict, NotFound, ServiceBusy, UnsupportedMediaType
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import invalidate_after_write, refresh_pathway_flags

logger = structlog.get_logger("ditep.ingest")

ICAL_MEDIA_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
FHIR_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json"})
MEDIA_TYPES = {FeedFormat.ICAL: ICAL_MEDIA_TYPES, FeedFormat.FHIR: FHIR_MEDIA_TYPES}
INCREMENTAL_PARAMETER = "snapshot=false"
"""Added to an import's content type when it was applied as an increment (a FHIR pull with
``_lastUpdated``), so that a replay applies it the same way and deletes nothing."""
PENDING_DELETIONS_SHOWN = 1_000
"""At most this many sessions are listed in a held import's ``pending_deletions``."""


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
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    # Events read whose every occurrence lies outside the window (ignored).
    outside_window: int = 0
    # Stored sessions absent from the feed but kept, because their event was rejected.
    kept: int = 0
    # True when a rejected event had no identity: no session could be deleted safely.
    deletions_withheld: bool = False
    periods_created: int = 0
    periods_updated: int = 0
    periods_deleted: int = 0
    superseded_by: int | None = None
    pending_deletions: list[dict[str, Any]] = field(default_factory=list)
    # Sessions of the feed that no rule classified (activity "unclassified").
    unclassified: int = 0
    # Warnings alone: they reject nothing and change nothing stored.
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # What the import changed, by (UID, recurrence id), for a dry run's answer (not stored).
    created_keys: list[tuple[str, str]] = field(default_factory=list)
    updated_keys: list[tuple[str, str]] = field(default_factory=list)
    deleted_sessions: list[dict[str, Any]] = field(default_factory=list)
    # Start times of the sessions created, updated (before and after) or deleted: their
    # weeks' rollups are marked out of date (ditep_counting.rollups) in the same transaction.
    touched_starts: list[dt.datetime] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is ImportStatus.FAILED

    @classmethod
    def of(cls, feed_import: FeedImport) -> ImportOutcome:
        """The stored result of an import (the feed is not read again)."""
        return cls(
            import_id=feed_import.id,
            source_id=feed_import.source_id,
            status=feed_import.status,
            received=feed_import.received_count,
            created=feed_import.created_count,
            updated=feed_import.updated_count,
            deleted=feed_import.deleted_count,
            rejected=feed_import.rejected_count,
            unchanged=feed_import.unchanged_count,
            errors=list(feed_import.errors),
            window_start=feed_import.window_start,
            window_end=feed_import.window_end,
            outside_window=feed_import.outside_window_count,
            kept=feed_import.kept_count,
            periods_created=feed_import.periods_created_count,
            periods_updated=feed_import.periods_updated_count,
            periods_deleted=feed_import.periods_deleted_count,
            superseded_by=feed_import.superseded_by,
            pending_deletions=list(feed_import.pending_deletions or []),
            unclassified=feed_import.unclassified_count,
            warnings=list(feed_import.warnings or []),
        )


@dataclass(slots=True)
class _Prepared:
    drafts: list[SessionDraft]
    rejected: list[FeedError]
    """Events, resources or stays that could not be used (each counts as rejected)."""
    notes: list[FeedError]
    """Warnings: reported with the import, they reject nothing."""
    received: int
    window: tuple[dt.date, dt.date]
    outside_window: int = 0
    # When the feed says it was made (ordering snapshots beside their receipt).
    stamp: dt.datetime | None = None
    # None for formats that carry no pathway periods (iCal): the source's periods are left alone.
    periods: list[PeriodDraft] | None = None
    # Stays the feed says were cancelled: their periods go even from an incremental feed.
    withdrawn_periods: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _RuleContext:
    """What parsing needs from the database, read at receipt."""

    rules: CompiledRuleSet
    manual: Mapping[ManualKey, Classification]


class IngestGate:
    """At most ``capacity`` feeds parsed and applied at once in this process (each may hold
    a large feed in memory); a push waits ``timeout`` seconds at most for its turn."""

    def __init__(self, capacity: int, timeout: float) -> None:
        self._slots = threading.BoundedSemaphore(capacity)
        self.timeout = timeout

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.timeout):
            raise ServiceBusy("too many feeds are being processed; retry later")
        try:
            yield
        finally:
            self._slots.release()


def imports_page(
    session: Session, principal: Principal, source_id: int, *, limit: int, offset: int
) -> tuple[int, Sequence[FeedImport]]:
    """A source's imports, newest first, for a key that may write to it."""
    get_writable_source(session, principal, source_id)
    return ImportRepository(session).page_for_source(source_id, limit=limit, offset=offset)


def readable_import(session: Session, principal: Principal, import_id: int) -> FeedImport:
    """One import, for a key that may write to its source (404 when there is none)."""
    refuse_area_keys(principal)
    feed_import = ImportRepository(session).get(import_id)
    if feed_import is None:
        raise NotFound(f"no import {import_id}")
    get_writable_source(session, principal, feed_import.source_id, what=f"import {import_id}")
    return feed_import


def check_media_type(source: Source, media_type: str) -> None:
    accepted = MEDIA_TYPES.get(source.format, frozenset())
    if media_type not in accepted:
        raise UnsupportedMediaType(
            f"source {source.id} takes {source.format.label} feeds "
            f"({', '.join(sorted(accepted)) or 'not yet supported'}), not '{media_type or 'none'}'"
        )


def receiving_source(
    session: Session, source_id: int, principal: Principal | None, content_type: str
) -> Source:
    """The source a feed is pushed to, for a push and its dry run alike: one the key may
    write to (any for a trusted caller), enabled, taking the feed's media type."""
    source = _source_for(session, source_id, principal)
    check_enabled(source)
    check_media_type(source, content_type.split(";")[0].strip().lower())
    return source


def ingest_feed(
    database: Database,
    *,
    source_id: int,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    principal: Principal | None = None,
    today: dt.date | None = None,
    snapshot: bool = True,
    allow_mass_delete: bool = False,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Store ``payload`` as an import of the source, then parse and apply it (see the
    module's docstring). ``principal`` None: a trusted caller (a pull, the CLI).

    Raises NotFound (also for another establishment's source) / Forbidden /
    UnsupportedMediaType before anything is stored, and
    ServiceBusy when the database stays busy (the import is then stored, not applied).
    """
    now = utc_now()
    with database.unit_of_work(write=True) as session:
        source = receiving_source(session, source_id, principal, content_type)
        feed_import = _record_receipt(
            session, source, payload, content_type, protection, snapshot=snapshot, now=now
        )
        context = _rule_context(session, source)
        import_id = feed_import.id
    prepared = _prepare_safely(
        source, payload, protection, today or now.date(), context, snapshot=snapshot, limits=limits
    )
    return _apply_in_own_transaction(
        database, source_id, import_id, prepared, allow_mass_delete=allow_mass_delete
    )


def confirm_import(
    database: Database,
    *,
    import_id: int,
    protection: DataProtection,
    principal: Principal | None = None,
    today: dt.date | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Apply an import held by the mass-deletion guard, deletions included.

    Conflict if it is not held (any more), or if a newer snapshot was applied since.
    """
    if principal is not None:
        refuse_area_keys(principal)
    with database.unit_of_work() as session:
        feed_import = ImportRepository(session).get(import_id)
        if feed_import is None:
            raise NotFound(f"no import {import_id}")
        source = _source_for(session, feed_import.source_id, principal, what=f"import {import_id}")
        if feed_import.status is not ImportStatus.NEEDS_CONFIRMATION:
            raise Conflict(
                f"import {import_id} is {feed_import.status.value}, not waiting for confirmation",
                extensions={"import_id": import_id, "import_status": feed_import.status.value},
            )
        payload = protection.vault.open(feed_import.payload_sealed)
        context = _rule_context(session, source)
    prepared = _prepare_safely(
        source, payload, protection, today or utc_now().date(), context, limits=limits
    )
    return _apply_in_own_transaction(
        database, source.id, import_id, prepared, allow_mass_delete=True
    )


def ingest_payload(
    session: Session,
    *,
    source: Source,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    today: dt.date | None = None,
    snapshot: bool = True,
    allow_mass_delete: bool = False,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Record ``payload`` as a new import of ``source`` and apply it, in ``session``.

    ``snapshot=False`` applies the feed as an increment: nothing absent from it is
    deleted (an incremental FHIR pull returns only what changed). ``limits``: what
    the feed may claim (``FeedLimits.from_settings``).
    """
    now = utc_now()
    feed_import = _record_receipt(
        session, source, payload, content_type, protection, snapshot=snapshot, now=now
    )
    prepared = _prepare_safely(
        source,
        payload,
        protection,
        today or now.date(),
        _rule_context(session, source),
        snapshot=snapshot,
        limits=limits,
    )
    return apply_import(session, source.id, feed_import.id, prepared, allow_mass_delete)


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

    An import that was applied as an increment is replayed as one. An import still
    ``received`` (its process stopped before applying it) is applied itself, in place.
    An import whose payload the retention purged cannot be replayed (409).
    """
    if feed_import.payload_purged_at is not None:
        raise Conflict(
            f"import {feed_import.id}: its payload was purged on "
            f"{feed_import.payload_purged_at:%Y-%m-%d} (payload retention)"
        )
    if feed_import.status is ImportStatus.RECEIVED:
        payload = protection.vault.open(feed_import.payload_sealed)
        prepared = _prepare_safely(
            source,
            payload,
            protection,
            today or utc_now().date(),
            _rule_context(session, source),
            snapshot=is_snapshot(feed_import.content_type),
            limits=limits,
        )
        return apply_import(session, source.id, feed_import.id, prepared)
    return ingest_payload(
        session,
        source=source,
        payload=protection.vault.open(feed_import.payload_sealed),
        content_type=feed_import.content_type,
        protection=protection,
        today=today,
        snapshot=is_snapshot(feed_import.content_type),
        limits=limits,
    )


PURGE_BATCH = 500


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day
    when it has fewer days: 31 March minus one month is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    following = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def purge_expired_payloads(
    session: Session, *, retention_months: int, now: dt.datetime
) -> PayloadPurge | None:
    """Empty the sealed payloads of up to ``PURGE_BATCH`` imports received more than
    ``retention_months`` ago, and record which, when, and how many bytes (None: none
    left). The import rows, their counts and errors stay: only the payload goes, so such
    an import can no longer be replayed."""
    received_before = months_before(now, retention_months)
    repository = ImportRepository(session)
    expired = repository.expired_payloads(received_before, PURGE_BATCH)
    if not expired:
        return None
    ids = [import_id for import_id, _size in expired]
    repository.purge_payloads(ids, now)
    purge = PayloadPurge(
        purged_at=now,
        received_before=received_before,
        retention_months=retention_months,
        import_count=len(ids),
        byte_count=sum(size for _import_id, size in expired),
        import_ids=ids,
    )
    repository.record_purge(purge)
    return purge


def is_snapshot(content_type: str) -> bool:
    """Whether an import was received as a snapshot (not marked as an increment)."""
    return INCREMENTAL_PARAMETER not in content_type.replace(" ", "")


def _source_for(
    session: Session, source_id: int, principal: Principal | None, *, what: str | None = None
) -> Source:
    if principal is not None:
        return get_writable_source(session, principal, source_id, what=what)
    source = SourceRepository(session).get_with_establishment(source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return source


def _record_receipt(
    session: Session,
    source: Source,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    *,
    snapshot: bool,
    now: dt.datetime,
) -> FeedImport:
    return ImportRepository(session).add(
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


def _rule_context(session: Session, source: Source) -> _RuleContext:
    # The establishment's rules in force and the sessions classified by hand win over the rules.
    rules = active_rule_set(session, source.establishment_id)
    return _RuleContext(rules, manual_for_source(session, source.id, rules.version))


def _prepare_safely(
    source: Source,
    payload: bytes,
    protection: DataProtection,
    today: dt.date,
    context: _RuleContext,
    *,
    snapshot: bool = True,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> _Prepared | list[FeedError]:
    """The feed parsed and drafted, or the errors that make it unreadable."""
    try:
        with collector_paused():
            return _prepare(
                source,
                payload,
                protection.pseudonymiser,
                today,
                context.rules,
                context.manual,
                snapshot=snapshot,
                limits=limits,
            )
    except FeedUnreadable as unreadable:
        return unreadable.errors
    except Exception:
        # A parser bug must not lose what was sent: keep the payload, say so.
        logger.exception("parser_failed", source_id=source.id)
        return [FeedError("the parser failed unexpectedly; the payload is kept for replay")]


_ICAL_DTSTAMP = re.compile(rb"^DTSTAMP(?:;[^:\r\n]*)?:(\d{8}T\d{6}Z)\r?$", re.MULTILINE)


def ical_stamp(payload: bytes) -> dt.datetime | None:
    """When an iCalendar export says it was made, if it says so unambiguously.

    iCalendar has no export time of its own; an export stamps every event with the same
    ``DTSTAMP`` when it is generated, so a feed whose events all share one UTC
    ``DTSTAMP`` is stamped with it (a feed of differing stamps, none).
    """
    stamps = {match.group(1) for match in _ICAL_DTSTAMP.finditer(payload)}
    if len(stamps) != 1:
        return None
    try:
        return dt.datetime.strptime(stamps.pop().decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _apply_in_own_transaction(
    database: Database,
    source_id: int,
    import_id: int,
    prepared: _Prepared | list[FeedError],
    *,
    allow_mass_delete: bool,
) -> ImportOutcome:
    try:
        with database.unit_of_work(write=True) as session:
            outcome = apply_import(session, source_id, import_id, prepared, allow_mass_delete)
    except ServiceBusy as busy:
        busy.extensions["import_id"] = import_id
        raise
    except Saturated as error:
        raise ServiceBusy(
            f"{error.reason}; the feed is stored as import {import_id} but not applied: "
            "push it again later",
            extensions={"import_id": import_id},
        ) from error
    # Counted once committed: a rolled-back application changed nothing.
    count_import(
        outcome.status.value,
        {
            "created": outcome.created,
            "updated": outcome.updated,
            "deleted": outcome.deleted,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
        },
    )
    return outcome


def apply_import(
    session: Session,
    source_id: int,
    import_id: int,
    prepared: _Prepared | list[FeedError],
    allow_mass_delete: bool = False,
    *,
    rehearsal: bool = False,
) -> ImportOutcome:
    """Apply a received import under its source's lock (see the module's docstring).

    ``rehearsal``: a dry run's, rolled back by the caller (logged as such).
    """
    SourceRepository(session).lock(source_id)
    imports = ImportRepository(session)
    feed_import = imports.get(import_id)
    source = SourceRepository(session).get_with_establishment(source_id)
    if feed_import is None or source is None:
        raise NotFound(f"no import {import_id} of source {source_id}")
    if feed_import.status not in (ImportStatus.RECEIVED, ImportStatus.NEEDS_CONFIRMATION):
        # Applied meanwhile (a replay of the same import): its stored result stands.
        return ImportOutcome.of(feed_import)
    now = utc_now()
    outcome = ImportOutcome(import_id=import_id, source_id=source_id, status=ImportStatus.FAILED)
    if isinstance(prepared, list):
        outcome.errors = [error.as_dict() for error in prepared]
        _record(feed_import, outcome, now)
        return outcome
    outcome.window_start, outcome.window_end = prepared.window
    outcome.outside_window = prepared.outside_window
    outcome.errors = [error.as_dict() for error in (*prepared.rejected, *prepared.notes)]
    outcome.warnings = [error.as_dict() for error in prepared.notes]
    outcome.unclassified = sum(
        1 for draft in prepared.drafts if draft.classification.activity is Activity.UNCLASSIFIED
    )
    if prepared.received == 0 and prepared.outside_window:
        outside = FeedError(
            f"all {prepared.outside_window} events of the feed lie outside the source's "
            f"window [{prepared.window[0]}, {prepared.window[1]}): nothing was read"
        ).as_dict()
        outcome.errors.append(outside)
        outcome.warnings.append(outside)
    elif prepared.outside_window:
        outcome.warnings.append(
            FeedError(
                f"{prepared.outside_window} events lie wholly outside the source's window "
                f"[{prepared.window[0]}, {prepared.window[1]}): they were ignored"
            ).as_dict()
        )
    feed_import.feed_stamp = prepared.stamp
    newer = imports.newer_applied(source_id, import_id, prepared.stamp)
    if newer is not None:
        outcome.status = ImportStatus.SUPERSEDED
        outcome.superseded_by = newer
        outcome.received = prepared.received
        _record(feed_import, outcome, now)
        return outcome
    snapshot = is_snapshot(feed_import.content_type)
    with collector_paused():
        held = _apply(
            session,
            source,
            feed_import,
            prepared,
            outcome,
            now,
            snapshot=snapshot,
            guarded=snapshot and not allow_mass_delete,
        )
        if not held:
            establishment = EstablishmentRepository(session).get(source.establishment_id)
            if establishment is not None:
                invalidate_after_write(session, establishment, outcome.touched_starts)
                if outcome.periods_created or outcome.periods_updated or outcome.periods_deleted:
                    refresh_pathway_flags(session, establishment)
    outcome.status = ImportStatus.NEEDS_CONFIRMATION if held else ImportStatus.PROCESSED
    if not held:
        imports.supersede_pending(source_id, before=import_id, by=import_id)
    if outcome.deletions_withheld:
        # Said in the stored errors too, so that the import's record keeps it.
        outcome.errors.append(
            FeedError(
                "an event was rejected without an identity (UID, id or identifier): "
                "no session was deleted by this snapshot"
            ).as_dict()
        )
    _record(feed_import, outcome, now)
    logger.info(
        "feed_rehearsed" if rehearsal else "feed_ingested",
        source_id=source_id,
        import_id=None if rehearsal else import_id,
        status=outcome.status.value,
        received=outcome.received,
        created=outcome.created,
        updated=outcome.updated,
        deleted=outcome.deleted,
        rejected=outcome.rejected,
        kept=outcome.kept,
        outside_window=outcome.outside_window,
        periods_created=outcome.periods_created,
        periods_updated=outcome.periods_updated,
        periods_deleted=outcome.periods_deleted,
        snapshot=snapshot,
    )
    return outcome


def _prepare(
    source: Source,
    payload: bytes,
    pseudonymiser: Pseudonymiser,
    today: dt.date,
    rules: CompiledRuleSet,
    manual: Mapping[ManualKey, Classification],
    *,
    snapshot: bool = True,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> _Prepared:
    establishment = source.establishment
    pseudonyms = pseudonymiser.for_establishment(establishment.finess)
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
        rejected, notes = _split_notes(parsed.rejected, parsed.warnings)
        outside_window = parsed.outside_window
        stamp = ical_stamp(payload)
        encoding = _encoding_note(payload)
        if encoding is not None:
            notes.append(encoding)
    elif source.format is FeedFormat.FHIR:
        # An increment (incremental pull) may hold nothing; an empty snapshot is unreadable.
        fhir = parse_fhir(
            payload,
            window_start=window_start,
            window_end=window_end,
            default_tz=timezone,
            snapshot=snapshot,
            limits=limits,
        )
        occurrences, paths = fhir.occurrences, fhir.paths
        rejected, notes = _split_notes(fhir.rejected, fhir.warnings)
        outside_window = fhir.outside_window
        stamp = fhir.stamp
        stays = stay_periods(fhir, pseudonyms)
        periods = stays.periods
        rejected += stays.duplicates
        withdrawn = stays.withdrawn
    else:  # pragma: no cover - every format of FeedFormat is handled above
        raise FeedUnreadable([FeedError(f"{source.format.value} feeds are not supported")])
    youth_link_key = source.participant_options.get(YOUTH_LINK_KEY_OPTION)
    context = DraftContext(
        timezone=timezone,
        agenda_kind=source.agenda_kind,
        options=ParticipantOptions.from_mapping(source.participant_options),
        pseudonymiser=pseudonyms,
        youth_link_key=youth_link_key if isinstance(youth_link_key, str) else None,
        rules=rules,
        manual=manual,
    )
    received = len(occurrences)
    drafts, duplicates = _consume_into_drafts(occurrences, context, paths)
    return _Prepared(
        drafts=drafts,
        rejected=rejected + duplicates,
        notes=notes,
        received=received,
        window=(window_start, window_end),
        outside_window=outside_window,
        stamp=stamp,
        periods=periods,
        withdrawn_periods=withdrawn,
    )


def _encoding_note(payload: bytes) -> FeedError | None:
    """An iCal feed that is not UTF-8 is read with replacement characters: say where."""
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as error:
        where, line, column = not_utf8(payload, error)
        return FeedError(
            f"warning: the feed is not UTF-8 text: {where}; such bytes were read as U+FFFD, "
            "the replacement character",
            line=line,
            column=column,
        )
    return None


def _split_notes(
    reported: list[FeedError], warnings: int
) -> tuple[list[FeedError], list[FeedError]]:
    """A parser lists the rejected events, then its ``warnings`` notes."""
    cut = len(reported) - warnings
    return list(reported[:cut]), list(reported[cut:])


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


def _utc_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def _is_mass_deletion(deleted: int, stored: int, share: float) -> bool:
    """More than ``share`` of what was stored, or all of it."""
    return deleted > 0 and (deleted >= stored or deleted > share * stored)


def _apply(
    session: Session,
    source: Source,
    feed_import: FeedImport,
    prepared: _Prepared,
    outcome: ImportOutcome,
    now: dt.datetime,
    *,
    snapshot: bool,
    guarded: bool,
) -> bool:
    """Write the feed's changes; True (nothing written) when the mass-deletion guard holds
    it, with what it would change in ``outcome``."""
    sessions = SessionRepository(session)
    existing = sessions.snapshot_index(source.id)
    zone = ZoneInfo(source.establishment.timezone)
    window_start = _utc_midnight(prepared.window[0], zone)
    window_end = _utc_midnight(prepared.window[1], zone)

    def in_window(stored: StoredSession) -> bool:
        return stored.end_at > window_start and stored.start_at < window_end

    stored_in_window = sum(1 for stored in existing.values() if in_window(stored))
    to_create: list[SessionDraft] = []
    to_update: list[tuple[int, SessionDraft]] = []
    for draft in prepared.drafts:
        known = existing.pop(draft.key, None)
        if known is None:
            to_create.append(draft)
        elif known.content_hash != draft.content_hash:
            to_update.append((known.session_id, draft))
        else:
            outcome.unchanged += 1
    outcome.received = prepared.received
    outcome.rejected = len(prepared.rejected)
    # A rejected event keeps its stored sessions; one that cannot be identified could be
    # any of them, so then nothing is deleted.
    kept_uids = {error.uid for error in prepared.rejected if error.uid is not None}
    outcome.deletions_withheld = snapshot and any(error.uid is None for error in prepared.rejected)
    gone: list[tuple[tuple[str, str], StoredSession]] = []
    if snapshot and not outcome.deletions_withheld:
        for key, stored in existing.items():
            if not in_window(stored):
                continue
            if key[0] in kept_uids:
                outcome.kept += 1
            else:
                gone.append((key, stored))
    elif snapshot:
        outcome.kept = sum(1 for stored in existing.values() if in_window(stored))
    periods = PathwayRepository(session)
    stored_periods = periods.by_external_id(source.id) if prepared.periods is not None else {}
    period_ids = {draft.external_id for draft in prepared.periods or ()}
    gone_periods = [
        external_id
        for external_id in stored_periods
        if external_id not in period_ids
        and (
            external_id in prepared.withdrawn_periods
            or (snapshot and not outcome.deletions_withheld and external_id not in kept_uids)
        )
    ]
    # Sessions of the window and stays together: what the source holds for the window.
    if guarded and _is_mass_deletion(
        len(gone) + len(gone_periods),
        stored_in_window + len(stored_periods),
        source.mass_delete_share,
    ):
        outcome.created, outcome.updated, outcome.deleted = (
            len(to_create),
            len(to_update),
            len(gone),
        )
        outcome.periods_deleted = len(gone_periods)
        outcome.pending_deletions = [
            {"uid": uid, "recurrence_id": rid, "start": stored.start_at.isoformat()}
            for (uid, rid), stored in gone[:PENDING_DELETIONS_SHOWN]
        ] + [{"stay": external_id} for external_id in gone_periods[:PENDING_DELETIONS_SHOWN]]
        return True
    people: dict[PersonKey, str | None] = {}
    link_keys: dict[PersonKey, str] = {}
    for draft in (*to_create, *(draft for _id, draft in to_update)):
        for participant in draft.participants:
            key = (participant.kind, participant.pseudonym)
            people[key] = participant.function or people.get(key)
            link_keys[key] = participant.link_key
    for period in prepared.periods or ():
        key = (PersonKind.YOUTH, period.youth_pseudonym)
        people.setdefault(key, None)
        link_keys[key] = period.youth_link_key
    person_ids = PersonRepository(session).ensure(source.establishment_id, people, link_keys)
    sessions.insert(
        establishment_id=source.establishment_id,
        source_id=source.id,
        import_id=feed_import.id,
        drafts=to_create,
        person_ids=person_ids,
        now=now,
    )
    gone_ids = [stored.session_id for _key, stored in gone]
    outcome.created_keys = [draft.key for draft in to_create]
    outcome.updated_keys = [draft.key for _id, draft in to_update]
    outcome.deleted_sessions = [
        {"uid": uid, "recurrence_id": rid, "start": stored.start_at.isoformat()}
        for (uid, rid), stored in gone
    ]
    outcome.touched_starts = [
        *(draft.start_at for draft in (*to_create, *(draft for _id, draft in to_update))),
        *RollupRepository(session).session_starts(
            [session_id for session_id, _draft in to_update] + gone_ids
        ),
    ]
    sessions.update(import_id=feed_import.id, changes=to_update, person_ids=person_ids, now=now)
    sessions.delete(gone_ids)
    outcome.created = len(to_create)
    outcome.updated = len(to_update)
    outcome.deleted = len(gone_ids)
    if prepared.periods is not None:
        _apply_periods(
            periods,
            source,
            feed_import,
            prepared,
            person_ids,
            outcome,
            stored_periods,
            gone_periods,
        )
    return False


def _apply_periods(
    periods: PathwayRepository,
    source: Source,
    feed_import: FeedImport,
    prepared: _Prepared,
    person_ids: dict[PersonKey, int],
    outcome: ImportOutcome,
    stored: dict[str, Any],
    gone: list[str],
) -> None:
    """Upsert the feed's stays as pathway periods of the source; delete ``gone``."""
    to_create: list[tuple[PeriodDraft, int]] = []
    to_update: list[tuple[int, PeriodDraft, int]] = []
    for draft in prepared.periods or ():
        person_id = person_ids[(PersonKind.YOUTH, draft.youth_pseudonym)]
        known = stored.get(draft.external_id)
        values = (person_id, draft.status, draft.start_date, draft.end_date, draft.modality)
        if known is None:
            to_create.append((draft, person_id))
        elif tuple(known[1:]) != values:
            to_update.append((known[0], draft, person_id))
    periods.insert(source.id, feed_import.id, to_create)
    periods.update(feed_import.id, to_update)
    periods.delete([stored[external_id][0] for external_id in gone])
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
    feed_import.window_start = outcome.window_start
    feed_import.window_end = outcome.window_end
    feed_import.outside_window_count = outcome.outside_window
    feed_import.kept_count = outcome.kept
    feed_import.periods_created_count = outcome.periods_created
    feed_import.periods_updated_count = outcome.periods_updated
    feed_import.periods_deleted_count = outcome.periods_deleted
    feed_import.superseded_by = outcome.superseded_by
    feed_import.pending_deletions = outcome.pending_deletions or None
    feed_import.unclassified_count = outcome.unclassified
    feed_import.warnings = outcome.warnings or None
