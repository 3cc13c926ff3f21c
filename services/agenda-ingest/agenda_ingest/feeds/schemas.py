"""Response bodies of the feed routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ditep_core.nomenclatures import Activity, ImportStatus, Nature, SessionStatus, Setting
from ditep_core.reports import ActivityFigures

if TYPE_CHECKING:
    from agenda_ingest.feeds.service import ImportOutcome


def _unknown(value: object) -> bool:
    return value is None


class FeedErrorOut(BaseModel):
    message: str
    line: int | None = Field(default=None, description="Line of the feed (iCalendar)")
    # The details added for vendors appear only when known, so that the errors of earlier
    # answers keep their shape (message, line, path, uid).
    column: int | None = Field(
        default=None, exclude_if=_unknown, description="Column on that line (unreadable text)"
    )
    path: str | None = Field(default=None, description="JSON path (FHIR)")
    uid: str | None = None
    resource_type: str | None = Field(
        default=None,
        exclude_if=_unknown,
        description="The FHIR resource type (or VEVENT) the error is about",
    )
    title: str | None = Field(
        default=None,
        exclude_if=_unknown,
        description="Its title (label, description, SUMMARY), to find it",
    )


class PendingSession(BaseModel):
    uid: str = Field(description="UID of the session that confirming would delete")
    recurrence_id: str | None = Field(description="Its RECURRENCE-ID (null for a single one)")
    start: str = Field(description="Its start (ISO 8601, as stored)")


class PendingStay(BaseModel):
    stay: str = Field(description="Identifier of the stay (pathway period) it would delete")


class WindowOut(BaseModel):
    start: dt.date = Field(description="First day of the source's window")
    end: dt.date = Field(description="Day after the window (excluded)")


class StaysOut(BaseModel):
    created: int = 0
    updated: int = 0
    deleted: int = 0


class ImportResult(BaseModel):
    import_id: int
    source_id: int
    status: ImportStatus = Field(
        description="processed; needs_confirmation (held by the mass-deletion guard: nothing "
        "written, confirm with POST /v1/imports/{id}/confirm); superseded (a newer snapshot "
        "was applied first: nothing written); failed (unreadable); received (not applied yet)"
    )
    received: int = Field(description="Occurrences read in the source's window")
    created: int
    updated: int
    deleted: int = Field(
        description="Sessions of the window absent from this snapshot (deleted, or that "
        "confirming would delete)"
    )
    rejected: int = Field(description="Events or occurrences that could not be used")
    unchanged: int
    kept: int = Field(
        default=0,
        description="Stored sessions absent from the feed but kept because their event was "
        "rejected in it",
    )
    deletions_withheld: bool = Field(
        default=False,
        description="A rejected event had no identity (UID, id or identifier): nothing was deleted",
    )
    window: WindowOut | None = Field(default=None, description="The window the import applied")
    outside_window: int = Field(
        default=0, description="Events ignored because they lie wholly outside the window"
    )
    stays: StaysOut = Field(default_factory=StaysOut, description="Pathway periods (FHIR stays)")
    superseded_by: int | None = Field(
        default=None, description="The newer import applied first (status superseded)"
    )
    pending_deletions: list[PendingSession | PendingStay] = Field(
        default_factory=list,
        description="needs_confirmation: the sessions (uid, recurrence_id, start) and stays "
        "that confirming would delete (the first 1,000 of each)",
    )
    unclassified: int = Field(
        default=0, description="Sessions of the feed no rule classified (activity unclassified)"
    )
    warnings: list[FeedErrorOut] = Field(
        default_factory=list,
        description="What to check, though nothing was rejected for it: naive times read in "
        "the establishment's zone, UTC times that look local, an undocumented Bundle type, "
        "statuses mapped by default, events outside the window. Warnings never change what "
        "is stored",
    )
    errors: list[FeedErrorOut]


class ImportRecord(ImportResult):
    received_at: dt.datetime
    processed_at: dt.datetime | None
    content_type: str
    sha256: str
    size_bytes: int


def outcome_fields(outcome: ImportOutcome) -> dict[str, Any]:
    """What an import's answer and a push's dry run both tell of an outcome: its status,
    counts, window and stays."""
    window = (
        WindowOut(start=outcome.window_start, end=outcome.window_end)
        if outcome.window_start is not None and outcome.window_end is not None
        else None
    )
    return {
        "status": outcome.status,
        "received": outcome.received,
        "created": outcome.created,
        "updated": outcome.updated,
        "deleted": outcome.deleted,
        "rejected": outcome.rejected,
        "unchanged": outcome.unchanged,
        "kept": outcome.kept,
        "deletions_withheld": outcome.deletions_withheld,
        "window": window,
        "outside_window": outcome.outside_window,
        "stays": StaysOut(
            created=outcome.periods_created,
            updated=outcome.periods_updated,
            deleted=outcome.periods_deleted,
        ),
        "unclassified": outcome.unclassified,
    }


def result_of(outcome: ImportOutcome) -> ImportResult:
    """The answer of a push, a confirmation or the CLI for an import's outcome."""
    return ImportResult(
        **outcome_fields(outcome),
        import_id=outcome.import_id,
        source_id=outcome.source_id,
        superseded_by=outcome.superseded_by,
        pending_deletions=outcome.pending_deletions,
        warnings=[FeedErrorOut.model_validate(error) for error in outcome.warnings],
        errors=[FeedErrorOut.model_validate(error) for error in outcome.errors],
    )


