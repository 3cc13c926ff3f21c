"""The iCalendar parser on the samples, on dirty input, and on the public corpus."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.normalised import FeedUnreadable, ParsedFeed, format_moment
from tests.conftest import CORPUS_DIR, DATA_DIR, sample_feed

PARIS = ZoneInfo("Europe/Paris")


def parse(
    data: bytes, start: dt.date = dt.date(2025, 3, 1), end: dt.date = dt.date(2025, 4, 1)
) -> ParsedFeed:
    return parse_ical(data, window_start=start, window_end=end, default_tz=PARIS)


def _wrap(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR", ""]
    return "\r\n".join(body).encode()


def test_sample_recurrences_exceptions_and_times() -> None:
    parsed = parse(sample_feed())
    assert parsed.rejected == []
    assert len(parsed.occurrences) == 65
    vad = [o for o in parsed.occurrences if o.uid.startswith("cedres-2025-noah-vad")]
    starts = [format_moment(o.start) for o in vad]
    # The VAD of Wed 19 March moved to Thu 20 March 13:00 Paris (12:00 UTC).
    assert "2025-03-19T13:00:00Z" not in starts
    moved = next(o for o in vad if format_moment(o.start) == "2025-03-20T12:00:00Z")
    assert moved.recurrence_id is not None
    assert format_moment(moved.recurrence_id) == "2025-03-19T13:00:00Z"
    cancelled = [o for o in parsed.occurrences if o.status == "CANCELLED"]
    assert len(cancelled) == 1
    single = next(o for o in parsed.occurrences if o.summary == "Synthèse PPA")
    assert single.recurrence_id is None
    assert (format_moment(single.start), format_moment(single.end)) == (
        "2025-03-14T13:00:00Z",
        "2025-03-14T14:00:00Z",
    )


def test_expansion_stays_inside_the_window() -> None:
    endless = _wrap(
        "BEGIN:VEVENT",
        "UID:endless",
        "DTSTART;TZID=Europe/Paris:20200106T090000",
        "DTEND;TZID=Europe/Paris:20200106T100000",
        "RRULE:FREQ=DAILY",
        "SUMMARY:SESSAD",
        "END:VEVENT",
    )
    parsed = parse(endless)
    assert len(parsed.occurrences) == 31
    assert all(format_moment(o.start) >= "2025-03-01" for o in parsed.occurrences)


def test_dirty_but_readable_input() -> None:
    """BOM, LF line ends, a fold inside a UTF-8 character, floating time, DURATION, all-day."""
    summary = "Séance orthophonie".encode()
    folded = b"SUMMARY:S\xc3\r\n \xa9ance orthophonie"
    assert folded.replace(b"\r\n ", b"") == b"SUMMARY:" + summary
    data = (
        b"\xef\xbb\xbfBEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n"
        b"BEGIN:VEVENT\nUID:a\nDTSTART:20250310T090000\nDURATION:PT45M\n"
        + folded.replace(b"\r\n", b"\n")
        + b"\n"
        b"X-VENDOR-UNKNOWN:whatever\nEND:VEVENT\n"
        b"BEGIN:VEVENT\nUID:b\nDTSTART;VALUE=DATE:20250312\nSUMMARY:Sortie\nEND:VEVENT\n"
        b"END:VCALENDAR\n"
    )
    parsed = parse(data)
    assert parsed.rejected == []
    by_uid = {o.uid: o for o in parsed.occurrences}
    assert by_uid["a"].summary == "Séance orthophonie"
    # Floating 09:00 read in Paris (UTC+1 in March before the DST change).
    assert format_moment(by_uid["a"].start) == "2025-03-10T08:00:00Z"
    assert format_moment(by_uid["a"].end) == "2025-03-10T08:45:00Z"
    assert by_uid["b"].all_day
    assert (format_moment(by_uid["b"].start), format_moment(by_uid["b"].end)) == (
        "2025-03-12",
        "2025-03-13",
    )


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", 1, "empty"),
        (b"hello\r\n", 1, "BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", 3, "END:VEVENT"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 1, "never closed"),
    ],
)
def test_unreadable_files_are_rejected_with_a_line(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(FeedUnreadable) as raised:
        parse(data)
    error = raised.value.errors[0]
    assert error.line == line
    assert fragment in error.message


def _corpus_files() -> list[Path]:
    return sorted((CORPUS_DIR / "ical").rglob("*.ics")) if CORPUS_DIR.is_dir() else []


@pytest.mark.corpus
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda path: path.name)
def test_corpus_file_is_read_or_rejected_cleanly(path: Path) -> None:
    """Every public corpus file gives occurrences or a located error, never a traceback."""
    _assert_read_or_rejected_cleanly(path)


@pytest.mark.parametrize(
    "path", sorted((DATA_DIR / "ical").glob("*.ics")), ids=lambda path: path.name
)
def test_handwritten_file_is_read_or_rejected_cleanly(path: Path) -> None:
    """The same on the documents written for the tests (tests/data/ical), in a plain clone."""
    _assert_read_or_rejected_cleanly(path)


def _assert_read_or_rejected_cleanly(path: Path) -> None:
    try:
        parsed = parse(path.read_bytes(), dt.date(2000, 1, 1), dt.date(2031, 1, 1))
    except FeedUnreadable as unreadable:
        errors = unreadable.errors
        assert errors
        assert all(error.message for error in errors)
        return
    for occurrence in parsed.occurrences:
        assert occurrence.uid
        assert format_moment(occurrence.end) >= format_moment(occurrence.start)


def test_a_line_that_is_not_a_content_line_is_ignored_and_reported() -> None:
    """icalendar skips it and keeps the event, as the reference does; we say which line."""
    data = _wrap(
        "BEGIN:VEVENT",
        "UID:radius",
        "DTSTART:20250310T090000Z",
        "X-APPLE-RADIUS=49.9",
        "END:VEVENT",
    )
    parsed = parse(data)
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["radius"]
    assert parsed.warnings == 1
    (note,) = parsed.rejected
    assert (note.line, note.uid) == (7, "radius")
    assert "not a content line" in note.message


def test_a_broken_property_rejects_the_event_only_when_it_is_needed() -> None:
    data = _wrap(
        "BEGIN:VEVENT",
        "UID:bad-start",
        "DTSTART:2025-03-10",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:bad-stamp",
        "DTSTAMP:yesterday",
        "DTSTART:20250310T090000Z",
        "END:VEVENT",
    )
    parsed = parse(data)
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["bad-stamp"]
    rejected, note = parsed.rejected
    assert (rejected.message, rejected.line, rejected.uid) == (
        "unreadable property: DTSTART",
        4,
        "bad-start",
    )
    assert (note.message, note.line) == ("unreadable property DTSTAMP ignored", 8)
    assert parsed.warnings == 1


def test_library_warnings_are_reported_with_the_feed() -> None:
    data = _wrap(
        "BEGIN:VEVENT",
        "UID:guessed",
        "DTSTART;TZID=/example.org/Europe/Paris:20250310T090000",
        "END:VEVENT",
    )
    import icalendar.timezone

    icalendar.timezone.tzp.use_default()  # a fresh cache: icalendar warns the first time only
    parsed = parse(data)
    assert format_moment(parsed.occurrences[0].start) == "2025-03-10T08:00:00Z"
    assert parsed.warnings == 1
    assert "globally unique TZID" in parsed.rejected[0].message


def test_a_bare_vevent_is_read_as_its_calendar() -> None:
    data = b"BEGIN:VEVENT\r\nUID:bare\r\nDTSTART:20250310T090000Z\r\nEND:VEVENT\r\n"
    assert [occurrence.uid for occurrence in parse(data).occurrences] == ["bare"]


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (_wrap("X-WR-TIMEZONE:Mars/Olympus"), 4, "X-WR-TIMEZONE"),
        (_wrap("CALSCALE:CHINESE"), 4, "Gregorian"),
        (_wrap() + b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 5, "second top-level"),
        (_wrap() + b"SUMMARY:after the end\r\n", 5, "outside of any component"),
    ],
    ids=["x-wr-timezone", "calscale", "two-calendars", "outside"],
)
def test_more_unreadable_files(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(FeedUnreadable) as raised:
        parse(data)
    error = raised.value.errors[0]
    assert (error.line, fragment in error.message) == (line, True), error


def test_the_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        parse(sample_feed(), dt.date(2025, 4, 1), dt.date(2025, 3, 1))
