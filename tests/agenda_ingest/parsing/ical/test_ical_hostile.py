"""No input makes the parser expand or allocate without bound.

Each hostile feed is rejected, with a message that says what and where (line,
UID); the recurrence steps it walks and the memory it takes are measured (steps
rather than seconds: a wall-clock limit fails on a loaded machine).
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest

from agenda_ingest.parsing.ical.limits import Budget
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable, ParsedFeed

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_WINDOW = (dt.date(2000, 1, 1), dt.date(2031, 1, 1))
MIB = 1 << 20


def _calendar(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR", ""]
    return "\r\n".join(body).encode()


def _event(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250101T000000Z", *lines, "END:VEVENT"]


def _parse(data: bytes, max_recurrence_steps: int = 1_000_000) -> ParsedFeed:
    return parse_ical(
        data,
        window_start=DEFAULT_WINDOW[0],
        window_end=DEFAULT_WINDOW[1],
        default_tz=PARIS,
        limits=FeedLimits(max_recurrence_steps=max_recurrence_steps),
    )


class Steps:
    """What the expansion did inside a ``bounded`` block, counted on the parser's budget."""

    def __init__(self) -> None:
        self.walked = 0  # periods walked and rule values given (``Budget.spend_step``)
        self.kept = 0  # occurrences kept in the window (``Budget.spend_occurrence``)


@contextmanager
def bounded(max_steps: int | None = None, peak_bytes: int | None = None) -> Iterator[Steps]:
    """Count the recurrence steps of the block; if given, fewer than ``max_steps``
    steps and less than ``peak_bytes`` allocated.

    Steps are counted through the parser's own ``Budget``, which every expansion
    (fast path and library path) charges: a deterministic measure of the work,
    unlike a wall-clock limit that fails under load.
    """
    steps = Steps()
    spend_step, spend_occurrence = Budget.spend_step, Budget.spend_occurrence

    def counted_step(budget: Budget) -> None:
        steps.walked += 1
        spend_step(budget)

    def counted_occurrence(budget: Budget) -> None:
        steps.kept += 1
        spend_occurrence(budget)

    if peak_bytes is not None:
        tracemalloc.start()
    try:
        with (
            patch.object(Budget, "spend_step", counted_step),
            patch.object(Budget, "spend_occurrence", counted_occurrence),
        ):
            yield steps
    finally:
        peak = 0
        if peak_bytes is not None:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    if max_steps is not None:
        assert steps.walked < max_steps, f"walked {steps.walked} steps"
    if peak_bytes is not None:
        assert peak < peak_bytes, f"allocated {peak / MIB:.0f} MiB at the peak"


def _only_rejection(parsed: ParsedFeed, uid: str) -> FeedError:
    (error,) = [error for error in parsed.rejected if error.uid == uid]
    assert error.line is not None
    return error


@pytest.mark.slow
def test_secondly_rule_over_the_default_window_is_rejected() -> None:
    data = _calendar(
        *_event("every-second", "DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY"),
        *_event("fine", "DTSTART:20250310T090000Z"),
    )
    with bounded():
        parsed = _parse(data)
    error = _only_rejection(parsed, "every-second")
    assert "more than 100000 steps" in error.message
    assert error.line == 4
    assert [occurrence.uid for occurrence in parsed.occurrences] == ["fine"]
    with bounded(peak_bytes=64 * MIB):
        parse_ical(
            data,
            window_start=DEFAULT_WINDOW[0],
            window_end=DEFAULT_WINDOW[1],
            default_tz=PARIS,
            fast=False,
        )


def test_huge_count_expands_only_inside_the_window() -> None:
    days_in_window = 2557  # 2024-01-01 to 2030-12-31
    daily = _event("daily", "DTSTART:20240101T090000Z", "RRULE:FREQ=DAILY;COUNT=2000000000")
    # One period walked and one value given per day of the window, the first value
    # after it: the COUNT of two billion is never walked to.
    with bounded(max_steps=2 * days_in_window + 3) as steps:
        parsed = _parse(_calendar(*daily))
    assert len(parsed.occurrences) == days_in_window
    assert steps.kept == days_in_window
    minutely = _event(
        "minutely", "DTSTART:20240101T090000Z", "RRULE:FREQ=MINUTELY;COUNT=2000000000"
    )
    # The window holds 3.7 million minutes: the walk stops at the series' cap
    # (100000 steps per series; the parse walks at most twice that in all).
    with bounded(max_steps=2 * 100_000 + 3) as steps:
        parsed = _parse(_calendar(*minutely))
    assert "more than 100000 steps" in _only_rejection(parsed, "minutely").message
    assert parsed.occurrences == []