class ImportSummary(BaseModel):
    import_id: int
    status: ImportStatus
    received_at: dt.datetime
    processed_at: dt.datetime | None
    received: int
    created: int
    updated: int
    deleted: int
    rejected: int
    unchanged: int
    unclassified: int
    outside_window: int
    record: str = Field(description="GET this for the whole record (errors, warnings)")


class ImportPage(BaseModel):
    source_id: int
    total: int = Field(description="Imports of the source, in all")
    limit: int
    offset: int
    imports: list[ImportSummary] = Field(description="Newest first")


class PlannedSession(BaseModel):
    uid: str
    recurrence_id: str = Field(description="Original start of the occurrence ('' for a single)")
    start: dt.datetime
    end: dt.datetime
    title: str = Field(description="As the feed gives it (SUMMARY, label, description)")
    change: str = Field(description="created, updated or unchanged")
    status: SessionStatus
    activity: Activity
    setting: Setting
    nature: Nature
    serafin: str | None
    rule: str = Field(description="The rule that decided (or manual:…, or the fallback)")
    rule_set_version: str
    youth: int = Field(description="Young people named (pseudonymised)")
    professionals: int


class MonthFigures(BaseModel):
    month: str = Field(description="YYYY-MM, in the establishment's zone")
    before: ActivityFigures = Field(description="The month's figures as they are")
    after: ActivityFigures = Field(description="The month's figures once the feed is applied")


class PushDryRun(BaseModel):
    """What ``POST /v1/sources/{id}/feed`` would do with this body; nothing was written."""

    dry_run: bool = Field(default=True, description="Always true: nothing was written")
    source_id: int
    status: ImportStatus = Field(
        description="What the push would get: processed, needs_confirmation (the "
        "mass-deletion guard would hold it), superseded (a newer snapshot was applied)"
    )
    received: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    rejected: int
    kept: int
    deletions_withheld: bool
    outside_window: int
    unclassified: int
    window: WindowOut | None
    stays: StaysOut
    deleted_sessions: list[PendingSession] = Field(
        description="The sessions the push would delete (uid, recurrence_id, start)"
    )
    sessions: list[PlannedSession] = Field(
        description="Every session of the feed in the window, as it would be stored"
    )
    months: list[MonthFigures] = Field(
        description="Figures of the months the push changes, before and after (empty when "
        "it would change nothing or be held)"
    )
    warnings: list[FeedErrorOut]
    errors: list[FeedErrorOut] = Field(description="Rejected events (with paths), then notes")
