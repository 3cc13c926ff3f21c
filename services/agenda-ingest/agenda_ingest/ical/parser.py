"""Reading an iCalendar feed into occurrences (RFC 5545).

The libraries of the field do the reading (icalendar), the Google time-zone
convention (x-wr-timezone) and the expansion of recurrences
(recurring-ical-events). Around them this module adds what real DUI exports
need: byte-level unfolding (folds cut inside a UTF-8 character), line numbers
for errors, per-event rejection instead of failing the whole file, floating
times read in the establishment's zone, and expansion only inside the source's
window.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

from agenda_ingest.normalised import (
    FeedError,
    FeedUnreadable,
    Occurrence,
    ParsedFeed,
    Participant,
)

_FOLD = re.compile(rb"\r?\n[ \t]")
_LINE_BREAK = re.compile(rb"\r\n|\n|\r")


def parse_ical(
    data: bytes,
    *,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
) -> ParsedFeed:
    """All occurrences starting in [window_start, window_end), with the events rejected.

    What the libraries warn about (a guessed time zone, say) is reported with
    the feed, not lost in the process's warnings.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = _parse(data, window_start, window_end, default_tz)
    notes = sorted({f"warning: {warning.message}" for warning in caught})
    parsed.rejected.extend(FeedError(note) for note in notes)
    return ParsedFeed(
        occurrences=parsed.occurrences,
        rejected=parsed.rejected,
        events_read=parsed.events_read,
        warnings=len(notes),
    )


def _parse(
    data: bytes, window_start: dt.date, window_end: dt.date, default_tz: ZoneInfo
) -> ParsedFeed:
    text, vevent_lines = _prepare(data)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise FeedUnreadable([FeedError(f"not a readable iCalendar file: {error}")]) from error
    if isinstance(calendar, list):
        raise FeedUnreadable([FeedError("more than one VCALENDAR in one feed", line=1)])
    calendar = x_wr_timezone.to_standard(calendar)

    events = list(calendar.walk("VEVENT"))
    rejected: list[FeedError] = []
    usable: list[icalendar.Event] = []
    line_of_uid: dict[str, int] = {}
    for index, event in enumerate(events):
        line = vevent_lines[index] if index < len(vevent_lines) else None
        problem = _check_event(event)
        uid = str(event.get("UID", "")) or None
        if problem is not None:
            rejected.append(FeedError(problem, line=line, uid=uid))
            continue
        if uid is not None and line is not None:
            line_of_uid.setdefault(uid, line)
        usable.append(event)

    # The library stamps a RECURRENCE-ID on every occurrence; only a real series keeps it.
    recurring = {
        str(event["UID"])
        for event in usable
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event
    }
    timezones = list(calendar.walk("VTIMEZONE"))
    occurrences: list[Occurrence] = []
    for uid, expanded in _expand(
        usable, timezones, window_start, window_end, rejected, line_of_uid
    ):
        for component in expanded:
            occurrences.append(
                _to_occurrence(
                    component, uid, default_tz, line_of_uid.get(uid), recurring=uid in recurring
                )
            )
    occurrences.sort(key=lambda occurrence: (occurrence.uid, _sort_key(occurrence.start)))
    return ParsedFeed(occurrences=occurrences, rejected=rejected, events_read=len(events))


