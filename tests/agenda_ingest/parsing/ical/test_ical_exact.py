"""Our occurrences equal those of icalendar 7 + x-wr-timezone + recurring-ical-events 3.

For every file the libraries can read (the public corpus, the samples, the
generated benchmark exports, dirty real-world input), ``ditep ical
occurrences`` prints what ``agenda_ingest.parsing.ical.reference`` computes with the
libraries used directly. Where the libraries fail, we read the file sensibly
or reject it with a located message. The deliberate differences (an event
without UID, a misnamed END, the RECURRENCE-ID of the instances after a
THISANDFUTURE override) are tested below, each with its files (or feed), its
RFC 5545 clause and both outputs.

The fast path must give, field by field, what the library path gives.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import warnings
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from agenda_ingest.parsing.ical.fastpath import parse_fast
from agenda_ingest.parsing.ical.occurrences_json import (
    OccurrenceJson,
    occurrence_json,
    sort_occurrences,
)
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.ical.reference import reference_occurrences
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.parsing.normalised import FeedUnreadable, ParsedFeed
from ditep_cli.main import app
from tests.agenda_ingest.parsing.ical.generator import WINDOW, generate
from tests.conftest import CORPUS_DIR, DATA_DIR, SAMPLES_DIR

PARIS = ZoneInfo("Europe/Paris")
START, END = dt.date(2000, 1, 1), dt.date(2031, 1, 1)
ICAL_CORPUS = CORPUS_DIR / "ical"
DATA_ICAL = DATA_DIR / "ical"

# Deliberate differences: the reference is wrong by RFC 5545 on these files.
# RFC 5545 §3.6.1: in a VEVENT, "dtstamp / uid" are REQUIRED. The libraries
# expand an event without UID (under the UID "None" once normalised); we reject
# it with its line, as a session cannot be stored without its UID.
WITHOUT_UID = {
    "icalendar/tests__events__event_with_recurrence_exdates_on_different_lines.ics": 10,
    "icalendar/fuzzing__corpus__event_with_recurrence_exdates_on_different_lines.ics": 10,
    "icalendar/tests__events__issue_104_mark_events_broken.ics": 1,
    "icalendar/fuzzing__corpus__issue_104_mark_events_broken.ics": 1,
    "icalendar/tests__events__issue_157_removes_trailing_semicolon.ics": 17,
    "icalendar/fuzzing__corpus__issue_157_removes_trailing_semicolon.ics": 17,
    "icalendar/tests__events__rfc_7265_example_4.ics": 1,
    "icalendar/tests__calendars__issue_156_RDATE_with_PERIOD_TZID_khal.ics": 1,
    "icalendar/tests__calendars__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics": 1,
    "icalendar/tests__calendars__issue_722_missing_VTIMEZONE_custom.ics": 1,
    "x-wr-timezone/rdate-hackerpublicradio.in.ics": 12,
    "x-wr-timezone/rdate-hackerpublicradio.out.ics": 12,
}
# RFC 5545 §3.4 (an iCalendar object ends with "END:VCALENDAR") and §3.6 (a
# component ends with END and its own name): icalendar closes the calendar on
# "END:VCALENDARD" and reads on; we reject the file at that line.
MISNAMED_END = {
    "icalendar/tests__calendars__timezone_same_start_and_offset.ics": 1,
    "icalendar/fuzzing__corpus__timezone_same_start_and_offset.ics": 1,
}
DELIBERATE = {**WITHOUT_UID, **MISNAMED_END}


def _corpus_files() -> list[str]:
    if not ICAL_CORPUS.is_dir():
        return []
    return sorted(str(path.relative_to(ICAL_CORPUS)) for path in ICAL_CORPUS.rglob("*.ics"))


def _sample_files() -> list[Path]:
    return sorted(SAMPLES_DIR.glob("*.ics"))


def _reference(
    data: bytes, start: dt.date = START, end: dt.date = END, tz: ZoneInfo = PARIS
) -> list[OccurrenceJson]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the libraries warn about is not the point here
        return reference_occurrences(data, start, end, tz)


def _ours(
    data: bytes, start: dt.date = START, end: dt.date = END, tz: ZoneInfo = PARIS
) -> list[OccurrenceJson]:
    """What ``ditep ical occurrences`` prints, as objects, in its order."""
    parsed = parse_ical(data, window_start=start, window_end=end, default_tz=tz)
    return [occurrence_json(occurrence) for occurrence in parsed.occurrences]


def assert_exact(
    data: bytes, start: dt.date = START, end: dt.date = END, tz: ZoneInfo = PARIS
) -> list[OccurrenceJson]:
    """Ours equals the reference, in the CLI's order, and the fast path equals the library path."""
    ours = _ours(data, start, end, tz)
    assert ours == sort_occurrences(ours)
    assert ours == _reference(data, start, end, tz)
    assert_same_paths(data, start, end, tz)
    return ours


