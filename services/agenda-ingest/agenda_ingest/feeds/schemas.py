"""Response bodies of the feed routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from ditep_core.nomenclatures import ImportStatus


class FeedErrorOut(BaseModel):
    message: str
    line: int | None = Field(default=None, description="Line of the feed (iCalendar)")
    path: str | None = Field(default=None, description="JSON path (FHIR)")
    uid: str | None = None


class ImportResult(BaseModel):
    import_id: int
    source_id: int
    status: ImportStatus
    received: int = Field(description="Occurrences read in the source's window")
    created: int
    updated: int
    deleted: int = Field(description="Sessions of this source absent from this snapshot")
    rejected: int = Field(description="Events or occurrences that could not be used")
    unchanged: int
    errors: list[FeedErrorOut]


class ImportRecord(ImportResult):
    received_at: dt.datetime
    processed_at: dt.datetime | None
    content_type: str
    sha256: str
    size_bytes: int