def test_rule_that_never_matches_is_rejected_not_walked_to_the_year_9999() -> None:
    data = _calendar(
        *_event("never", "DTSTART:20200101T090000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    )
    with bounded():
        parsed = _parse(data)
    assert "more than 100000 steps" in _only_rejection(parsed, "never").message


def test_seconds_between_allowed_hours_are_not_walked() -> None:
    data = _calendar(
        *_event(
            "spin",
            "DTSTART:20200101T000000Z",
            "RRULE:FREQ=SECONDLY;BYHOUR=3;BYMINUTE=0;BYSECOND=0",
        )
    )
    with bounded():
        parsed = _parse(data)
    assert "not supported" in _only_rejection(parsed, "spin").message


def test_the_whole_feed_has_a_cap_too() -> None:
    series = [
        line
        for index in range(5)
        for line in _event(f"s{index}", "DTSTART:20000101T090000Z", "RRULE:FREQ=DAILY")
    ]
    with bounded(), pytest.raises(FeedUnreadable) as raised:
        _parse(_calendar(*series), max_recurrence_steps=30_000)
    error = raised.value.errors[0]
    assert "more than 30000 steps and occurrences" in error.message
    assert error.uid is not None
    assert error.line is not None
    # Under the cap, the same feed is read.
    assert len(_parse(_calendar(*series)).occurrences) == 5 * 11323


def test_deep_nesting_is_rejected_at_the_first_level_too_deep() -> None:
    data = b"BEGIN:VCALENDAR\r\n" + b"BEGIN:VEVENT\r\n" * 5000 + b"END:VEVENT\r\n" * 5000
    data += b"END:VCALENDAR\r\n"
    with bounded(peak_bytes=64 * MIB), pytest.raises(FeedUnreadable) as raised:
        _parse(data)
    error = raised.value.errors[0]
    assert "nested more than 10 deep" in error.message
    assert error.line == 11


def test_a_line_of_2_mib_is_rejected_with_its_number() -> None:
    data = _calendar(*_event("long", "DTSTART:20250310T090000Z", "SUMMARY:" + "x" * (2 * MIB)))
    with bounded(peak_bytes=64 * MIB), pytest.raises(FeedUnreadable) as raised:
        _parse(data)
    error = raised.value.errors[0]
    assert "longer than 1048576 bytes" in error.message
    assert error.line == 8


def test_a_2_mib_line_folded_in_pieces_is_rejected_too() -> None:
    folded = "\r\n ".join(["SUMMARY:" + "x" * 70] + ["x" * 74] * 30_000)
    data = _calendar(*_event("folded", "DTSTART:20250310T090000Z", folded))
    with bounded(), pytest.raises(FeedUnreadable) as raised:
        _parse(data)
    assert raised.value.errors[0].line == 8


def _exdates(count: int, per_line: int = 5_000) -> list[str]:
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=day) for day in range(count)]
    values = [f"{day:%Y%m%d}T090000Z" for day in days]
    return [
        "EXDATE:" + ",".join(values[index : index + per_line])
        for index in range(0, count, per_line)
    ]


def test_a_huge_number_of_exdates_is_rejected() -> None:
    data = _calendar(
        *_event("exdates", "DTSTART:20000101T090000Z", "RRULE:FREQ=DAILY", *_exdates(200_000))
    )
    with bounded(peak_bytes=256 * MIB), pytest.raises(FeedUnreadable) as raised:
        _parse(data)
    error = raised.value.errors[0]
    assert "lists more than 10000 RDATE/EXDATE values" in error.message
    assert error.line == 11  # the third EXDATE line passes the cap


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "library-path"])
def test_many_exdates_under_the_cap_are_read_quickly(fast: bool) -> None:
    data = _calendar(
        *_event("exdates", "DTSTART:20000101T090000Z", "RRULE:FREQ=DAILY", *_exdates(9_000))
    )
    with bounded():
        parsed = parse_ical(
            data,
            window_start=DEFAULT_WINDOW[0],
            window_end=DEFAULT_WINDOW[1],
            default_tz=PARIS,
            fast=fast,
        )
    assert len(parsed.occurrences) == 11323 - 9_000


@pytest.mark.parametrize(
    "make",
    [
        lambda: _calendar(*_event("r", "DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY")),
        lambda: _calendar(
            *_event("r", "DTSTART:20200101T000000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
        ),
    ],
    ids=["secondly", "never"],
)
def test_the_library_path_is_bounded_as_well(make: Callable[[], bytes]) -> None:
    with bounded():
        parsed = parse_ical(
            make(),
            window_start=DEFAULT_WINDOW[0],
            window_end=DEFAULT_WINDOW[1],
            default_tz=PARIS,
            fast=False,
        )
    assert "more than 100000 steps" in _only_rejection(parsed, "r").message
