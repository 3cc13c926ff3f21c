"""Pulling a source: lease, fetch with no transaction open, then one write.

1. A short unit of work takes the source's lease (one conditional UPDATE) and
   reads what the fetch needs; it commits, so no transaction stays open.
2. The fetch (retries, backoff, redirects) runs with no connection checked out.
3. One unit of work records the result: nothing on a 304, the ingested feed on
   a body, the error on a failure; the lease is given back in it.

A FHIR source's URL is its server's base: the pull searches Encounter or
Appointment over the source's window (and its Slots, when the source says so;
``agenda_ingest.pull.fhir_search``). The first pull, and any pull after the URL
changed or ``--full``, is a full one, a snapshot; later ones ask only for what
changed since the last one (``_lastUpdated``) and apply it as an increment:
nothing is deleted, a cancelled resource updates its session to cancelled.

An increment cannot see a deleted resource. Before it, the server's history
of each searched type since the same bound is read when the server has one
(its CapabilityStatement says ``history-type``, or ``_history`` answers; 404,
405 or 501 say it has none, remembered in ``source.fhir_history``): a deletion
there makes this pull a full one. Without a history, a full pull is made every
N incremental pulls or days (the source's ``fhir_full_every_pulls`` /
``fhir_full_every_days``; once a day by default). A full pull is a snapshot
like a push, so the mass-deletion guard applies to it.

Unlike the request services, this one drives its own units of work: it is the
single place where the network and the database meet, and the order matters.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from dataclasses import dataclass
from enum import StrEnum

import structlog
from sqlalchemy.orm import Session

from agenda_ingest.feeds.service import ImportOutcome, ingest_feed
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.pull.addresses import NO_EXCEPTIONS, Allowlist, check_pull_url
from agenda_ingest.pull.fetcher import Fetcher, FetchFailed, FetchResult
from agenda_ingest.pull.fhir_search import (
    DEFAULT_FULL_EVERY_DAYS,
    FULL_EVERY_DAYS_OPTION,
    FULL_EVERY_PULLS_OPTION,
    RESOURCE_OPTION,
    SEARCHABLE,
    SLOT,
    SLOTS_OPTION,
    deleted_references,
    history_supported,
    history_url,
    metadata_url,
    next_since,
    search_url,
)
from agenda_ingest.pull.repository import PullRepository, PullTarget
from agenda_ingest.sources.repository import SourceRepository
from ditep_core.db import Database
from ditep_core.metrics.instruments import count_pull_failure
from ditep_core.models import Source, utc_now
from ditep_core.nomenclatures import FeedFormat, ImportStatus, SourceMode
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound, SourceDisabled

logger = structlog.get_logger("ditep.pull")

ICAL_CONTENT_TYPE = "text/calendar"
FHIR_CONTENT_TYPE = "application/fhir+json"


HISTORY_SUPPORTED = "supported"
HISTORY_UNSUPPORTED = "unsupported"


class PullStatus(StrEnum):
    FETCHED = "fetched"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


class SourceBusy(Conflict):
    """Another process holds the source's lease."""


@dataclass(slots=True)
class PullOutcome:
    source_id: int
    status: PullStatus
    error: str | None = None
    attempts: int = 0
    imported: ImportOutcome | None = None
    full: bool | None = None
    """FHIR: whether the pull was a full one (a snapshot); None for iCal."""
    full_reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.status is PullStatus.FAILED