def assert_same_paths(
    data: bytes, start: dt.date = START, end: dt.date = END, tz: ZoneInfo = PARIS
) -> ParsedFeed | None:
    """Where the fast path reads a feed, every field equals the library path's."""
    fast = parse_fast(data, window_start=start, window_end=end, default_tz=tz, limits=FeedLimits())
    if fast is None:
        return None
    library = parse_ical(data, window_start=start, window_end=end, default_tz=tz, fast=False)
    assert len(fast.occurrences) == len(library.occurrences)
    for ours, theirs in zip(fast.occurrences, library.occurrences, strict=True):
        assert ours == theirs
    assert fast.rejected == library.rejected
    assert (fast.events_read, fast.warnings) == (library.events_read, library.warnings)
    return fast


# -- the public corpus -----------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", [name for name in _corpus_files() if name not in DELIBERATE])
def test_corpus_file_equals_the_reference(name: str) -> None:
    """Every corpus file but the deliberate differences, tested below."""
    data = (ICAL_CORPUS / name).read_bytes()
    try:
        reference = _reference(data)
    except Exception:  # the reference fails: we must read it sensibly or reject it
        _assert_read_sensibly_or_rejected(data)
        return
    ours = _ours(data)
    assert ours == sort_occurrences(ours)
    assert ours == reference
    assert_same_paths(data)


def _assert_read_sensibly_or_rejected(data: bytes) -> None:
    try:
        parsed = parse_ical(data, window_start=START, window_end=END, default_tz=PARIS)
    except FeedUnreadable as unreadable:
        errors = unreadable.errors
        assert errors
        assert all(error.message for error in errors)
        return
    # What made the libraries fail is reported, and what we read is well formed.
    assert parsed.rejected
    for occurrence in parsed.occurrences:
        assert occurrence.uid
        json_form = occurrence_json(occurrence)
        assert str(json_form["end"]) >= str(json_form["start"])


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "expected"), sorted(WITHOUT_UID.items()))
def test_deliberate_difference_event_without_uid(name: str, expected: int) -> None:
    """RFC 5545 §3.6.1, "uid" is REQUIRED in a VEVENT: we reject the event, they expand it."""
    _check_without_uid((ICAL_CORPUS / name).read_bytes(), expected)


def _check_without_uid(data: bytes, expected: int) -> None:
    reference = _reference(data)
    without_uid = [occurrence for occurrence in reference if occurrence["uid"] == "None"]
    assert len(without_uid) == expected
    parsed = parse_ical(data, window_start=START, window_end=END, default_tz=PARIS)
    missing = [error for error in parsed.rejected if error.message == "missing UID"]
    assert missing
    assert all(error.line is not None and error.uid is None for error in missing)
    # Everything else is the same.
    ours = [occurrence_json(occurrence) for occurrence in parsed.occurrences]
    assert ours == [occurrence for occurrence in reference if occurrence["uid"] != "None"]


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "expected"), sorted(MISNAMED_END.items()))
def test_deliberate_difference_misnamed_end(name: str, expected: int) -> None:
    """RFC 5545 §3.4 and §3.6: "END:VCALENDARD" does not close the calendar.

    The libraries give the occurrences; we reject the file at that line.
    """
    _check_misnamed_end((ICAL_CORPUS / name).read_bytes(), expected)


