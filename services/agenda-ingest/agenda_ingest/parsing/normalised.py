"""The format-independent shape of one agenda occurrence, as parsers produce it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ditep_core.nomenclatures import PersonKind


@dataclass(frozen=True, slots=True)
class Participant:
    """One attendee or organiser as the feed gives it (the identifier is still clear here)."""

    identifier: str
    params: dict[str, str] = field(default_factory=dict)
    is_organizer: bool = False
    kind_hint: PersonKind | None = None
    """Set when the format itself says who this is (FHIR Patient / Practitioner)."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of an agenda event.

    ``start``/``end`` are aware UTC datetimes for timed values, dates for
    all-day values (``end`` exclusive). ``recurrence_id`` is the original start
    of the occurrence, in the same form, for every occurrence of a recurring
    event; ``None`` for a single event.
    """

    uid: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    all_day: bool
    recurrence_id: dt.datetime | dt.date | None
    status: str = ""
    summary: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    participants: tuple[Participant, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    codes: tuple[str, ...] = ()
    """Codes the feed states (``system|code``: FHIR types, SERAFIN-PH...); empty for iCal."""


@dataclass(frozen=True, slots=True)
class FeedError:
    """Something in a feed that could not be used, and where it is."""

    message: str
    line: int | None = None
    path: str | None = None
    uid: str | None = None
    column: int | None = None
    resource_type: str | None = None
    """What the error is about: a FHIR resource type (``Encounter``...), or ``VEVENT``."""
    title: str | None = None
    """Its title (a TDDUI label, a description, a SUMMARY), for a person to find it."""

    def as_dict(self) -> dict[str, str | int]:
        data: dict[str, str | int] = {"message": self.message}
        if self.line is not None:
            data["line"] = self.line
        if self.column is not None:
            data["column"] = self.column
        if self.path is not None:
            data["path"] = self.path
        if self.uid is not None:
            data["uid"] = self.uid
        if self.resource_type is not None:
            data["resource_type"] = self.resource_type
        if self.title is not None:
            data["title"] = self.title
        return data


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    occurrences: list[Occurrence]
    rejected: list[FeedError]
    """Events that could not be used, then warnings (which reject nothing)."""
    events_read: int
    warnings: int = 0
    outside_window: int = 0
    """Events (by UID) read, not rejected, none of whose occurrences lies in the window."""


class FeedUnreadable(Exception):
    """The feed cannot be read at all; ``errors`` say where."""

    def __init__(self, errors: list[FeedError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (both from 1, the column in bytes) of ``offset`` in ``data``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def not_utf8(data: bytes, error: UnicodeDecodeError) -> tuple[str, int, int]:
    """Where ``data`` stops being UTF-8, said for a person: (text, line, column)."""
    line, column = byte_position(data, error.start)
    return (
        f"byte 0x{data[error.start]:02X} at line {line}, column {column} (offset "
        f"{error.start}) is not UTF-8 (an export in Latin-1 or Windows-1252? send UTF-8)",
        line,
        column,
    )


def format_moment(value: dt.datetime | dt.date) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for a timed value, ``YYYY-MM-DD`` for a date."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()