def default_owner() -> str:
    """Who holds a lease: this host and process (a pod's name is its host name)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def pull_source(
    database: Database,
    source_id: int,
    *,
    settings: Settings,
    protection: DataProtection,
    owner: str,
    now: dt.datetime | None = None,
    fetcher: Fetcher | None = None,
) -> PullOutcome:
    """Pull one source now. Raises NotFound, InvalidRequest (no URL) or SourceBusy."""
    now = now or utc_now()
    owner = owner[:100]
    fetcher = fetcher or Fetcher.from_settings(settings)
    expires_at = now + dt.timedelta(seconds=settings.pull_lease_seconds)
    with database.unit_of_work(write=True) as session:
        repository = PullRepository(session)
        acquired = repository.acquire_lease(source_id, owner=owner, now=now, expires_at=expires_at)
        target = repository.target(source_id, now.date())
        if target is None:
            raise NotFound(f"no source {source_id}")
        if target.disabled:
            # Raising rolls the lease back with the rest of this unit of work.
            raise SourceDisabled(f"source {source_id} is disabled: it is not pulled")
        if not acquired:
            raise SourceBusy(f"source {source_id} is being pulled by another process")
        if target.url is None:
            # Raising rolls the lease back with the rest of this unit of work.
            raise InvalidRequest(f"source {source_id} has no URL: it is pushed, not pulled")
    # The lease is committed and no transaction is open: fetch, then write once.
    try:
        return _fetch_and_store(database, target, fetcher, protection, owner, now, settings)
    except Exception as error:
        logger.exception("pull_failed_unexpectedly", source_id=source_id)
        message = f"unexpected {type(error).__name__} while storing the pull; see the logs"
        with database.unit_of_work(write=True) as session:
            repository = PullRepository(session)
            repository.record_result(source_id, status=PullStatus.FAILED, at=now, error=message)
            repository.release_lease(source_id, owner=owner)
        count_pull_failure(source_id)
        return PullOutcome(source_id, PullStatus.FAILED, error=message)
    except BaseException:
        # Interrupted (Ctrl-C, shutdown): try to give the lease back, or it expires.
        try:
            with database.unit_of_work(write=True) as session:
                PullRepository(session).release_lease(source_id, owner=owner)
        except Exception:
            logger.warning("pull_lease_not_released", source_id=source_id)
        raise


def _fetch_and_store(
    database: Database,
    target: PullTarget,
    fetcher: Fetcher,
    protection: DataProtection,
    owner: str,
    now: dt.datetime,
    settings: Settings,
) -> PullOutcome:
    source_id = target.source_id
    assert target.url is not None
    plan: _FhirPlan | None = None
    try:
        if target.format is FeedFormat.FHIR:
            plan = _plan_fhir_pull(fetcher, target, settings, now)
            result = _fetch_fhir(fetcher, target, settings, full=plan.full)
        else:
            result = fetcher.fetch(
                target.url,
                etag=target.etag,
                last_modified=target.last_modified,
                credentials_name=target.credentials_name,
            )
    except FetchFailed as failed:
        logger.warning(
            "pull_fetch_failed",
            source_id=source_id,
            error=failed.message,
            status_code=failed.status_code,
            attempts=failed.attempts,
        )
        with database.unit_of_work(write=True) as session:
            repository = PullRepository(session)
            repository.record_result(
                source_id, status=PullStatus.FAILED, at=now, error=failed.message
            )
            repository.release_lease(source_id, owner=owner)
        count_pull_failure(source_id)
        return PullOutcome(
            source_id, PullStatus.FAILED, error=failed.message, attempts=failed.attempts
        )
    imported: ImportOutcome | None = None
    if not result.not_modified:
        fhir = target.format is FeedFormat.FHIR
        try:
            # Stored, parsed and applied like a push: serialised with the source's pushes.
            imported = ingest_feed(
                database,
                source_id=source_id,
                payload=result.body,
                content_type=FHIR_CONTENT_TYPE if fhir else ICAL_CONTENT_TYPE,
                protection=protection,
                # An incremental search holds only what changed: what it lacks was not deleted.
                snapshot=not fhir or (plan is not None and plan.full),
                limits=FeedLimits.from_settings(settings),
            )
        except NotFound:
            with database.unit_of_work(write=True) as session:
                PullRepository(session).release_lease(source_id, owner=owner)
            return PullOutcome(
                source_id, PullStatus.FAILED, error="the source was deleted during the pull"
            )
    with database.unit_of_work(write=True) as session:
        outcome = _record_pull(session, target, result, imported, now, plan)
        PullRepository(session).release_lease(source_id, owner=owner)
    if outcome.status is PullStatus.FAILED:
        count_pull_failure(source_id)
    logger.info(
        "source_pulled",
        source_id=source_id,
        status=outcome.status.value,
        attempts=result.attempts,
        full=outcome.full,
        full_reason=outcome.full_reason,
    )
    return outcome


@dataclass(frozen=True, slots=True)
class _FhirPlan:
    """What a FHIR pull does: a full search (why) or an increment; what it learned of the
    server's history (None: nothing new)."""

    full: bool
    reason: str | None
    history: str | None


def _plan_fhir_pull(
    fetcher: Fetcher, target: PullTarget, settings: Settings, now: dt.datetime
) -> _FhirPlan:
    """Full or incremental: reads the server's capabilities and history (no transaction)."""
    assert target.url is not None
    since = target.last_modified
    if since is None:
        return _FhirPlan(True, "first pull, or a full one asked for", None)
    history = target.fhir_history
    due = _reconciliation_due(target, now, history)
    if due is not None:
        return _FhirPlan(True, due, None)
    if history is None:
        capabilities = fetcher.fetch_capabilities(
            metadata_url(target.url), credentials_name=target.credentials_name
        )
        said = history_supported(capabilities, target.fhir_resource) if capabilities else None
        if said is False:
            history = HISTORY_UNSUPPORTED
    if history != HISTORY_UNSUPPORTED:
        for resource_type in _searched_types(target):
            answer = fetcher.fetch_fhir_history(
                history_url(
                    target.url, resource_type, since=since, page_size=settings.pull_fhir_page_size
                ),
                credentials_name=target.credentials_name,
                max_pages=settings.pull_fhir_max_pages,
                max_entries=settings.max_events_per_feed,
            )
            if not answer.supported:
                history = HISTORY_UNSUPPORTED
                break
            history = HISTORY_SUPPORTED
            deleted = deleted_references(answer.entries, resource_type)
            if deleted:
                return _FhirPlan(
                    True,
                    f"the server's history shows {len(deleted)} {resource_type} deleted "
                    f"since {since}",
                    history,
                )
    learned = history if history != target.fhir_history else None
    if history == HISTORY_UNSUPPORTED:
        due = _reconciliation_due(target, now, history)
        if due is not None:
            return _FhirPlan(True, due, learned)
    return _FhirPlan(False, None, learned)


