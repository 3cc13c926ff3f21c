"""Queries for pulling: the lease, due sources, the result of a pull."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, or_, select, update
from sqlalchemy.orm import Session

from agenda_ingest.pull.fhir_search import (
    DEFAULT_RESOURCE,
    FULL_EVERY_DAYS_OPTION,
    FULL_EVERY_PULLS_OPTION,
    RESOURCE_OPTION,
    SLOTS_OPTION,
)
from agenda_ingest.sources.service import window_of
from ditep_core.models import Source
from ditep_core.nomenclatures import FeedFormat

# Longer validators than the columns hold are dropped, not cut: a cut ETag never matches.
_MAX_ETAG = 500
_MAX_LAST_MODIFIED = 100


@dataclass(frozen=True, slots=True)
class PullTarget:
    """What a fetch needs, read before the transaction ends (no ORM object escapes it)."""

    source_id: int
    format: FeedFormat
    url: str | None
    credentials_name: str | None
    etag: str | None
    last_modified: str | None
    """iCal: the Last-Modified to send back. FHIR: the ``_lastUpdated`` bound of the next
    search (None: the next pull is a full one, a snapshot)."""
    window: tuple[dt.date, dt.date] | None = None
    fhir_resource: str = DEFAULT_RESOURCE
    disabled: bool = False
    fhir_slots: bool = False
    """The pull searches the source's Slots too (TDDUI presence/absence)."""
    fhir_history: str | None = None
    """Whether the server has ``_history``: "supported", "unsupported", None (not known)."""
    last_full_pull_at: dt.datetime | None = None
    pulls_since_full: int = 0
    full_every_pulls: int | None = None
    full_every_days: int | None = None


class PullRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def target(self, source_id: int, today: dt.date) -> PullTarget | None:
        row = self.session.execute(
            select(
                Source.id,
                Source.format,
                Source.url,
                Source.credentials_name,
                Source.http_etag,
                Source.http_last_modified,
                Source.window_start,
                Source.window_end,
                Source.horizon_days,
                Source.participant_options,
                Source.disabled_at,
                Source.fhir_history,
                Source.last_full_pull_at,
                Source.pulls_since_full,
            ).where(Source.id == source_id)
        ).one_or_none()
        if row is None:
            return None
        options = row.participant_options if isinstance(row.participant_options, dict) else {}
        resource = options.get(RESOURCE_OPTION)
        return PullTarget(
            source_id=row.id,
            format=row.format,
            url=row.url,
            credentials_name=row.credentials_name,
            etag=row.http_etag,
            last_modified=row.http_last_modified,
            window=window_of(row.window_start, row.window_end, row.horizon_days, today),
            fhir_resource=resource if isinstance(resource, str) else DEFAULT_RESOURCE,
            disabled=row.disabled_at is not None,
            fhir_slots=options.get(SLOTS_OPTION) is True,
            fhir_history=row.fhir_history,
            last_full_pull_at=row.last_full_pull_at,
            pulls_since_full=row.pulls_since_full or 0,
            full_every_pulls=_positive(options.get(FULL_EVERY_PULLS_OPTION)),
            full_every_days=_positive(options.get(FULL_EVERY_DAYS_OPTION)),
        )

    def record_fhir_pull(
        self,
        source_id: int,
        *,
        history: str | None,
        full_at: dt.datetime | None,
        incremental: bool,
    ) -> None:
        """What a FHIR pull learned (``history``) and did: a full pull applied at
        ``full_at`` restarts the count of incremental pulls, an incremental one adds one."""
        values: dict[str, Any] = {}
        if history is not None:
            values["fhir_history"] = history
        if full_at is not None:
            values["last_full_pull_at"] = full_at
            values["pulls_since_full"] = 0
        elif incremental:
            values["pulls_since_full"] = Source.pulls_since_full + 1
        if values:
            self.session.execute(
                update(Source)
                .where(Source.id == source_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def acquire_lease(
        self, source_id: int, *, owner: str, now: dt.datetime, expires_at: dt.datetime
    ) -> bool:
        """Take the source's lease if it is free or expired: one conditional UPDATE.

        On PostgreSQL a concurrent taker blocks on the row, then sees the new
        lease and updates nothing; SQLite serialises writers. Either way exactly
        one of two replicas gets rowcount 1.
        """
        statement = (
            update(Source)
            .where(
                Source.id == source_id,
                or_(Source.lease_expires_at.is_(None), Source.lease_expires_at < now),
            )
            .values(lease_owner=owner, lease_expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        return self._rowcount(statement) == 1

    def release_lease(self, source_id: int, *, owner: str) -> bool:
        """Give the lease back, if it is still ours (it may have expired and been taken)."""
        statement = (
            update(Source)
            .where(Source.id == source_id, Source.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        return self._rowcount(statement) == 1

    def due_source_ids(self, now: dt.datetime) -> list[int]:
        """Sources with a URL, not leased, whose interval has passed; never pulled first.

        The interval test is done here in Python: a portable SQL expression
        adding minutes to a timestamp differs between SQLite and PostgreSQL.
        """
        rows = self.session.execute(
            select(Source.id, Source.last_pulled_at, Source.pull_interval_minutes)
            .where(
                Source.url.is_not(None),
                Source.disabled_at.is_(None),
                Source.format.in_((FeedFormat.ICAL, FeedFormat.FHIR)),
                or_(Source.lease_expires_at.is_(None), Source.lease_expires_at < now),
            )
            .order_by(Source.id)
        ).all()
        due = [
            (last_pulled_at, source_id)
            for source_id, last_pulled_at, interval in rows
            if last_pulled_at is None or last_pulled_at + dt.timedelta(minutes=interval) <= now
        ]
        due.sort(key=lambda item: (item[0] is not None, item[0] or now, item[1]))
        return [source_id for _last, source_id in due]

    def record_result(
        self,
        source_id: int,
        *,
        status: str,
        at: dt.datetime,
        error: str | None = None,
        validators: tuple[str | None, str | None] | None = None,
    ) -> None:
        """Store a pull's result; ``validators`` (ETag, Last-Modified) replace the stored ones."""
        values: dict[str, Any] = {
            "last_pulled_at": at,
            "last_pull_status": status,
            "last_pull_error": error,
        }
        if validators is not None:
            etag, last_modified = validators
            values["http_etag"] = etag if etag and len(etag) <= _MAX_ETAG else None
            values["http_last_modified"] = (
                last_modified
                if last_modified and len(last_modified) <= _MAX_LAST_MODIFIED
                else None
            )
        self.session.execute(
            update(Source)
            .where(Source.id == source_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def _rowcount(self, statement: Executable) -> int:
        # An UPDATE's result is a CursorResult; Session.execute is typed as a plain Result.
        result = cast(CursorResult[Any], self.session.execute(statement))
        return result.rowcount


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
