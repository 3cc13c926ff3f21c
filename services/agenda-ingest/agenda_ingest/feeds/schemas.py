"""Response bodies of the feed routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ditep_core.nomenclatures import ImportStatus

if TYPE_CHECKING:
    from agenda_ingest.feeds.service import ImportOutcome


class FeedErrorOut(BaseModel):
    message: str
    line: int | None = Field(default=None, description="Line of the feed (iCalendar)")
    path: str | None = Field(default=None, description="JSON path (FHIR)")
    uid: str | None = None


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
    errors: list[FeedErrorOut]


class ImportRecord(ImportResult):
    received_at: dt.datetime
    processed_at: dt.datetime | None
    content_type: str
    sha256: str
    size_bytes: int


def result_of(outcome: ImportOutcome) -> ImportResult:
    """The answer of a push, a confirmation or the CLI for an import's outcome."""
    window = (
        WindowOut(start=outcome.window_start, end=outcome.window_end)
        if outcome.window_start is not None and outcome.window_end is not None
        else None
    )
    return ImportResult(
        import_id=outcome.import_id,
        source_id=outcome.source_id,
        status=outcome.status,
        received=outcome.received,
        created=outcome.created,
        updated=outcome.updated,
        deleted=outcome.deleted,
        rejected=outcome.rejected,
        unchanged=outcome.unchanged,
        kept=outcome.kept,
        deletions_withheld=outcome.deletions_withheld,
        window=window,
        outside_window=outcome.outside_window,
        stays=StaysOut(
            created=outcome.periods_created,
            updated=outcome.periods_updated,
            deleted=outcome.periods_deleted,
        ),
        superseded_by=outcome.superseded_by,
        pending_deletions=outcome.pending_deletions,
        errors=[FeedErrorOut.model_validate(error) for error in outcome.errors],
    )