def _reconciliation_due(target: PullTarget, now: dt.datetime, history: str | None) -> str | None:
    """Why the periodic full pull is due now, or None."""
    every_pulls, every_days = target.full_every_pulls, target.full_every_days
    if every_pulls is None and every_days is None and history == HISTORY_UNSUPPORTED:
        every_days = DEFAULT_FULL_EVERY_DAYS
    if every_pulls is not None and target.pulls_since_full >= every_pulls:
        return f"{target.pulls_since_full} incremental pulls since the last full one"
    if every_days is not None:
        last = target.last_full_pull_at
        if last is None:
            return "no full pull recorded yet"
        if last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        if now - last >= dt.timedelta(days=every_days):
            return f"the last full pull is older than {every_days} day(s)"
    return None


def _searched_types(target: PullTarget) -> list[str]:
    return [target.fhir_resource, *([SLOT] if target.fhir_slots else [])]


def _fetch_fhir(
    fetcher: Fetcher, target: PullTarget, settings: Settings, *, full: bool
) -> FetchResult:
    assert target.url is not None
    assert target.window is not None
    url, window = target.url, target.window
    since = None if full else target.last_modified
    first, *others = [
        search_url(
            url,
            resource_type,
            window=window,
            since=since,
            page_size=settings.pull_fhir_page_size,
        )
        for resource_type in _searched_types(target)
    ]
    return fetcher.fetch_fhir(
        first,
        also=others,
        credentials_name=target.credentials_name,
        max_pages=settings.pull_fhir_max_pages,
        max_entries=settings.max_events_per_feed,
    )


def _record_pull(
    session: Session,
    target: PullTarget,
    result: FetchResult,
    imported: ImportOutcome | None,
    now: dt.datetime,
    plan: _FhirPlan | None = None,
) -> PullOutcome:
    source_id = target.source_id
    repository = PullRepository(session)
    full = plan.full if plan is not None else None
    full_reason = plan.reason if plan is not None else None
    if imported is None:
        # A 304 may carry fresher validators; otherwise keep the ones that matched.
        validators = (result.etag or target.etag, result.last_modified or target.last_modified)
        repository.record_result(
            source_id, status=PullStatus.NOT_MODIFIED, at=now, validators=validators
        )
        return PullOutcome(source_id, PullStatus.NOT_MODIFIED, attempts=result.attempts, full=full)
    fhir = target.format is FeedFormat.FHIR
    applied = imported.status is ImportStatus.PROCESSED
    status, error = PullStatus.FETCHED, None
    kept: tuple[str | None, str | None] = (result.etag, result.last_modified)
    if fhir:
        # The next search asks for what changed since this one; one not applied is asked again.
        since = next_since(result.server_time, now) if applied else target.last_modified
        kept = (None, since)
        repository.record_fhir_pull(
            source_id,
            history=plan.history if plan is not None else None,
            full_at=now if applied and full else None,
            incremental=applied and not full,
        )
    if imported.failed:
        # The validators are kept all the same: the same bytes would fail the same way,
        # and the stored import can be replayed after a fix.
        status = PullStatus.FAILED
        error = f"the feed could not be read; it is stored as import {imported.import_id}"
    elif imported.status is ImportStatus.NEEDS_CONFIRMATION:
        error = (
            f"import {imported.import_id} would delete {imported.deleted} sessions: it waits "
            "for a confirmation (POST /v1/imports/{id}/confirm)"
        )
    elif imported.status is ImportStatus.SUPERSEDED:
        error = f"import {imported.superseded_by}, received later, was applied first"
    repository.record_result(
        source_id,
        status=status,
        at=now,
        error=error,
        validators=kept,
    )
    return PullOutcome(
        source_id,
        status,
        error=error,
        attempts=result.attempts,
        imported=imported,
        full=full,
        full_reason=full_reason,
    )