def _check_misnamed_end(data: bytes, expected: int) -> None:
    assert len(_reference(data)) == expected
    with pytest.raises(FeedUnreadable) as raised:
        parse_ical(data, window_start=START, window_end=END, default_tz=PARIS)
    error = raised.value.errors[0]
    assert "END:VCALENDARD" in error.message
    assert error.line == data.splitlines().index(b"END:VCALENDARD") + 1


# -- hand-written documents (tests/data/ical): the corpus's cases, in a plain clone ------


def test_handwritten_recurrences_equal_the_reference_on_both_paths() -> None:
    """RRULE with BYDAY and UNTIL, EXDATE on two lines, RDATE, a moved occurrence
    (RECURRENCE-ID), a night across the DST change, all-day, DURATION, UTC, floating times
    under X-WR-TIMEZONE, a cancelled monthly series."""
    data = (DATA_ICAL / "recurrences.ics").read_bytes()
    ours = assert_exact(data)
    assert len(ours) == HANDWRITTEN_OCCURRENCES
    assert {occurrence["uid"] for occurrence in ours} == {
        "weekly-exdates@tests.example",
        "dst-night@tests.example",
        "all-day@tests.example",
        "duration-utc@tests.example",
        "floating@tests.example",
    }


HANDWRITTEN_OCCURRENCES = 19


def test_handwritten_deliberate_difference_event_without_uid() -> None:
    _check_without_uid((DATA_ICAL / "without-uid.ics").read_bytes(), 3)


def test_handwritten_deliberate_difference_misnamed_end() -> None:
    _check_misnamed_end((DATA_ICAL / "misnamed-end.ics").read_bytes(), 1)


THIS_AND_FUTURE = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//EN",
        "BEGIN:VEVENT",
        "UID:weekly",
        "DTSTAMP:20250101T000000Z",
        "DTSTART;TZID=Europe/Paris:20250303T140000",
        "DTEND;TZID=Europe/Paris:20250303T150000",
        "RRULE:FREQ=WEEKLY;COUNT=5",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:weekly",
        "DTSTAMP:20250101T000000Z",
        "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20250317T140000",
        "DTSTART;TZID=Europe/Paris:20250317T160000",
        "DTEND;TZID=Europe/Paris:20250317T170000",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
).encode()


def test_deliberate_difference_recurrence_id_after_thisandfuture() -> None:
    """RFC 5545 §3.8.4.4: RECURRENCE-ID is the DTSTART of the original instance.

    The feed (no corpus file has RANGE=THISANDFUTURE): a weekly series moved
    from 14:00 to 16:00 from its third instance on. The library gives the third,
    fourth and fifth instances the override's RECURRENCE-ID; we give each its
    original start (a session is stored under its UID and recurrence id).
    """
    starts = [
        "2025-03-03T13:00:00Z",
        "2025-03-10T13:00:00Z",
        "2025-03-17T15:00:00Z",
        "2025-03-24T15:00:00Z",
        "2025-03-31T14:00:00Z",  # 16:00 in Paris, summer time
    ]
    reference = _reference(THIS_AND_FUTURE)
    assert [o["start"] for o in reference] == starts
    assert [o["recurrence_id"] for o in reference] == [
        "2025-03-03T13:00:00Z",
        "2025-03-10T13:00:00Z",
        "2025-03-17T13:00:00Z",
        "2025-03-17T13:00:00Z",
        "2025-03-17T13:00:00Z",
    ]
    ours = _ours(THIS_AND_FUTURE)
    assert [o["start"] for o in ours] == starts
    assert [o["recurrence_id"] for o in ours] == [
        "2025-03-03T13:00:00Z",
        "2025-03-10T13:00:00Z",
        "2025-03-17T13:00:00Z",
        "2025-03-24T13:00:00Z",
        "2025-03-31T12:00:00Z",  # 14:00 in Paris, as the rule gave it
    ]
    assert [{**o, "recurrence_id": None} for o in ours] == [
        {**o, "recurrence_id": None} for o in reference
    ]


