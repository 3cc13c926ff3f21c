"""What one event and one feed may claim (agenda_ingest.parsing.limits, docs/feeds.md "Limits").

Past a per-event limit the event is rejected with its iCal line or FHIR JSON
path and the rest of the feed is applied; past a per-feed limit the feed is
unreadable (a 422 problem naming the limit and where). Both iCal paths (fast and
library) say the same. The peak memory of parsing the largest accepted feed is
measured in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agenda_ingest.parsing.fhir.parser import ParsedFhirFeed, parse_fhir
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import DEFAULT_LIMITS, FeedLimits
from agenda_ingest.parsing.normalised import FeedUnreadable, ParsedFeed
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from tests.agenda_ingest.parsing.feed_limits_rss import fhir_feed, ical_feed
from tests.conftest import REPO_ROOT, KeyMaker, SampleDitep, make_settings
from tests.http import app_client

PARIS = ZoneInfo("Europe/Paris")
WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
MIB = 1 << 20


def _calendar(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR", ""]
    return "\r\n".join(body).encode()


def _event(uid: str, *lines: str, day: int = 10) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20250101T000000Z",
        f"DTSTART:202503{day:02d}T090000Z",
        f"DTEND:202503{day:02d}T100000Z",
        *lines,
        "END:VEVENT",
    ]


def _attendees(count: int) -> list[str]:
    return [
        f"ATTENDEE;X-DUI-TYPE=USAGER:urn:uuid:00000000-0000-4000-8000-{n:012d}"
        for n in range(count)
    ]


def _ical(data: bytes, limits: FeedLimits = DEFAULT_LIMITS, *, fast: bool = True) -> ParsedFeed:
    return parse_ical(
        data,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        default_tz=PARIS,
        limits=limits,
        fast=fast,
    )


def _both_paths(data: bytes, limits: FeedLimits) -> ParsedFeed:
    """The fast path's reading, checked to be the library path's."""
    fast, library = _ical(data, limits), _ical(data, limits, fast=False)
    assert fast.rejected == library.rejected
    assert fast.occurrences == library.occurrences
    return fast


def _both_paths_refuse(data: bytes, limits: FeedLimits) -> FeedUnreadable:
    with pytest.raises(FeedUnreadable) as fast:
        _ical(data, limits)
    with pytest.raises(FeedUnreadable) as library:
        _ical(data, limits, fast=False)
    assert fast.value.errors == library.value.errors
    return fast.value


# --- iCal: per event -------------------------------------------------------------------


def test_an_event_with_100000_attendees_is_rejected_with_its_line() -> None:
    data = _calendar(
        *_event("fine-1", *_attendees(2)),
        *_event("crowd", *_attendees(100_000), day=11),
        *_event("fine-2", *_attendees(1), day=12),
    )
    parsed = _ical(data)
    (error,) = parsed.rejected
    assert error.uid == "crowd"
    assert error.line == 12  # its BEGIN:VEVENT
    assert error.message == (
        "the event names 100000 participants, more than the limit of 200 "
        "(DITEP_MAX_PARTICIPANTS_PER_EVENT): the event is rejected"
    )
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["fine-1", "fine-2"]
    assert len(parsed.occurrences[0].participants) == 2


def test_the_participant_limit_counts_attendees_and_organizers_on_both_paths() -> None:
    limits = FeedLimits(max_participants_per_event=3)
    data = _calendar(
        *_event("three", *_attendees(2), "ORGANIZER:mailto:a@example.org"),
        *_event("four", *_attendees(3), "ORGANIZER:mailto:a@example.org", day=11),
        # Attendees of an alarm are not the event's.
        *_event(
            "alarm",
            *_attendees(3),
            "BEGIN:VALARM",
            "ACTION:EMAIL",
            "TRIGGER:-PT15M",
            "SUMMARY:rappel",
            "DESCRIPTION:rappel",
            "ATTENDEE:mailto:b@example.org",
            "END:VALARM",
            day=12,
        ),
    )
    parsed = _both_paths(data, limits)
    assert [(error.uid, error.line) for error in parsed.rejected] == [("four", 13)]
    assert "names 4 participants, more than the limit of 3" in parsed.rejected[0].message
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["alarm", "three"]


def test_an_event_with_too_many_properties_is_rejected_on_both_paths() -> None:
    limits = FeedLimits(max_properties_per_event=10)
    many = [f"X-DUI-NOTE-{n}:note" for n in range(7)]
    # UID, DTSTAMP, DTSTART and DTEND, then 6 (8) more.
    data = _calendar(*_event("ten", *many[:6]), *_event("twelve", *many, "SUMMARY:x", day=11))
    parsed = _both_paths(data, limits)
    (error,) = parsed.rejected
    assert (error.uid, error.line) == ("twelve", 16)
    assert error.message == (
        "the event has 12 properties, more than the limit of 10 "
        "(DITEP_MAX_PROPERTIES_PER_EVENT): the event is rejected"
    )
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["ten"]


# --- iCal: per feed --------------------------------------------------------------------


def test_a_feed_with_too_many_events_is_unreadable_at_the_first_one_past_the_limit() -> None:
    data = _calendar(*(line for n in range(4) for line in _event(f"e{n}", day=10 + n)))
    assert len(_both_paths(data, FeedLimits(max_events=4)).occurrences) == 4
    unreadable = _both_paths_refuse(data, FeedLimits(max_events=3))
    (error,) = unreadable.errors
    assert error.line == 4 + 3 * 6  # the fourth BEGIN:VEVENT
    assert error.message == (
        "the feed holds more than 3 events (VEVENT) (DITEP_MAX_EVENTS_PER_FEED): "
        "the feed is rejected"
    )


def test_a_feed_giving_too_many_occurrences_is_unreadable() -> None:
    data = _calendar(
        *_event("weekly", "RRULE:FREQ=WEEKLY;COUNT=8"),
        *_event("daily", "RRULE:FREQ=DAILY;COUNT=5", day=11),
        *_event("single", day=12),
    )
    assert len(_both_paths(data, FeedLimits(max_occurrences=14)).occurrences) == 14
    unreadable = _both_paths_refuse(data, FeedLimits(max_occurrences=13))
    (error,) = unreadable.errors
    assert error.message == (
        "the feed gives more than 13 occurrences in the window once its recurrences are "
        "expanded (DITEP_MAX_OCCURRENCES_PER_FEED): the feed is rejected"
    )


def test_the_recurrence_step_limits_are_named() -> None:
    data = _calendar(*_event("daily", "RRULE:FREQ=DAILY"))
    parsed = _ical(data, FeedLimits(max_recurrence_steps_per_series=100))
    (error,) = parsed.rejected
    assert (error.uid, error.line) == ("daily", 4)
    assert "(DITEP_MAX_RECURRENCE_STEPS_PER_SERIES)" in error.message
    with pytest.raises(FeedUnreadable) as unreadable:
        _ical(data, FeedLimits(max_recurrence_steps=100))
    assert "(DITEP_MAX_RECURRENCE_STEPS_PER_FEED)" in unreadable.value.errors[0].message
    assert unreadable.value.errors[0].line == 4


def test_line_depth_and_listed_dates_limits_are_named_with_their_line() -> None:
    long_line = _calendar(*_event("long", "SUMMARY:" + "x" * 200))
    error = _both_paths_refuse(long_line, FeedLimits(max_line_bytes=100)).errors[0]
    assert (error.line, "(DITEP_MAX_LINE_BYTES)" in error.message) == (9, True)
    nested = _calendar(*_event("alarm", "BEGIN:VALARM", "TRIGGER:-PT5M", "END:VALARM"))
    error = _both_paths_refuse(nested, FeedLimits(max_component_depth=2)).errors[0]
    assert (error.line, "(DITEP_MAX_COMPONENT_DEPTH)" in error.message) == (9, True)
    dates = _calendar(*_event("listed", "RDATE:20250311T090000Z,20250312T090000Z"))
    error = _both_paths_refuse(dates, FeedLimits(max_listed_dates=1)).errors[0]
    assert (error.line, "(DITEP_MAX_LISTED_DATES_PER_EVENT)" in error.message) == (9, True)


# --- FHIR ------------------------------------------------------------------------------


def _patient(number: int) -> dict[str, Any]:
    identifier = {"system": "https://dui.example/usager", "value": f"p{number}"}
    return {"reference": f"Patient/p{number}", "identifier": identifier}


def _encounter(number: int, participants: int = 1) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "identifier": [{"system": "https://dui.example/evt", "value": f"EVN-{number}"}],
        "status": "finished",
        # The reference carries the young person's identifier: no Patient needs to be sent.
        "subject": _patient(1),
        "participant": [
            {"individual": {"reference": f"Practitioner/pr{n}"}} for n in range(participants)
        ],
        "period": {"start": "2025-03-10T09:00:00+01:00", "end": "2025-03-10T10:00:00+01:00"},
    }


def _bundle(*resources: dict[str, Any]) -> bytes:
    entries = [{"resource": resource} for resource in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def _fhir(data: bytes, limits: FeedLimits = DEFAULT_LIMITS) -> ParsedFhirFeed:
    return parse_fhir(
        data, window_start=WINDOW[0], window_end=WINDOW[1], default_tz=PARIS, limits=limits
    )


def test_an_encounter_with_100000_participants_is_rejected_with_its_path() -> None:
    data = _bundle(_encounter(1), _encounter(2, participants=100_000), _encounter(3))
    # Memory rather than seconds (deterministic under load): the participants past
    # the limit are counted, not kept (keeping them all takes about 95 MiB).
    tracemalloc.start()
    try:
        parsed = _fhir(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"allocated {peak >> 20} MiB at the peak"
    (error,) = parsed.rejected
    assert error.path == "entry[1].resource.participant"
    assert error.uid == "https://dui.example/evt|EVN-2"
    assert error.message == (
        "the event names 100000 participants, more than the limit of 200 "
        "(DITEP_MAX_PARTICIPANTS_PER_EVENT): the event is rejected"
    )
    assert [occurrence.uid for occurrence in parsed.occurrences] == [
        "https://dui.example/evt|EVN-1",
        "https://dui.example/evt|EVN-3",
    ]


def test_an_appointment_with_too_many_participants_is_rejected_with_its_path() -> None:
    appointment = {
        "resourceType": "Appointment",
        "id": "rdv1",
        "status": "booked",
        "start": "2025-03-12T14:00:00+01:00",
        "end": "2025-03-12T15:00:00+01:00",
        "participant": [{"actor": _patient(n)} for n in range(3)],
    }
    parsed = _fhir(json.dumps([appointment]).encode(), FeedLimits(max_participants_per_event=2))
    (error,) = parsed.rejected
    assert (error.path, error.uid) == ("[0].participant", "Appointment/rdv1")
    assert parsed.occurrences == []
    assert len(_fhir(json.dumps([appointment]).encode()).occurrences) == 1


def test_a_fhir_body_with_too_many_entries_is_unreadable_at_the_first_one_past() -> None:
    data = _bundle(*(_encounter(number) for number in range(4)))
    assert len(_fhir(data, FeedLimits(max_events=4)).occurrences) == 4
    with pytest.raises(FeedUnreadable) as unreadable:
        _fhir(data, FeedLimits(max_events=3))
    (error,) = unreadable.value.errors
    assert error.path == "entry[3]"
    assert error.message == (
        "the feed holds more than 3 entries (resources) (DITEP_MAX_EVENTS_PER_FEED): "
        "the feed is rejected"
    )
    with pytest.raises(FeedUnreadable) as bare:
        _fhir(
            json.dumps([_encounter(number) for number in range(4)]).encode(),
            FeedLimits(max_events=3),
        )
    assert bare.value.errors[0].path == "[3]"


def test_json_nested_deeper_than_the_decoder_reads_is_unreadable() -> None:
    deep = b'{"resourceType": "Patient", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(FeedUnreadable) as unreadable:
        _fhir(deep)
    (error,) = unreadable.value.errors
    assert error.path == "$"
    assert "nested deeper than the decoder reads" in error.message


def test_a_format_may_have_a_lower_byte_limit() -> None:
    ical = _calendar(*_event("one"))
    assert len(_ical(ical, FeedLimits(max_ical_bytes=len(ical))).occurrences) == 1
    with pytest.raises(FeedUnreadable) as unreadable:
        _ical(ical, FeedLimits(max_ical_bytes=len(ical) - 1))
    assert unreadable.value.errors[0].message == (
        f"the feed is {len(ical)} bytes, more than the limit of {len(ical) - 1} "
        "(DITEP_MAX_ICAL_FEED_BYTES): the feed is rejected"
    )
    fhir = _bundle(_encounter(1))
    assert len(_fhir(fhir, FeedLimits(max_ical_bytes=10, max_fhir_bytes=len(fhir))).occurrences)
    with pytest.raises(FeedUnreadable) as refused:
        _fhir(fhir, FeedLimits(max_fhir_bytes=100))
    assert "(DITEP_MAX_FHIR_FEED_BYTES)" in refused.value.errors[0].message


# --- settings and the API --------------------------------------------------------------


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert FeedLimits.from_settings(Settings()) == DEFAULT_LIMITS
    monkeypatch.setenv("DITEP_MAX_PARTICIPANTS_PER_EVENT", "5")
    monkeypatch.setenv("DITEP_MAX_EVENTS_PER_FEED", "7")
    monkeypatch.setenv("DITEP_MAX_OCCURRENCES_PER_FEED", "11")
    monkeypatch.setenv("DITEP_MAX_FHIR_FEED_BYTES", "1000")
    limits = FeedLimits.from_settings(Settings())
    assert (limits.max_participants_per_event, limits.max_events, limits.max_occurrences) == (
        5,
        7,
        11,
    )
    assert (limits.max_ical_bytes, limits.max_fhir_bytes) == (None, 1000)


def test_pushed_feeds_follow_the_configured_limits(
    settings: Settings, database: object, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    from agenda_ingest.main import create_app

    small = make_settings(
        settings.database_url, max_participants_per_event=3, max_events_per_feed=3
    )
    app = create_app(small, database=database)  # type: ignore[arg-type]
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    headers = {"Content-Type": "text/calendar", **make_key(Scope.FEEDS_WRITE)}
    crowded = _calendar(*_event("fine", *_attendees(3)), *_event("crowd", *_attendees(4), day=11))
    too_many = _calendar(*(line for n in range(4) for line in _event(f"e{n}", day=10 + n)))
    with app_client(app) as client:
        accepted = client.post(url, content=crowded, headers=headers)
        refused = client.post(url, content=too_many, headers=headers)
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["line"] == 13
    assert "DITEP_MAX_PARTICIPANTS_PER_EVENT" in body["errors"][0]["message"]
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/feed-rejected"
    assert problem["errors"][0]["line"] == 22
    assert "DITEP_MAX_EVENTS_PER_FEED" in problem["errors"][0]["message"]


# --- memory ----------------------------------------------------------------------------

# The peak resident memory of a process parsing the largest feed the default limits
# accept (DITEP_MAX_FEED_BYTES of DITEP_MAX_EVENTS_PER_FEED distinct events), as
# docs/feeds.md states it: measured about 295 MiB (iCal) and 485 MiB (FHIR).
FULL_SIZE_PEAK = {"ical": 400 * MIB, "fhir": 640 * MIB}
# The quick run parses a tenth of that feed: the growth it measures (about 7 times the
# feed's bytes for both formats) is bounded as the full size's is.
GROWTH_PER_BYTE = 10
FULL_SIZE = os.environ.get("DITEP_TEST_FULL_SIZE") == "1"


@pytest.mark.parametrize("kind", ["ical", "fhir"])
def test_peak_memory_of_parsing_the_largest_accepted_feed(kind: str, tmp_path: Path) -> None:
    """A tenth of the largest feed by default (a second or two); the whole one (about 10 s)
    with DITEP_TEST_FULL_SIZE=1."""
    divisor = 1 if FULL_SIZE else 10
    max_bytes, events = Settings().max_feed_bytes // divisor, DEFAULT_LIMITS.max_events // divisor
    build = ical_feed if kind == "ical" else fhir_feed
    feed = tmp_path / kind
    feed.write_bytes(build(max_bytes, events))
    run = subprocess.run(
        [sys.executable, "-m", "tests.agenda_ingest.parsing.feed_limits_rss", kind, str(feed)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    measured = json.loads(run.stdout)
    assert measured["rejected"] == 0
    assert measured["occurrences"] == measured["events"] >= events * 0.9
    peak, before = measured["peak_kib"] * 1024, measured["peak_kib_before"] * 1024
    if FULL_SIZE:
        assert peak < FULL_SIZE_PEAK[kind], f"{peak / MIB:.0f} MiB"
    assert peak - before < GROWTH_PER_BYTE * measured["bytes"], f"{(peak - before) / MIB:.0f} MiB"