def pull_due(
    database: Database,
    *,
    settings: Settings,
    protection: DataProtection,
    owner: str,
    now: dt.datetime | None = None,
    fetcher: Fetcher | None = None,
    stop: threading.Event | None = None,
) -> list[PullOutcome]:
    """Pull every source whose interval has passed, one after the other.

    A source leased by another process is skipped (it is being pulled); one
    source's failure is an outcome, never the end of the loop. ``stop`` is
    checked between sources so that a shutdown does not wait for all of them.
    """
    fetcher = fetcher or Fetcher.from_settings(settings)
    with database.unit_of_work(write=True) as session:
        due = PullRepository(session).due_source_ids(now or utc_now())
    outcomes: list[PullOutcome] = []
    for source_id in due:
        if stop is not None and stop.is_set():
            break
        try:
            outcomes.append(
                pull_source(
                    database,
                    source_id,
                    settings=settings,
                    protection=protection,
                    owner=owner,
                    now=now,
                    fetcher=fetcher,
                )
            )
        except (SourceBusy, NotFound):
            # Taken by another replica since the list was read, or deleted: not ours.
            logger.info("pull_skipped", source_id=source_id)
        except Exception as error:
            logger.exception("pull_failed_unexpectedly", source_id=source_id)
            outcomes.append(
                PullOutcome(
                    source_id, PullStatus.FAILED, error=f"unexpected {type(error).__name__}"
                )
            )
    return outcomes


def configure_source(
    session: Session,
    source_id: int,
    *,
    url: str | None = None,
    interval_minutes: int | None = None,
    credentials_name: str | None = None,
    clear_credentials: bool = False,
    fhir_resource: str | None = None,
    fhir_slots: bool | None = None,
    full_every_pulls: int | None = None,
    full_every_days: int | None = None,
    full: bool = False,
    allowlist: Allowlist = NO_EXCEPTIONS,
) -> Source:
    """Set how a source is pulled. Stores a credential set's name, never a secret.

    ``fhir_resource`` (Encounter or Appointment) is what a FHIR source's pull
    searches, ``fhir_slots`` whether it searches the source's Slots too;
    ``full_every_pulls`` / ``full_every_days`` (0: unset) when a full pull is made
    again; ``full`` forgets the validators, so the next pull is a full one.
    A URL whose host is an address that is not allowed (``allowlist``, from
    DITEP_PULL_ALLOWED_HOSTS) or ``localhost`` is refused here already; a host
    name's addresses are checked by every fetch.
    """
    source = SourceRepository(session).get_with_establishment(source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    if fhir_resource is not None:
        if source.format is not FeedFormat.FHIR:
            raise InvalidRequest("only a FHIR source has a resource to search")
        if fhir_resource not in SEARCHABLE:
            raise InvalidRequest(f"a FHIR pull searches {' or '.join(SEARCHABLE)}")
        # A new dict: the JSON column sees the change.
        source.participant_options = {**source.participant_options, RESOURCE_OPTION: fhir_resource}
        full = True
    fhir_options: dict[str, object] = {}
    if fhir_slots is not None:
        fhir_options[SLOTS_OPTION] = fhir_slots
        full = full or fhir_slots
    for key, value in (
        (FULL_EVERY_PULLS_OPTION, full_every_pulls),
        (FULL_EVERY_DAYS_OPTION, full_every_days),
    ):
        if value is not None:
            if value < 0:
                raise InvalidRequest(f"{key} is a number of pulls or days, 0 to unset it")
            fhir_options[key] = value or None
    if fhir_options:
        if source.format is not FeedFormat.FHIR:
            raise InvalidRequest("only a FHIR source has Slots and full pulls to set")
        options = {**source.participant_options, **fhir_options}
        # A new dict: the JSON column sees the change.
        source.participant_options = {k: v for k, v in options.items() if v is not None}
    if full:
        source.http_etag = None
        source.http_last_modified = None
    if url is not None:
        if not url.startswith(("https://", "http://")):
            raise InvalidRequest("the URL must start with https:// (or http://)")
        check_pull_url(url, allowlist)
        if url != source.url:
            # Validators of another URL mean nothing here, nor what its server offers.
            source.http_etag = None
            source.http_last_modified = None
            source.fhir_history = None
        source.url = url
        source.mode = SourceMode.PULL
    if interval_minutes is not None:
        if interval_minutes < 1:
            raise InvalidRequest("the interval is at least 1 minute")
        source.pull_interval_minutes = interval_minutes
    if clear_credentials:
        source.credentials_name = None
    elif credentials_name is not None:
        if not credentials_name or len(credentials_name) > 100:
            raise InvalidRequest("a credential set's name has 1 to 100 characters")
        source.credentials_name = credentials_name
    session.flush()
    return source