# -- the samples and the generated exports ---------------------------------------


@pytest.mark.parametrize("path", _sample_files(), ids=lambda path: path.name)
@pytest.mark.parametrize(
    "window",
    [(START, END), (dt.date(2025, 3, 10), dt.date(2025, 3, 21))],
    ids=["wide", "narrow"],
)
def test_sample_equals_the_reference_and_takes_the_fast_path(
    path: Path, window: tuple[dt.date, dt.date]
) -> None:
    data = path.read_bytes()
    assert assert_exact(data, *window)
    assert assert_same_paths(data, *window) is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "expected"),
    [({"youth": 25, "recurring": False}, 5_000), ({"recurring": True}, 20_000)],
    ids=["flat", "rrule"],
)
def test_generated_export_equals_the_reference_and_takes_the_fast_path(
    options: dict[str, Any], expected: int
) -> None:
    """The benchmark's exports (the flat one smaller: the same shape, 5,000 events)."""
    data = generate(**options)
    assert len(assert_exact(data, *WINDOW)) == expected
    assert assert_same_paths(data, *WINDOW) is not None


# -- dirty real-world input --------------------------------------------------------


def _calendar(*lines: str, eol: str = "\r\n") -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR", ""]
    return eol.join(body).encode()


def _event(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250301T000000Z", *lines, "END:VEVENT"]


MARCH = (dt.date(2025, 3, 1), dt.date(2025, 4, 1))


def test_byte_order_mark_and_lf_line_ends() -> None:
    data = b"\xef\xbb\xbf" + _calendar(
        *_event("a", "DTSTART;TZID=Europe/Paris:20250310T090000", "DURATION:PT45M"), eol="\n"
    )
    (only,) = assert_exact(data, *MARCH)
    assert (only["start"], only["end"]) == ("2025-03-10T08:00:00Z", "2025-03-10T08:45:00Z")
    assert assert_same_paths(data, *MARCH) is not None


def test_windows_zone_names_are_read_as_their_iana_zone() -> None:
    """Outlook writes TZID="Romance Standard Time" (Paris), with or without its VTIMEZONE."""
    event = _event(
        "outlook",
        'DTSTART;TZID="Romance Standard Time":20250310T090000',
        'DTEND;TZID="Romance Standard Time":20250310T100000',
        "RRULE:FREQ=WEEKLY;COUNT=4",
    )
    vtimezone = [
        "BEGIN:VTIMEZONE",
        "TZID:Romance Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    expected = ["2025-03-10T08:00:00Z", "2025-03-17T08:00:00Z", "2025-03-24T08:00:00Z"]
    expected.append("2025-03-31T07:00:00Z")  # summer time from 30 March
    for data in (_calendar(*event), _calendar(*vtimezone, *event)):
        ours = assert_exact(data)
        assert [occurrence["start"] for occurrence in ours] == expected
        assert assert_same_paths(data) is not None


def test_fold_cut_inside_a_utf8_character() -> None:
    folded = b"SUMMARY:S\xc3\r\n \xa9ance orthophonie"
    data = _calendar(*_event("u", "DTSTART:20250310T090000Z")).replace(
        b"DTSTAMP", folded + b"\r\nDTSTAMP"
    )
    parsed = parse_ical(data, window_start=MARCH[0], window_end=MARCH[1], default_tz=PARIS)
    assert parsed.occurrences[0].summary == "Séance orthophonie"
    assert (
        parse_ical(data, window_start=MARCH[0], window_end=MARCH[1], default_tz=PARIS, fast=False)
        == parsed
    )
    assert_exact(data, *MARCH)


def test_unknown_properties_are_kept_or_ignored() -> None:
    data = _calendar(
        *_event(
            "x",
            "DTSTART:20250310T090000Z",
            "X-DUI-STATUT:REALISE",
            "X-VENDOR-NOTE:a\\, b",
            "FOO-BAR;X-P=1:anything",
            "X-TWICE:1",
            "X-TWICE:2",
        )
    )
    assert assert_exact(data, *MARCH)
    parsed = assert_same_paths(data, *MARCH)
    assert parsed is not None
    # X- properties as written (icalendar does not unescape an unknown value);
    # a repeated one is left out.
    assert parsed.occurrences[0].properties == {
        "X-DUI-STATUT": "REALISE",
        "X-VENDOR-NOTE": "a\\, b",
    }


def test_text_escapes_quoted_parameters_and_lowercase_names() -> None:
    data = _calendar(
        *_event(
            "texts",
            "dtstart;tzid=Europe/Paris:20250310T090000",
            "summary:Synth\\\\èse\\, PPA\\; bilan\\nsuite",
            "CATEGORIES:SOIN\\,SESSAD,ACCUEIL-JOUR",
            "categories:  EXTRA ",
            'ORGANIZER;CN="Martin, Claire: éducatrice";X-DUI-FONCTION=educatrice:mailto:c@x.fr',
            'ATTENDEE;DELEGATED-TO="mailto:a@x.fr","mailto:b@x.fr";cn=Noah P.:urn:uuid:1',
            "ATTENDEE;CUTYPE=INDIVIDUAL ; ROLE = REQ-PARTICIPANT:mailto:d\\,e@x.fr",
        )
    )
    assert assert_exact(data, *MARCH)
    parsed = assert_same_paths(data, *MARCH)
    assert parsed is not None
    (occurrence,) = parsed.occurrences
    assert occurrence.summary == "Synth\\èse, PPA; bilan\nsuite"
    assert occurrence.categories == ("SOIN,SESSAD", "ACCUEIL-JOUR", "EXTRA")
    organizer, delegating, spaced = occurrence.participants
    assert organizer.params == {
        "CN": "Martin, Claire: éducatrice",
        "X-DUI-FONCTION": "educatrice",
    }
    assert delegating.params["DELEGATED-TO"] == "['mailto:a@x.fr', 'mailto:b@x.fr']"
    assert delegating.params["CN"] == "Noah P."
    assert spaced.params == {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT"}
    assert spaced.identifier == "mailto:d,e@x.fr"


def test_endless_rrule_expands_only_inside_the_window() -> None:
    data = _calendar(
        *_event(
            "endless",
            "DTSTART;TZID=Europe/Paris:20200106T090000",
            "DTEND;TZID=Europe/Paris:20200106T100000",
            "RRULE:FREQ=DAILY",
        )
    )
    assert len(assert_exact(data, *MARCH)) == 31
    assert len(assert_exact(data)) == 4013  # 2020-01-06 to 2030-12-31


def test_exdate_and_recurrence_id_in_another_zone_than_dtstart() -> None:
    data = _calendar(
        *_event(
            "weekly",
            "DTSTART;TZID=Europe/Paris:20250303T140000",
            "DTEND;TZID=Europe/Paris:20250303T150000",
            "RRULE:FREQ=WEEKLY;COUNT=5",
            "EXDATE:20250310T130000Z",  # 14:00 Paris, in UTC
            "EXDATE;TZID=America/New_York:20250317T090000",  # 14:00 Paris, in New York
        ),
        *_event(
            "weekly",
            "RECURRENCE-ID:20250324T130000Z",  # the 24th, 14:00 Paris, in UTC
            "DTSTART;TZID=Europe/Paris:20250325T100000",
            "DTEND;TZID=Europe/Paris:20250325T110000",
            "STATUS:CANCELLED",
        ),
    )
    ours = assert_exact(data, *MARCH)
    assert [(o["start"], o["recurrence_id"]) for o in ours] == [
        ("2025-03-03T13:00:00Z", "2025-03-03T13:00:00Z"),
        ("2025-03-25T09:00:00Z", "2025-03-24T13:00:00Z"),
        ("2025-03-31T12:00:00Z", "2025-03-31T12:00:00Z"),
    ]
    parsed = assert_same_paths(data, *MARCH)
    assert parsed is not None
    # A cancelled override stays an occurrence, with its status (as the library keeps it).
    assert [o.status for o in parsed.occurrences] == ["", "CANCELLED", ""]


@pytest.mark.parametrize(
    "until",
    ["20250317T130000Z", "20250317T140000", "20250317", "20250318T000000Z"],
    ids=["utc", "floating", "date", "utc-midnight"],
)
def test_until_in_another_zone_than_dtstart(until: str) -> None:
    data = _calendar(
        *_event(
            "until",
            "DTSTART;TZID=Europe/Paris:20250303T140000",
            "DTEND;TZID=Europe/Paris:20250303T150000",
            f"RRULE:FREQ=WEEKLY;UNTIL={until}",
        )
    )
    ours = assert_exact(data, *MARCH)
    assert ours[0]["start"] == "2025-03-03T13:00:00Z"
    assert len(ours) in (2, 3)
    assert assert_same_paths(data, *MARCH) is not None


def test_duplicated_uids_keep_the_highest_sequence_or_the_first() -> None:
    data = _calendar(
        *_event("dup", "DTSTART:20250310T090000Z", "SUMMARY:first"),
        *_event("dup", "DTSTART:20250311T090000Z", "SUMMARY:second"),
        *_event("seq", "DTSTART:20250310T090000Z", "SEQUENCE:1", "SUMMARY:old"),
        *_event("seq", "DTSTART:20250312T090000Z", "SEQUENCE:2", "SUMMARY:new"),
    )
    assert assert_exact(data, *MARCH)
    parsed = assert_same_paths(data, *MARCH)
    assert parsed is not None
    assert [(o.uid, o.summary) for o in parsed.occurrences] == [("dup", "first"), ("seq", "new")]


def test_floating_times_follow_the_tz_option() -> None:
    data = _calendar(*_event("f", "DTSTART:20250310T090000", "DTEND:20250310T100000"))
    new_york = ZoneInfo("America/New_York")
    (only,) = assert_exact(data, *MARCH, tz=new_york)
    assert only["start"] == "2025-03-10T13:00:00Z"


def test_google_x_wr_timezone() -> None:
    data = _calendar(
        "X-WR-TIMEZONE:Europe/Paris",
        *_event("g", "DTSTART:20250303T130000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;COUNT=5"),
        *_event("h", "DTSTART;VALUE=DATE:20250312"),
    )
    ours = assert_exact(data, *MARCH)
    # 14:00 Paris every week: the same wall time after the change to summer time.
    assert [o["start"] for o in ours if o["uid"] == "g"][-1] == "2025-03-31T12:00:00Z"
    assert next(o for o in ours if o["uid"] == "h")["all_day"] is True
    assert assert_same_paths(data, *MARCH) is not None


# -- the command ---------------------------------------------------------------------


def test_command_prints_the_reference_as_json_lines(offline_cli: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "rrule.ics"
    feed.write_bytes(generate(youth=5, recurring=True))
    result = offline_cli.invoke(
        app,
        ["ical", "occurrences", str(feed), "--start", "2024-09-01", "--end", "2025-09-01"],
    )
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert printed == _reference(feed.read_bytes(), *WINDOW)
    assert all(
        list(line) == ["uid", "start", "end", "all_day", "recurrence_id"] for line in printed
    )


def test_command_rejects_an_unreadable_file_with_its_line(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    feed = tmp_path / "broken.ics"
    feed.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n")
    result = offline_cli.invoke(app, ["ical", "occurrences", str(feed)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{feed}:4: 'END:VCALENDAR' does not close" in result.stderr
    assert "Traceback" not in result.output


def test_command_checks_the_size_before_reading(
    offline_cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DITEP_MAX_FEED_BYTES", "100")
    feed = tmp_path / "big.ics"
    feed.write_bytes(generate(youth=1))
    result = offline_cli.invoke(app, ["ical", "occurrences", str(feed)])
    assert result.exit_code == 1
    assert "over the limit of 100 bytes" in result.stderr


def test_command_refuses_bad_options(offline_cli: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "feed.ics"
    feed.write_bytes(generate(youth=1))
    for options in (["--start", "2025-13-01"], ["--tz", "Mars/Olympus"]):
        result = offline_cli.invoke(app, ["ical", "occurrences", str(feed), *options])
        assert result.exit_code == 2
        assert "Traceback" not in result.output


# -- random feeds ------------------------------------------------------------------

RANDOM_ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    '"Romance Standard Time"',
    None,  # floating
    "Z",
    "DATE",
]


def _random_moment(rng: random.Random, kind: str | None, near: dt.datetime) -> tuple[str, str]:
    """(parameters, value) of a DATE, a floating, a UTC or a zoned time near ``near``."""
    moment = near + dt.timedelta(days=rng.randrange(-20, 40), hours=rng.choice([0, 2, 9, 23]))
    if rng.random() < 0.1:
        moment = dt.datetime(2025, 3, 30, 2, 30)  # does not exist in Paris
    if kind == "DATE":
        return ";VALUE=DATE", f"{moment:%Y%m%d}"
    if kind == "Z":
        return "", f"{moment:%Y%m%dT%H%M%S}Z"
    return ("" if kind is None else f";TZID={kind}"), f"{moment:%Y%m%dT%H%M%S}"


def _random_feed(rng: random.Random) -> bytes:
    lines: list[str] = []
    if rng.random() < 0.15:
        lines.append("X-WR-TIMEZONE:America/New_York")
    near = dt.datetime(2025, 3, 1, 14)
    for number in range(rng.randrange(1, 5)):
        kind = rng.choice(RANDOM_ZONES)
        params, value = _random_moment(rng, kind, near)
        event = [f"DTSTART{params}:{value}"]
        if rng.random() < 0.5:
            end_kind = kind if rng.random() < 0.8 else rng.choice(RANDOM_ZONES)
            if (end_kind == "DATE") == (kind == "DATE"):
                end_params, end_value = _random_moment(rng, end_kind, near)
                event.append(f"DTEND{end_params}:{end_value}")
        elif rng.random() < 0.5:
            event.append("DURATION:" + rng.choice(["PT1H", "P1D", "PT0S", "P2DT3H"]))
        if rng.random() < 0.6:
            rule = "FREQ=" + rng.choice(["DAILY", "WEEKLY", "MONTHLY"])
            rule += rng.choice(["", ";INTERVAL=2", ";BYDAY=MO,WE", ";BYDAY=-1FR"])
            until_kind = rng.choice(["Z", None, "DATE"])
            until = _random_moment(rng, until_kind, near + dt.timedelta(days=20))[1]
            rule += rng.choice(["", f";COUNT={rng.randrange(1, 12)}", f";UNTIL={until}"])
            event.append(f"RRULE:{rule}")
        for name, chance in (("EXDATE", 0.4), ("RDATE", 0.2), ("RECURRENCE-ID", 0.25)):
            if rng.random() < chance:
                # Same wall time as DTSTART a few days later, sometimes in UTC.
                shifted = dt.datetime.strptime(value[:8], "%Y%m%d") + dt.timedelta(
                    days=rng.choice([0, 1, 7, 14])
                )
                if kind == "DATE":
                    event.append(f"{name};VALUE=DATE:{shifted:%Y%m%d}")
                else:
                    event.append(f"{name}{params}:{shifted:%Y%m%d}{value[8:]}")
        if rng.random() < 0.2:
            event.append(f"SEQUENCE:{rng.randrange(3)}")
        if rng.random() < 0.2:
            event.append("STATUS:CANCELLED")
        lines += _event(f"u{rng.randrange(3)}", *event, f"SUMMARY:n{number}")
    return _calendar(*lines)


@pytest.mark.parametrize("seed", range(60))
def test_random_feeds_equal_the_reference_on_both_paths(seed: int) -> None:
    rng = random.Random(seed)
    for _feed in range(4):
        data = _random_feed(rng)
        window = rng.choice([MARCH, (dt.date(2025, 3, 30), dt.date(2025, 3, 31))])
        parsed = parse_ical(data, window_start=window[0], window_end=window[1], default_tz=PARIS)
        assert_same_paths(data, *window)
        if not parsed.rejected:
            assert _ours(data, *window) == _reference(data, *window)
