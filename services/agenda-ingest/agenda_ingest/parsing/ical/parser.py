"""Reading an iCalendar feed into occurrences (RFC 5545).

``parse_ical`` is the one parser: the ingestion and ``ditep ical occurrences``
both call it. It first tries the fast path (``fastpath.parse_fast``), which
reads the common case of DUI exports in a fraction of the time; whatever the
fast path is not sure to read exactly, the library path reads.

The library path is the reference: the libraries of the field do the reading
(icalendar), the Google time-zone convention (x-wr-timezone) and the expansion
of recurrences (recurring-ical-events). Around them this module adds what real
DUI exports need: byte-level unfolding (folds cut inside a UTF-8 character),
line numbers for errors, per-event rejection instead of failing the whole
file, floating times read in the establishment's zone, expansion only inside
the source's window, and limits (``agenda_ingest.parsing.limits.FeedLimits``) so that
no input makes the parser expand or allocate without bound.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.parser.content_line import Contentline
from icalendar.prop import vDDDTypes
from recurring_ical_events.adapters.event import EventAdapter
from recurring_ical_events.series import Series
from recurring_ical_events.util import (
    compare_greater,
    convert_to_date_range,
    convert_to_datetime,
)

from agenda_ingest.classification.links import cue_codes, link_codes
from agenda_ingest.parsing.ical.fastpath import (
    event_problem,
    order_key,
    parse_fast,
    utc_moment,
)
from agenda_ingest.parsing.ical.limits import (
    Budget,
    RecurrenceTooLong,
    iterate_rule,
    limit_problem,
    too_many_occurrences,
)
from agenda_ingest.parsing.limits import (
    DEFAULT_LIMITS,
    FeedLimits,
    check_size,
    too_many_events,
)
from agenda_ingest.parsing.normalised import (
    FeedError,
    FeedUnreadable,
    Occurrence,
    ParsedFeed,
    Participant,
)
from ditep_core.ins import InvalidIns, canonical_ins_uri, ins_uri_parts

__all__ = ["FeedLimits", "parse_ical"]

_FOLD = re.compile(rb"\r?\n[ \t]")
_LINE_BREAK = re.compile(rb"\r\n|\n|\r")
_CONTENT_LINE = re.compile(rb"[A-Za-z0-9-]+[;:]")
_PROPERTY_NAME = re.compile(rb"[^;:]*")
# Properties without which an event cannot be expanded or stored: broken, they reject it.
_ESSENTIAL = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "SEQUENCE"}
)


def parse_ical(
    data: bytes,
    *,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    limits: FeedLimits = DEFAULT_LIMITS,
    fast: bool = True,
) -> ParsedFeed:
    """All occurrences in [window_start, window_end), with the events rejected.

    The occurrences are those recurring-ical-events gives for the window: they
    overlap it (its dates being midnights in the occurrence's own zone) and
    start no earlier than its first day minus the whole days of their duration.
    Events that cannot be used are listed with their line; what the libraries
    warn about (a guessed time zone, say) and the lines ignored inside events
    are reported with the feed (counted in ``warnings``), not lost. A feed that
    cannot be read at all, or whose recurrences would cost more than the caps,
    raises ``FeedUnreadable``.

    ``limits`` (``FeedLimits``, built from the settings by the caller): past a
    per-event limit (participants, properties, recurrence steps of one series)
    the event is rejected with its line; past a per-feed one (events,
    occurrences, recurrence steps in all, nesting, line length, listed dates)
    the feed is unreadable, with the line where the limit was reached.

    ``fast=False`` skips the fast path (the tests compare both paths).
    """
    if window_end < window_start:
        raise ValueError(f"the window ends ({window_end}) before it starts ({window_start})")
    check_size(data, limits.max_ical_bytes, "DITEP_MAX_ICAL_FEED_BYTES")
    if fast:
        refused: FeedUnreadable | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                parsed = parse_fast(
                    data,
                    window_start=window_start,
                    window_end=window_end,
                    default_tz=default_tz,
                    limits=limits,
                )
            except FeedUnreadable as unreadable:  # past the occurrence limit
                parsed, refused = None, unreadable
        # The fast path has nothing to warn about: if a library it calls did, it reports.
        if not caught:
            if refused is not None:
                raise refused
            if parsed is not None:
                return _checked_ins(parsed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed, notes = _parse(data, window_start, window_end, default_tz, limits)
    library_notes = sorted({f"warning: {warning.message}" for warning in caught})
    notes.extend(FeedError(note) for note in library_notes)
    return _checked_ins(
        ParsedFeed(
            occurrences=parsed.occurrences,
            rejected=[*parsed.rejected, *notes],
            events_read=parsed.events_read,
            warnings=len(notes),
            outside_window=parsed.outside_window,
        )
    )


def _checked_ins(parsed: ParsedFeed) -> ParsedFeed:
    """INS attendees in their canonical form (``ditep_core.ins``: 13 characters, the key
    checked); an event with a malformed INS or a wrong key is rejected, all its occurrences."""
    # Occurrences of one event (and identical events) share their participants tuple.
    checked: dict[int, tuple[tuple[Participant, ...], tuple[Participant, ...] | str]] = {}
    bad: dict[str, FeedError] = {}
    kept: list[Occurrence] = []
    for occurrence in parsed.occurrences:
        participants = occurrence.participants
        known = checked.get(id(participants))
        if known is None or known[0] is not participants:
            known = checked[id(participants)] = (participants, _canonical_ins(participants))
        result = known[1]
        if isinstance(result, str):
            if occurrence.uid not in bad:
                bad[occurrence.uid] = FeedError(result, line=occurrence.line, uid=occurrence.uid)
            continue
        kept.append(
            occurrence
            if result is participants
            else dataclasses.replace(occurrence, participants=result)
        )
    if not bad:
        return parsed
    kept = [occurrence for occurrence in kept if occurrence.uid not in bad]
    events = len(parsed.rejected) - parsed.warnings
    return ParsedFeed(
        occurrences=kept,
        rejected=[*parsed.rejected[:events], *bad.values(), *parsed.rejected[events:]],
        events_read=parsed.events_read,
        warnings=parsed.warnings,
        outside_window=parsed.outside_window,
    )


def _canonical_ins(participants: tuple[Participant, ...]) -> tuple[Participant, ...] | str:
    """The participants with their INS in canonical form, or why one of them is not an INS."""
    changed: list[Participant] | None = None
    for index, participant in enumerate(participants):
        try:
            canonical = canonical_ins_uri(participant.identifier)
        except InvalidIns as error:
            parts = ins_uri_parts(participant.identifier)
            prefix = parts[0] if parts is not None else "urn:ins:"
            role = "ORGANIZER" if participant.is_organizer else "ATTENDEE"
            return f"{role} {prefix}…: {error}"
        if canonical is None or canonical == participant.identifier:
            continue
        if changed is None:
            changed = list(participants)
        changed[index] = dataclasses.replace(participant, identifier=canonical)
    return participants if changed is None else tuple(changed)


@dataclass
class _Prepared:
    """The feed unfolded and decoded for icalendar, and what our own pass found in it."""

    text: str
    vevent_lines: list[int]
    """The line of each ``BEGIN:VEVENT``, in the order icalendar walks them."""
    claims: list[tuple[int, int]] = field(default_factory=list)
    """For each event (by index): its participants (ATTENDEE, ORGANIZER) and properties."""
    broken_lines: dict[int, list[int]] = field(default_factory=dict)
    """For an event (by index), the lines in it that are not content lines."""
    x_wr_timezone_line: int | None = None
    calscale: tuple[str, int] | None = None


def _parse(
    data: bytes,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    limits: FeedLimits,
) -> tuple[ParsedFeed, list[FeedError]]:
    prepared = _prepare(data, limits)
    try:
        calendar = icalendar.Calendar.from_ical(prepared.text.encode())
    except Exception as error:  # icalendar raises ValueError, and others on fuzzed input
        raise FeedUnreadable([FeedError(f"not a readable iCalendar file: {error}")]) from error
    if prepared.calscale is not None and prepared.calscale[0] != "GREGORIAN":
        scale, scale_line = prepared.calscale
        raise FeedUnreadable(
            [
                FeedError(
                    f"only Gregorian calendars are supported (CALSCALE:{scale})", line=scale_line
                )
            ]
        )
    try:
        calendar = x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise FeedUnreadable(
            [
                FeedError(
                    f"X-WR-TIMEZONE is not a known time zone: {error}",
                    line=prepared.x_wr_timezone_line,
                )
            ]
        ) from error

    events = list(calendar.walk("VEVENT"))
    rejected: list[FeedError] = []
    notes: list[FeedError] = []
    usable: list[icalendar.Event] = []
    line_of_uid: dict[str, int] = {}
    for index, event in enumerate(events):
        line = prepared.vevent_lines[index] if index < len(prepared.vevent_lines) else None
        uid = str(event.get("UID", "")) or None
        problem = _check_event(event, line, uid, prepared.broken_lines.get(index, []), notes)
        if problem is None and index < len(prepared.claims):
            problem = limit_problem(*prepared.claims[index], limits)
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
    budget = Budget(limits)
    occurrences: list[Occurrence] = []
    outside_window = 0
    for uid, expanded in _expand(
        usable, timezones, window_start, window_end, rejected, line_of_uid, budget
    ):
        outside_window += not expanded
        if len(occurrences) + len(expanded) > limits.max_occurrences:
            raise FeedUnreadable([FeedError(too_many_occurrences(limits))])
        for component in expanded:
            occurrences.append(
                _to_occurrence(
                    component, uid, default_tz, line_of_uid.get(uid), recurring=uid in recurring
                )
            )
    occurrences.sort(key=order_key)
    parsed = ParsedFeed(
        occurrences=occurrences,
        rejected=rejected,
        events_read=len(events),
        outside_window=outside_window,
    )
    return parsed, notes


def _prepare(data: bytes, limits: FeedLimits) -> _Prepared:
    """Check the structure line by line, with the caps; unfold at the byte level and decode.

    A feed that is a bare component (a VEVENT without its VCALENDAR) is read as
    if it were wrapped in one, as icalendar and recurring-ical-events read it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise FeedUnreadable([FeedError("the feed is empty", line=1)])
    prepared = _Prepared(text="", vevent_lines=[])
    state = _Structure(prepared, limits)
    logical: list[bytes] = []
    first = 0
    size = 0
    for number, raw_line in enumerate(_LINE_BREAK.split(data), start=1):
        if raw_line[:1] in (b" ", b"\t") and logical:
            logical.append(raw_line[1:])
            size += len(raw_line) - 1
            if size > limits.max_line_bytes:
                state.too_long(first)
            continue
        if logical:
            state.line(b"".join(logical), first)
        logical = [raw_line]
        first = number
        size = len(raw_line)
        if size > limits.max_line_bytes:
            state.too_long(first)
    if logical:
        state.line(b"".join(logical), first)
    state.finish()
    unfolded = _FOLD.sub(b"", data).decode("utf-8", errors="replace")
    if state.bare:
        unfolded = f"BEGIN:VCALENDAR\r\n{unfolded}\r\nEND:VCALENDAR\r\n"
    prepared.text = unfolded
    return prepared


class _Structure:
    """The checks of ``_prepare``, one logical (unfolded) line at a time."""

    def __init__(self, prepared: _Prepared, limits: FeedLimits) -> None:
        self.prepared = prepared
        self.limits = limits
        self.started = False
        self.bare = False
        self.top_level: list[tuple[bytes, int]] = []
        self.stack: list[tuple[bytes, int, int | None]] = []  # name, line, index of a VEVENT
        self.event: int | None = None  # index of the VEVENT the current line is directly in
        self.listed_dates = 0

    def too_long(self, line: int) -> None:
        raise FeedUnreadable(
            [
                FeedError(
                    f"a line is longer than {self.limits.max_line_bytes} bytes "
                    "(DITEP_MAX_LINE_BYTES)",
                    line=line,
                )
            ]
        )

    def line(self, raw: bytes, number: int) -> None:
        line = raw.strip()
        if not line:
            return
        upper = line.upper()
        if not self.started:
            self.started = True
            if not upper.startswith(b"BEGIN:"):
                raise FeedUnreadable(
                    [FeedError("expected 'BEGIN:VCALENDAR' on the first line", line=number)]
                )
        if upper.startswith(b"BEGIN:"):
            self.begin(upper[6:], number)
        elif upper.startswith(b"END:"):
            self.end(upper[4:], number)
        else:
            self.property(line, upper, number)

    def begin(self, name: bytes, number: int) -> None:
        if not self.stack:
            if self.top_level:
                raise FeedUnreadable(
                    [
                        FeedError(
                            "a second top-level component: a feed holds one VCALENDAR", line=number
                        )
                    ]
                )
            self.top_level.append((name, number))
            self.bare = name != b"VCALENDAR"
        if len(self.stack) >= self.limits.max_component_depth:
            raise FeedUnreadable(
                [
                    FeedError(
                        f"components are nested more than {self.limits.max_component_depth} "
                        "deep (DITEP_MAX_COMPONENT_DEPTH)",
                        line=number,
                    )
                ]
            )
        self.event = None
        if name == b"VEVENT":
            self.event = len(self.prepared.vevent_lines)
            if self.event >= self.limits.max_events:
                raise FeedUnreadable(
                    [FeedError(too_many_events(self.limits, "events (VEVENT)"), line=number)]
                )
            self.prepared.vevent_lines.append(number)
            self.prepared.claims.append((0, 0))
            self.listed_dates = 0
        self.stack.append((name, number, self.event))

    def end(self, name: bytes, number: int) -> None:
        if not self.stack or self.stack[-1][0] != name:
            expected = self.stack[-1][0].decode(errors="replace") if self.stack else "nothing"
            raise FeedUnreadable(
                [
                    FeedError(
                        f"'END:{name.decode(errors='replace')}' does not close "
                        f"the open component (expected 'END:{expected}')",
                        line=number,
                    )
                ]
            )
        self.stack.pop()
        self.event = self.stack[-1][2] if self.stack else None

    def property(self, line: bytes, upper: bytes, number: int) -> None:
        if not self.stack:
            if upper.startswith(b"X-COMMENT"):
                return  # icalendar ignores it after the calendar
            raise FeedUnreadable([FeedError("a property outside of any component", line=number)])
        match = _PROPERTY_NAME.match(upper)
        name = match.group(0) if match else b""
        if len(self.stack) == 1 and not self.bare:
            if name == b"X-WR-TIMEZONE":
                self.prepared.x_wr_timezone_line = number
            elif name == b"CALSCALE":
                value = line.partition(b":")[2].decode(errors="replace").strip()
                self.prepared.calscale = (value.upper(), number)
        if self.event is None:
            return
        participants, properties = self.prepared.claims[self.event]
        self.prepared.claims[self.event] = (
            participants + (name in (b"ATTENDEE", b"ORGANIZER")),
            properties + 1,
        )
        if name in (b"RDATE", b"EXDATE"):
            self.listed_dates += line.count(b",") + 1
            if self.listed_dates > self.limits.max_listed_dates:
                event_line = self.prepared.vevent_lines[self.event]
                raise FeedUnreadable(
                    [
                        FeedError(
                            f"the event of line {event_line} lists more than "
                            f"{self.limits.max_listed_dates} RDATE/EXDATE values "
                            "(DITEP_MAX_LISTED_DATES_PER_EVENT)",
                            line=number,
                        )
                    ]
                )
        if not _CONTENT_LINE.match(line) and not _is_content_line(line):
            self.prepared.broken_lines.setdefault(self.event, []).append(number)

    def finish(self) -> None:
        if self.stack:
            name, number, _event = self.stack[-1]
            raise FeedUnreadable(
                [FeedError(f"'BEGIN:{name.decode(errors='replace')}' is never closed", line=number)]
            )


def _is_content_line(line: bytes) -> bool:
    try:
        Contentline(line.decode("utf-8", errors="replace")).parts()  # type: ignore[no-untyped-call]
    except ValueError:
        return False
    return True


def _check_event(
    event: Any, line: int | None, uid: str | None, broken_lines: list[int], notes: list[FeedError]
) -> str | None:
    """Why the event cannot be used, or None; what is only ignored in it goes to ``notes``."""
    errors = getattr(event, "errors", None) or []
    names = {str(name).upper() for name, _message in errors if name is not None}
    essential = sorted(names & _ESSENTIAL)
    if essential:
        plural = "y" if len(essential) == 1 else "ies"
        return f"unreadable propert{plural}: {', '.join(essential)}"
    for name in sorted(names):
        notes.append(FeedError(f"unreadable property {name} ignored", line=line, uid=uid))
    if any(name is None for name, _message in errors):
        numbers: list[int | None] = [*broken_lines] or [line]
        for number in numbers:
            notes.append(
                FeedError("not a content line (NAME:value): ignored", line=number, uid=uid)
            )
    try:
        start = event["DTSTART"].dt if "DTSTART" in event else None
        end = event["DTEND"].dt if "DTEND" in event else None
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        return f"unreadable DTSTART/DTEND: {error}"
    return event_problem("UID" in event, start, end)


def _expand(
    events: list[icalendar.Event],
    timezones: list[icalendar.Timezone],
    window_start: dt.date,
    window_end: dt.date,
    rejected: list[FeedError],
    line_of_uid: dict[str, int],
    budget: Budget,
) -> Iterable[tuple[str, list[Any]]]:
    """Expand recurrences by UID; a series the library cannot expand is rejected alone.

    Before the library expands anything, each recurrence is walked within the
    caps (``_check_cost``): dateutil's expansion has no bound of its own.
    """
    by_uid: dict[str, list[icalendar.Event]] = defaultdict(list)
    for event in events:
        by_uid[str(event["UID"])].append(event)
    for uid, series_events in list(by_uid.items()):
        if not any("RRULE" in event for event in series_events):
            continue
        try:
            series = Series([EventAdapter(event) for event in series_events])
        except Exception:  # noqa: S112 - the library raises it again below, for this series
            continue
        line = line_of_uid.get(uid)
        try:
            _check_cost(series, window_end, budget)
        except RecurrenceTooLong as too_long:
            if too_long.whole_feed:
                raise _feed_too_long(budget, line, uid) from too_long
            message = (
                f"this event's recurrence takes more than {budget.series_cap} steps "
                f"up to the end of the window ({window_end}): it is not expanded "
                "(DITEP_MAX_RECURRENCE_STEPS_PER_SERIES)"
            )
            rejected.append(FeedError(message, line=line, uid=uid))
        except Exception as error:  # UnsupportedRecurrence, or whatever the rules raise
            rejected.append(_unexpandable(error, line, uid))
        else:
            continue
        del by_uid[uid]
    for uid, series in _series(by_uid, timezones, rejected, line_of_uid):
        try:
            components = []
            for occurrence in series.between(window_start, window_end):
                budget.spend_occurrence()
                components.append(_component(occurrence))
        except RecurrenceTooLong as too_long:
            raise _feed_too_long(budget, line_of_uid.get(uid), uid) from too_long
        except Exception as error:
            rejected.append(_unexpandable(error, line_of_uid.get(uid), uid))
            continue
        yield uid, components


def _unexpandable(error: Exception, line: int | None, uid: str) -> FeedError:
    """The rejection of a series whose recurrence the library (or its rules) fails on."""
    return FeedError(f"cannot expand this event's recurrence: {error}", line=line, uid=uid)


def _component(occurrence: Any) -> Any:
    """The occurrence as an icalendar component, with its own RECURRENCE-ID.

    RFC 5545 §3.8.4.4: an instance is identified by the DTSTART of the original
    instance. After an override with RANGE=THISANDFUTURE, the library gives
    every later instance the override's RECURRENCE-ID (so several instances
    share one, and all but one would be lost as duplicates): each one gets the
    start it had before the override moved it.
    """
    component = occurrence.as_component(False)
    adapter = occurrence._adapter
    if adapter.this_and_future:
        component["RECURRENCE-ID"] = vDDDTypes(occurrence.start - adapter.move_recurrences_by)
    return component


def _series(
    by_uid: dict[str, list[icalendar.Event]],
    timezones: list[icalendar.Timezone],
    rejected: list[FeedError],
    line_of_uid: dict[str, int],
) -> Iterable[tuple[str, Any]]:
    """The library's series, all at once or, when one of them fails, one UID at a time."""
    try:
        query = recurring_ical_events.of(_calendar(list(by_uid.values()), timezones))
    except Exception:
        query = None
    if query is not None:
        for series in query.series:
            yield str(series.uid), series
        return
    for uid, series_events in by_uid.items():
        try:
            single = recurring_ical_events.of(_calendar([series_events], timezones))
        except Exception as error:
            rejected.append(_unexpandable(error, line_of_uid.get(uid), uid))
            continue
        for series in single.series:
            yield str(series.uid), series


def _calendar(
    series: list[list[icalendar.Event]], timezones: list[icalendar.Timezone]
) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//ditep//expansion//EN")
    for timezone in timezones:
        calendar.add_component(timezone)
    for events in series:
        for event in events:
            calendar.add_component(event)
    return calendar


def _check_cost(series: Any, window_end: dt.date, budget: Budget) -> None:
    """Walk the series' rules as the library will, charging each step to ``budget``.

    The library builds these rules (``Series``) and walks each from DTSTART up
    to the end of the window, widened as it widens it; it also walks up to the
    day of an override that has rules of its own.
    """
    recurrence = series.recurrence
    if not recurrence.has_core:
        return
    budget.start_series()
    before = convert_to_datetime(window_end + series._add_to_stop, recurrence.tzinfo)
    for modification in series.modifications:
        if (
            modification.has_recurrence_rules()
            and modification.sequence < recurrence.sequence
            and modification.recurrence_ids
        ):
            _day, day_end = convert_to_date_range(modification.recurrence_ids[0])
            day_end = convert_to_datetime(day_end, recurrence.tzinfo)
            if compare_greater(day_end, before):
                before = day_end
    for rule in recurrence.rrules[1:]:
        for _start in iterate_rule(rule, before, budget):
            pass


def _feed_too_long(budget: Budget, line: int | None, uid: str) -> FeedUnreadable:
    return FeedUnreadable(
        [
            FeedError(
                f"expanding this feed's recurrences takes more than {budget.feed_cap} "
                "steps and occurrences in all (DITEP_MAX_RECURRENCE_STEPS_PER_FEED): the "
                "feed is rejected (the series that reached the limit is named)",
                line=line,
                uid=uid,
            )
        ]
    )


def _to_occurrence(
    component: Any, uid: str, default_tz: ZoneInfo, line: int | None, *, recurring: bool
) -> Occurrence:
    start = utc_moment(component["DTSTART"].dt, default_tz)
    all_day = not isinstance(start, dt.datetime)
    if "DTEND" in component:
        end = utc_moment(component["DTEND"].dt, default_tz)
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    elif all_day:
        end = start + dt.timedelta(days=1)
    else:
        end = start
    recurrence = component.get("RECURRENCE-ID") if recurring else None
    recurrence_id = utc_moment(recurrence.dt, default_tz) if recurrence is not None else None
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
        links=link_codes(*_descriptions(component), str(component.get("LOCATION", "")))
        + cue_codes(*_descriptions(component)),
    )


def _descriptions(component: Any) -> list[str]:
    value = component.get("DESCRIPTION")
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


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