def _prepare(data: bytes) -> tuple[str, list[int]]:
    """Unfold at the byte level, decode, and find the line of every ``BEGIN:VEVENT``."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise FeedUnreadable([FeedError("the feed is empty", line=1)])
    vevent_lines: list[int] = []
    first_line: bytes | None = None
    depth: list[tuple[bytes, int]] = []
    for number, raw_line in enumerate(_LINE_BREAK.split(data), start=1):
        line = raw_line.strip()
        if not line or raw_line[:1] in (b" ", b"\t"):
            continue
        if first_line is None:
            first_line = line
            if line.upper() != b"BEGIN:VCALENDAR":
                raise FeedUnreadable(
                    [FeedError("expected 'BEGIN:VCALENDAR' on the first line", line=number)]
                )
        upper = line.upper()
        if upper.startswith(b"BEGIN:"):
            name = upper[6:]
            depth.append((name, number))
            if name == b"VEVENT":
                vevent_lines.append(number)
        elif upper.startswith(b"END:"):
            name = upper[4:]
            if not depth or depth[-1][0] != name:
                expected = depth[-1][0].decode(errors="replace") if depth else "nothing"
                raise FeedUnreadable(
                    [
                        FeedError(
                            f"'END:{name.decode(errors='replace')}' does not close "
                            f"the open component (expected 'END:{expected}')",
                            line=number,
                        )
                    ]
                )
            depth.pop()
    if depth:
        name, number = depth[-1]
        raise FeedUnreadable(
            [FeedError(f"'BEGIN:{name.decode(errors='replace')}' is never closed", line=number)]
        )
    unfolded = _FOLD.sub(b"", data)
    return unfolded.decode("utf-8", errors="replace"), vevent_lines


def _check_event(event: Any) -> str | None:
    errors = getattr(event, "errors", None)
    if errors:
        names = ", ".join(sorted({str(name) for name, _message in errors}))
        return f"unreadable propert{'y' if len(errors) == 1 else 'ies'}: {names}"
    if "UID" not in event:
        return "missing UID"
    if "DTSTART" not in event:
        return "missing DTSTART"
    try:
        start = event["DTSTART"].dt
        if "DTEND" in event:
            end = event["DTEND"].dt
            if type(end) is not type(start) and not (
                isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
            ):
                return "DTSTART and DTEND are not both dates or both date-times"
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        return f"unreadable DTSTART/DTEND: {error}"
    return None


def _expand(
    events: list[icalendar.Event],
    timezones: list[icalendar.Timezone],
    window_start: dt.date,
    window_end: dt.date,
    rejected: list[FeedError],
    line_of_uid: dict[str, int],
) -> Iterable[tuple[str, list[Any]]]:
    """Expand recurrences by UID; a series the library cannot expand is rejected alone."""
    by_uid: dict[str, list[icalendar.Event]] = defaultdict(list)
    for event in events:
        by_uid[str(event["UID"])].append(event)
    try:
        expanded = _between(list(by_uid.values()), timezones, window_start, window_end)
    except Exception:
        expanded = None
    if expanded is not None:
        grouped: dict[str, list[Any]] = defaultdict(list)
        for component in expanded:
            grouped[str(component["UID"])].append(component)
        yield from grouped.items()
        return
    for uid, series in by_uid.items():
        try:
            yield uid, _between([series], timezones, window_start, window_end)
        except Exception as error:
            rejected.append(
                FeedError(
                    f"cannot expand this event's recurrence: {error}",
                    line=line_of_uid.get(uid),
                    uid=uid,
                )
            )


def _between(
    series: list[list[icalendar.Event]],
    timezones: list[icalendar.Timezone],
    window_start: dt.date,
    window_end: dt.date,
) -> list[Any]:
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//ditep//expansion//EN")
    for timezone in timezones:
        calendar.add_component(timezone)
    for events in series:
        for event in events:
            calendar.add_component(event)
    result: list[Any] = recurring_ical_events.of(calendar).between(window_start, window_end)
    return result


def _to_occurrence(
    component: Any, uid: str, default_tz: ZoneInfo, line: int | None, *, recurring: bool
) -> Occurrence:
    start = _moment(component["DTSTART"].dt, default_tz)
    all_day = not isinstance(start, dt.datetime)
    if "DTEND" in component:
        end = _moment(component["DTEND"].dt, default_tz)
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    elif all_day:
        end = start + dt.timedelta(days=1)
    else:
        end = start
    recurrence = component.get("RECURRENCE-ID") if recurring else None
    recurrence_id = _moment(recurrence.dt, default_tz) if recurrence is not None else None
    return Occurrence(
        uid=uid,
        start=start,
        end=end,
        all_day=all_day,
        recurrence_id=recurrence_id,
        status=str(component.get("STATUS", "")).upper(),
        summary=str(component.get("SUMMARY", "")),
        location=str(component.get("LOCATION", "")),
        categories=tuple(_categories(component)),
        participants=tuple(_participants(component)),
        properties={
            str(name).upper(): str(value)
            for name, value in component.items()
            if str(name).upper().startswith("X-") and not isinstance(value, list)
        },
        line=line,
    )


def _moment(value: dt.datetime | dt.date, default_tz: ZoneInfo) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=default_tz)
        return value.astimezone(dt.UTC)
    return value


def _sort_key(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()


def _categories(component: Any) -> list[str]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    result: list[str] = []
    for value in values:
        categories = getattr(value, "cats", None)
        if categories is None:
            result.extend(part.strip() for part in str(value).split(",") if part.strip())
        else:
            result.extend(str(category).strip() for category in categories)
    return result


def _participants(component: Any) -> list[Participant]:
    participants: list[Participant] = []
    for name, is_organizer in (("ORGANIZER", True), ("ATTENDEE", False)):
        raw = component.get(name)
        if raw is None:
            continue
        for value in raw if isinstance(raw, list) else [raw]:
            params = {
                str(key).upper(): str(param) for key, param in getattr(value, "params", {}).items()
            }
            participants.append(
                Participant(identifier=str(value), params=params, is_organizer=is_organizer)
            )
    return participants
