"""The fast path of the iCalendar parser: the common case, without building icalendar objects.

Reading a DUI export with icalendar and expanding it with recurring-ical-events
costs about 15 s for 20,000 flat events, mostly spent building one object per
property and copying every occurrence. This module reads the same feeds in a
fraction of that, for the subset it is sure to read exactly as the library
path of ``parser.py`` does:

- content lines ``NAME;PARAM=VAL;PARAM="quoted,val":VALUE`` whose name and
  parameters icalendar would read without error (the parameters are read by
  icalendar's own functions, once per distinct parameter text);
- one ``VCALENDAR`` holding ``VEVENT`` (with ``VALARM``) and ``VTIMEZONE``
  (with ``STANDARD``/``DAYLIGHT``) components, at most ``X-WR-TIMEZONE`` as a
  calendar-wide zone;
- ``DTSTART``/``DTEND``/``RECURRENCE-ID``/``EXDATE``/``RDATE`` as ``DATE``,
  UTC, floating or with a ``TZID`` resolved to the very zone icalendar gives
  it: the zoneinfo zone of an IANA name; for any other name (Windows names of
  Outlook, custom names), icalendar's own lookup, after its cache has been fed
  the feed's VTIMEZONEs in the same order as icalendar feeds it (a Windows
  name without VTIMEZONE resolves through icalendar's Windows table);
- ``RRULE``, ``RDATE``, ``EXDATE`` and overrides (``RECURRENCE-ID`` without
  ``RANGE``), expanded with the very steps of recurring-ical-events 3 (same
  rule strings, same dateutil rules, same comparisons), lazily and within the
  caps of ``FeedLimits``.

Anything else (a broken line, a period, a ``GEO``, a ``VTODO``, a TZID that
icalendar cannot resolve, a cap reached…) makes ``parse_fast`` return ``None``:
the library path then reads the feed, and reports what has to be reported.
Past the limit on occurrences, ``parse_fast`` raises ``FeedUnreadable`` itself:
its occurrences being the library path's, so would the library path, after
minutes of expansion. Events past a per-event limit (participants,
properties) are rejected by both paths in the same words (``limit_problem``).
The library path is the reference the fast path is tested against, field by
field (tests/agenda_ingest/parsing/ical/test_ical_exact.py).

The helpers that bound a dateutil expansion (``Budget``, ``iterate_rule``) and
the per-event limits are shared with the library path: ``parsing.ical.limits``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule as dateutil_rrule  # type: ignore[import-untyped]
from icalendar.parser.content_line import _strip_ows_around_delimiters
from icalendar.parser.parameter import Parameters
from icalendar.parser.property import (
    split_on_unescaped_comma,
    unescape_backslash,
    unescape_list_or_string,
)
from icalendar.parser.string import _escape_string, _unescape_string
from icalendar.prop import TypesFactory, vDDDTypes, vDuration, vRecur
from icalendar.timezone import tzp
from recurring_ical_events.constants import NEGATIVE_RRULE_COUNT_REGEX
from recurring_ical_events.util import (
    compare_greater,
    convert_to_date,
    convert_to_datetime,
    get_any,
    is_date,
    make_comparable,
    time_span_contains_event,
    to_recurrence_ids,
    with_highest_sequence,
)

from agenda_ingest.classification.links import cue_codes, link_codes, merged_cues
from agenda_ingest.parsing.ical.limits import (
    Budget,
    iterate_rule,
    limit_problem,
    too_many_occurrences,
)
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.parsing.memory import collector_paused
from agenda_ingest.parsing.normalised import (
    FeedError,
    FeedUnreadable,
    Occurrence,
    ParsedFeed,
    Participant,
)

Moment = dt.datetime | dt.date

# ---------------------------------------------------------------------------
# Lines and values remembered by one read
# ---------------------------------------------------------------------------


_MAX_REMEMBERED_LINES = 50_000
"""How many distinct lines (and date values) a read remembers: enough for every
line that repeats in an export, bounded for those that do not."""


# ---------------------------------------------------------------------------
# Recurrence rules, as recurring-ical-events 3 builds them
# ---------------------------------------------------------------------------


class _Bail(Exception):
    """Outside the fast path's subset: the library path reads this feed."""


_RULE_STRINGS: dict[str, str] = {}


def library_rule_string(value: str) -> str:
    """The RRULE as the library sees it: parsed and written again by icalendar."""
    cached = _RULE_STRINGS.get(value)
    if cached is None:
        try:
            cached = vRecur(vRecur.from_ical(value)).to_ical().decode()  # type: ignore[no-untyped-call]
        except (ValueError, TypeError, KeyError) as error:
            raise _Bail from error
        if len(_RULE_STRINGS) < 10_000:
            _RULE_STRINGS[value] = cached
    return cached


def _rrulestr(rule_string: str, start: dt.datetime) -> tuple[Any, Moment | None]:
    rule_string = NEGATIVE_RRULE_COUNT_REGEX.sub("", rule_string)
    rule = dateutil_rrule.rrulestr(rule_string, dtstart=start, cache=False)
    parts = rule_string.split(";UNTIL=")
    if len(parts) == 1:
        return rule, None
    if len(parts) != 2:
        raise _Bail
    end = parts[1].find(";")
    until: Moment = vDDDTypes.from_ical(parts[1][: end if end != -1 else len(parts[1])])  # type: ignore[no-untyped-call]
    return rule, until


def _create_rule(
    rule_string: str, start: dt.datetime, *, all_dates: bool, tzinfo: dt.tzinfo | None
) -> tuple[Any, Moment | None]:
    """``RecurrenceRules.create_rule_with_start`` of recurring-ical-events 3.8."""
    try:
        return _rrulestr(rule_string, start)
    except ValueError:
        parts = rule_string.split(";UNTIL=")
        if len(parts) != 2:
            raise _Bail from None
        end = parts[1].find(";")
        if end == -1:
            end = len(parts[1])
        until = parts[1][:end]
        if all_dates:
            until = until[:8]
        elif tzinfo is None:
            until = until[:-1]
        else:
            if len(until) == 8:
                until += "T000000"
            if len(until) != 15:
                raise _Bail from None
            until += "Z"
        return _rrulestr(parts[0] + parts[1][end:] + ";UNTIL=" + until, start)


# ---------------------------------------------------------------------------
# Content lines
# ---------------------------------------------------------------------------

_FOLD = re.compile(rb"\r?\n[ \t]")
_FOLD_CRLF = re.compile(rb"\r\n[ \t]")
_FOLD_LF = re.compile(rb"\n[ \t]")
_BEGIN_VEVENT = re.compile(rb"\nBEGIN:VEVENT\r?\n")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_DATE_TIME = re.compile(r"[0-9]{8}T[0-9]{6}Z?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_UTC_OFFSET = re.compile(r"[+-]([0-9]{2})[0-9]{2}(?:[0-9]{2})?")
_UTC = ZoneInfo("UTC")
_ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)
_TYPES = TypesFactory.types_map
_TZID_NAMES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "DUE", "RDATE", "EXDATE"})
_INNER = {
    "VCALENDAR": frozenset({"VEVENT", "VTIMEZONE"}),
    "VEVENT": frozenset({"VALARM"}),
    "VTIMEZONE": frozenset({"STANDARD", "DAYLIGHT"}),
}
_NO_INNER: frozenset[str] = frozenset()
_AVAILABLE_ZONES: frozenset[str] = frozenset()


def _available_zones() -> frozenset[str]:
    global _AVAILABLE_ZONES
    if not _AVAILABLE_ZONES:
        _AVAILABLE_ZONES = frozenset(zoneinfo.available_timezones())
    return _AVAILABLE_ZONES


def _split_quoted(line: str) -> int:
    """Index of the colon before the value when the parameters hold quotes; -1 if unsure."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == ":":
            return index
        elif char == "\\":
            return -1
    return -1


def _read_params(raw: str) -> dict[str, Any] | None:
    """The parameters exactly as icalendar reads them (``Contentline.raw_parts``)."""
    if "\\" in raw or "%" in raw or "^" in raw:
        return None
    try:
        params = Parameters.from_ical(  # type: ignore[no-untyped-call]
            _escape_string(_strip_ows_around_delimiters(raw))
        )
    except ValueError:
        return None
    read = Parameters(
        (_unescape_string(key), unescape_list_or_string(value)) for key, value in params.items()
    )
    return dict(read.items())


class _Event:
    """One VEVENT as the fast path keeps it, with what recurring-ical-events derives from it."""

    __slots__ = (
        "attendees",
        "categories",
        "cues",
        "descriptions",
        "dtend",
        "dtstart",
        "duration",
        "end",
        "exdates",
        "line",
        "location",
        "organizers",
        "participant_count",
        "participants",
        "properties",
        "property_count",
        "rdates",
        "recurrence_ids",
        "rid",
        "rrules",
        "sequence",
        "start",
        "status",
        "summary",
        "uid",
        "x_props",
    )

    def __init__(self, line: int) -> None:
        self.line = line
        self.uid: str | None = None
        self.summary: str | None = None
        self.location: str | None = None
        self.status: str | None = None
        self.dtstart: Moment | None = None
        self.dtend: Moment | None = None
        self.rid: Moment | None = None
        self.duration: dt.timedelta | None = None
        self.sequence: int | None = None
        self.rrules: list[str] = []
        self.rdates: list[Moment] = []
        self.exdates: list[Moment] = []
        self.categories: list[str] = []
        # DESCRIPTION values holding a link (only their links are kept), and the cues of all
        # of them (a call, the home: links.py), read at once so that no text is held.
        self.descriptions: list[str] = []
        self.cues: tuple[str, ...] = ()
        self.organizers: list[Participant] = []
        self.attendees: list[Participant] = []
        self.x_props: dict[str, str | None] = {}
        # Lines directly in the VEVENT, and ATTENDEE/ORGANIZER lines among them (kept
        # only up to the limit: past it the event is rejected).
        self.property_count = 0
        self.participant_count = 0
        # Derived (recurring-ical-events' ComponentAdapter).
        self.start: Moment = dt.date.min
        self.end: Moment = dt.date.min
        self.recurrence_ids: tuple[Any, ...] = ()
        self.participants: tuple[Participant, ...] = ()
        self.properties: dict[str, str] = {}

    def derive(self) -> None:
        """``span``, ``recurrence_ids`` and ``sequence`` as the library's EventAdapter has them."""
        start = self.dtstart
        assert start is not None
        if self.dtend is not None:
            end = self.dtend
        elif self.duration is not None:
            from_start: Moment = start
            if self.duration.seconds != 0 and is_date(start):
                from_start = convert_to_datetime(start, None)
            end = from_start + self.duration
        elif is_date(start):
            end = start + _ONE_DAY
        else:
            end = start
        first: Any = start
        last: Any = end
        if type(first) is not type(last) or (
            isinstance(first, dt.datetime) and (first.tzinfo is None) != (last.tzinfo is None)
        ):
            first, last = make_comparable((first, last))
        self.start, self.end = (last, first) if first > last else (first, last)
        self.recurrence_ids = () if self.rid is None else to_recurrence_ids(self.rid)
        if self.sequence is None:
            self.sequence = -1
        self.participants = (*self.organizers, *self.attendees)
        self.properties = {name: value for name, value in self.x_props.items() if value is not None}

    @property
    def duration_span(self) -> dt.timedelta:
        span: dt.timedelta = self.end - self.start  # type: ignore[operator]
        return span

    def in_span(self, window: _Window) -> bool:
        return window.contains(self.start, self.end)


# Codes of the VEVENT properties the fast path keeps (0: only checked).
_OTHER, _UID, _SUMMARY, _LOCATION, _STATUS = 0, 1, 2, 3, 4
_DTSTART, _DTEND, _RID, _DATES, _DURATION, _SEQUENCE = 5, 6, 7, 8, 9, 10
_PARTICIPANT, _CATEGORIES, _RRULE, _X, _COMPONENT = 11, 12, 13, 14, 15
_CODES = {
    "UID": _UID,
    "SUMMARY": _SUMMARY,
    "LOCATION": _LOCATION,
    "STATUS": _STATUS,
    "DTSTART": _DTSTART,
    "DTEND": _DTEND,
    "RECURRENCE-ID": _RID,
    "RDATE": _DATES,
    "EXDATE": _DATES,
    "DURATION": _DURATION,
    "SEQUENCE": _SEQUENCE,
    "ATTENDEE": _PARTICIPANT,
    "ORGANIZER": _PARTICIPANT,
    "CATEGORIES": _CATEGORIES,
    "RRULE": _RRULE,
    "BEGIN": _COMPONENT,
    "END": _COMPONENT,
}
# How a property's value is checked, in any component (icalendar's value types).
_NO_CHECK, _CHECK_MOMENT, _CHECK_MOMENTS, _CHECK_DURATION = 0, 1, 2, 3
_CHECK_INTEGER, _CHECK_OFFSET, _CHECK_RULE = 4, 5, 6
_CHECKS = {
    "text": _NO_CHECK,
    "uri": _NO_CHECK,
    "cal-address": _NO_CHECK,
    "unknown": _NO_CHECK,
    "categories": _NO_CHECK,
    "date-time": _CHECK_MOMENT,
    "date-time-list": _CHECK_MOMENTS,
    "duration": _CHECK_DURATION,
    "integer": _CHECK_INTEGER,
    "utc-offset": _CHECK_OFFSET,
}


@dataclass(frozen=True, slots=True)
class _Head:
    """What comes before the value's colon, read once for every line that shares it."""

    name: str
    params: dict[str, Any]
    code: int
    check: int
    tzid: str | None


def _head(text: str) -> _Head:
    semicolon = text.find(";")
    if semicolon == -1:
        raw_name, params = text, {}
    elif semicolon == 0 or semicolon == len(text) - 1:
        raise _Bail
    else:
        raw_name = text[:semicolon]
        read = _read_params(text[semicolon + 1 :])
        if read is None:
            raise _Bail
        params = read
    if not _NAME.fullmatch(raw_name):
        raise _Bail
    name = raw_name.upper()
    code = _CODES.get(name, _X if name.startswith("X-") else _OTHER)
    tzid = params.get("TZID") if name in _TZID_NAMES else None
    if tzid is not None and not isinstance(tzid, str):
        raise _Bail
    kind = _TYPES.get(name)
    if name in ("RDATE", "EXDATE"):
        kind = "date-time-list"
    value_type = params.get("VALUE")
    if value_type is not None:
        if not isinstance(value_type, str) or value_type.upper() not in ("DATE", "DATE-TIME"):
            raise _Bail
        if kind not in ("date-time", "duration", "date-time-list"):
            raise _Bail
        if kind == "duration":
            kind = "date-time"
    if name == "RRULE":
        check = _CHECK_RULE
    elif kind is None:
        check = _NO_CHECK
    else:
        found = _CHECKS.get(kind)
        if found is None:
            raise _Bail  # a period, a GEO, an EXRULE…: left to icalendar
        check = found
    return _Head(name, params, code, check, tzid)


class _Window:
    """The window, and its dates as midnights in each zone met (``make_comparable``)."""

    __slots__ = ("_bounds", "_extended", "start", "stop")

    def __init__(self, start: dt.date, stop: dt.date) -> None:
        self.start = start
        self.stop = stop
        self._bounds: dict[Any, tuple[dt.datetime, dt.datetime]] = {}
        self._extended: dict[tuple[dt.timedelta, Any], tuple[dt.datetime, dt.datetime]] = {}

    def bounds(self, tzinfo: Any) -> tuple[dt.datetime, dt.datetime]:
        found = self._bounds.get(tzinfo)
        if found is None:
            start, stop = self.start, self.stop
            found = self._bounds[tzinfo] = (
                dt.datetime(start.year, start.month, start.day, tzinfo=tzinfo),
                dt.datetime(stop.year, stop.month, stop.day, tzinfo=tzinfo),
            )
        return found

    def extended(self, duration: dt.timedelta, tzinfo: Any) -> tuple[dt.datetime, dt.datetime]:
        """Where the library looks for the start of an event lasting ``duration``:
        from the first day minus the duration (a date minus a timedelta, so whole
        days only) to the end, as midnights in ``tzinfo``."""
        key = (duration, tzinfo)
        found = self._extended.get(key)
        if found is None:
            lower = self.start - duration
            found = self._extended[key] = (
                dt.datetime(lower.year, lower.month, lower.day, tzinfo=tzinfo),
                self.bounds(tzinfo)[1],
            )
        return found

    def contains(self, start: Any, end: Any) -> bool:
        """``time_span_contains_event`` of recurring-ical-events, without its conversions
        when start and end are already comparable (both dates, or both date-times
        with the same awareness): the window's dates are then midnights in the
        zone of the start, as ``make_comparable`` makes them."""
        if isinstance(start, dt.datetime):
            if not isinstance(end, dt.datetime) or (start.tzinfo is None) != (end.tzinfo is None):
                return bool(time_span_contains_event(self.start, self.stop, start, end))
            low, high = self.bounds(start.tzinfo)
        elif isinstance(end, dt.datetime):
            return bool(time_span_contains_event(self.start, self.stop, start, end))
        else:
            low, high = self.start, self.stop  # type: ignore[assignment]
        if start > end or low > high:
            raise _Bail  # the library raises PeriodEndBeforeStart
        if start == end:
            if low == high:
                return bool(start == low)
            return bool(low <= start < high)
        if low == high:
            return bool(start <= low < end)
        return bool(start < high and low < end)


class _Reader:
    """One pass over the unfolded lines of a feed, keeping the VEVENTs."""

    def __init__(self, limits: FeedLimits) -> None:
        self.limits = limits
        self.events: list[_Event] = []
        self.x_wr_timezone: str | None = None
        self.calscale: str | None = None
        self.plain_begins = True  # every VEVENT begins with the line "BEGIN:VEVENT"
        self._heads: dict[str, _Head] = {}
        self._moments: dict[tuple[str, str | None], Moment] = {}
        self._zones: dict[str, dt.tzinfo] = {}
        self._durations: dict[str, dt.timedelta] = {}
        self._texts: dict[str, str] = {}

    # -- values -------------------------------------------------------------

    def text(self, value: str) -> str:
        if "\\" not in value:
            return value
        read = self._texts.get(value)
        if read is None:
            read = self._texts[value] = unescape_backslash(value)
        return read

    def zone(self, tzid: str) -> dt.tzinfo:
        """The zone icalendar gives this TZID at this point of the feed.

        An IANA name is its zoneinfo zone (icalendar ignores the VTIMEZONE then).
        Any other name (a Windows name, a custom one) is what icalendar's own
        lookup returns: the zone of a VTIMEZONE it has cached (this feed's, read
        before; or an earlier feed's, icalendar's cache being process-wide), or
        zoneinfo's zone for a Windows name. A name it cannot resolve makes the
        time floating for icalendar: outside the fast path.
        """
        zone = self._zones.get(tzid)
        if zone is not None:
            return zone
        if tzid in _available_zones():
            zone = ZoneInfo(tzid)
        elif tzid.startswith("/"):
            raise _Bail  # icalendar guesses the zone of a "globally unique" TZID, and warns
        else:
            zone = tzp.timezone(tzid)
            if zone is None:
                raise _Bail
        self._zones[tzid] = zone
        return zone

    def vtimezone(self, lines: list[str]) -> None:
        """Cache a custom VTIMEZONE as icalendar does when it reads it (same order, same cache)."""
        for line in lines:
            if line.startswith("TZID:") and line[5:] in _available_zones():
                return  # icalendar keeps the zoneinfo zone of an IANA name
        component = icalendar.Timezone.from_ical("\r\n".join(lines))
        tzid = str(component.get("TZID", ""))
        if tzid and tzid not in _available_zones():
            tzp.cache_timezone_component(component)

    def moment(self, value: str, tzid: str | None) -> Moment:
        key = (value, tzid)
        read = self._moments.get(key)
        if read is not None:
            return read
        size = len(value)
        if size in (15, 16):
            if not _DATE_TIME.fullmatch(value):
                raise _Bail
            try:
                naive = dt.datetime(
                    int(value[0:4]),
                    int(value[4:6]),
                    int(value[6:8]),
                    int(value[9:11]),
                    int(value[11:13]),
                    int(value[13:15]),
                )
            except ValueError as error:
                raise _Bail from error
            if tzid is not None:
                if size == 16:
                    raise _Bail  # icalendar would ignore the Z
                read = naive.replace(tzinfo=self.zone(tzid))
            elif size == 16:
                read = naive.replace(tzinfo=_UTC)
            else:
                read = naive
        elif size == 8 and tzid is None and value.isascii() and value.isdigit():
            try:
                read = dt.date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
            except ValueError as error:
                raise _Bail from error
        else:
            raise _Bail
        if len(self._moments) >= _MAX_REMEMBERED_LINES:
            self._moments.clear()
        self._moments[key] = read
        return read

    def moments(self, value: str, tzid: str | None) -> list[Moment]:
        if not value or "/" in value:
            raise _Bail  # empty (icalendar drops an empty RDATE), or periods
        return [self.moment(part, tzid) for part in value.split(",")]

    def duration(self, value: str) -> dt.timedelta:
        read = self._durations.get(value)
        if read is None:
            if not value.upper().startswith(("P", "-P", "+P")):
                raise _Bail
            try:
                read = vDuration.from_ical(value)  # type: ignore[no-untyped-call]
            except (ValueError, OverflowError) as error:
                raise _Bail from error
            self._durations[value] = read
        return read

    def check(self, head: _Head, value: str) -> None:
        """A property the fast path does not keep: icalendar must read it without error."""
        check = head.check
        if check == _NO_CHECK:
            return
        if check == _CHECK_MOMENT:
            self.moment(value, head.tzid)
        elif check == _CHECK_MOMENTS:
            self.moments(value, head.tzid)
        elif check == _CHECK_DURATION:
            self.duration(value)
        elif check == _CHECK_INTEGER:
            if not _INTEGER.fullmatch(value):
                raise _Bail
        elif check == _CHECK_OFFSET:
            match = _UTC_OFFSET.fullmatch(value)
            if match is None or int(match.group(1)) >= 24:
                raise _Bail
        else:
            library_rule_string(value)

    def participant(self, head: _Head, value: str) -> Participant:
        if "VALUE" in head.params:
            raise _Bail
        return Participant(
            identifier=self.text(value),
            params={name: str(param) for name, param in head.params.items()},
            is_organizer=head.name == "ORGANIZER",
        )

    # -- lines --------------------------------------------------------------

    def head(self, line: str, colon: int) -> tuple[_Head, int]:
        text = line[:colon]
        head = self._heads.get(text)
        if head is not None:
            return head, colon
        if '"' in text or "\\" in text:
            colon = _split_quoted(line)
            if colon <= 0:
                raise _Bail
            text = line[:colon]
            head = self._heads.get(text)
            if head is not None:
                return head, colon
        head = self._heads[text] = _head(text)
        return head, colon

    def entry(self, line: str) -> tuple[int, _Head, Any]:
        """A line read once: its code, its head, and its value as the fast path keeps it.

        Many lines of an export repeat word for word (the same ATTENDEE, STATUS,
        CATEGORIES…): ``read`` keeps their entries, so each is read once.
        """
        colon = line.find(":")
        limit = self.limits.max_line_bytes
        if colon <= 0 or (len(line) > limit // 4 and len(line.encode()) > limit):
            raise _Bail
        head, colon = self.head(line, colon)
        value = line[colon + 1 :]
        code = head.code
        params = head.params
        payload: Any
        if code == _OTHER:
            self.check(head, value)
            payload = value
        elif code == _PARTICIPANT:
            payload = self.participant(head, value)
        elif code in (_DTSTART, _DTEND, _RID):
            if "RANGE" in params:
                raise _Bail
            payload = self.moment(value, head.tzid)
        elif code in (_UID, _SUMMARY, _LOCATION, _STATUS):
            if "VALUE" in params:
                raise _Bail
            payload = self.text(value)
        elif code == _CATEGORIES:
            if "VALUE" in params:
                raise _Bail
            parts = value.split(",") if "\\" not in value else split_on_unescaped_comma(value)
            payload = tuple(category.strip() for category in parts)
        elif code == _X:
            if "VALUE" in params:
                raise _Bail
            payload = value
        elif code == _RRULE:
            payload = library_rule_string(value)
        elif code == _DATES:
            payload = tuple(self.moments(value, head.tzid))
        elif code == _DURATION:
            if params:
                raise _Bail
            payload = self.duration(value)
        elif code == _SEQUENCE:
            if params or not _INTEGER.fullmatch(value):
                raise _Bail
            payload = int(value)
        else:  # BEGIN / END
            payload = value.upper()
            if params or not _NAME.fullmatch(payload):
                raise _Bail
        return code, head, payload

    def read(self, lines: Iterable[str]) -> None:
        """Read the lines; each event's ``line`` is its index in ``lines`` until numbered."""
        stack: list[str] = []
        event = _Event(0)  # the current VEVENT (a placeholder outside of one)
        in_event = False  # directly in a VEVENT (not in one of its VALARMs)
        closed = False
        max_depth = self.limits.max_component_depth
        max_dates = self.limits.max_listed_dates
        max_participants = self.limits.max_participants_per_event
        max_events = self.limits.max_events
        entries: dict[str, tuple[int, _Head, Any]] = {}
        vtimezone: list[str] | None = None  # the lines of the VTIMEZONE being read
        for index, line in enumerate(lines):
            if not line:
                continue
            if closed:
                raise _Bail
            entry = entries.get(line)
            if entry is None:
                entry = self.entry(line)
                if entry[0] != _UID:
                    if len(entries) >= _MAX_REMEMBERED_LINES:
                        # Mostly unique lines (DTSTAMP, DTSTART...): start afresh
                        # rather than remember a large feed line by line.
                        entries.clear()
                    entries[line] = entry
            code, head, payload = entry
            if in_event and code != _COMPONENT:
                event.property_count += 1
                if code == _PARTICIPANT:
                    event.participant_count += 1
                    if event.participant_count <= max_participants:
                        (event.organizers if payload.is_organizer else event.attendees).append(
                            payload
                        )
                elif code == _OTHER:
                    if head.name == "DESCRIPTION":
                        if "http" in payload or "www." in payload:
                            event.descriptions.append(payload)
                        cues = cue_codes(payload)
                        if cues:
                            event.cues = merged_cues(event.cues, cues)
                elif code == _DTSTART:
                    if event.dtstart is not None:
                        raise _Bail
                    event.dtstart = payload
                elif code == _DTEND:
                    if event.dtend is not None:
                        raise _Bail
                    event.dtend = payload
                elif code == _UID:
                    if event.uid is not None:
                        raise _Bail
                    event.uid = payload
                elif code == _SUMMARY:
                    if event.summary is not None:
                        raise _Bail
                    event.summary = payload
                elif code == _LOCATION:
                    if event.location is not None:
                        raise _Bail
                    event.location = payload
                elif code == _STATUS:
                    if event.status is not None:
                        raise _Bail
                    event.status = payload
                elif code == _CATEGORIES:
                    event.categories.extend(payload)
                elif code == _X:
                    # A repeated X- property is a list for icalendar, and left out.
                    event.x_props[head.name] = None if head.name in event.x_props else payload
                elif code == _RID:
                    if event.rid is not None:
                        raise _Bail
                    event.rid = payload
                elif code == _RRULE:
                    event.rrules.append(payload)
                elif code == _DATES:
                    (event.rdates if head.name == "RDATE" else event.exdates).extend(payload)
                    if len(event.rdates) + len(event.exdates) > max_dates:
                        raise _Bail
                elif code == _DURATION:
                    if event.duration is not None:
                        raise _Bail
                    event.duration = payload
                else:  # _SEQUENCE
                    if event.sequence is not None:
                        raise _Bail
                    event.sequence = payload
                continue
            if vtimezone is not None:
                vtimezone.append(line)
            if code == _COMPONENT:
                if head.name == "BEGIN":
                    allowed = _INNER.get(stack[-1], _NO_INNER) if stack else {"VCALENDAR"}
                    if payload not in allowed or len(stack) >= max_depth:
                        raise _Bail
                    if payload == "VTIMEZONE":
                        vtimezone = [line]
                    stack.append(payload)
                    in_event = payload == "VEVENT"
                    if in_event:
                        if len(self.events) >= max_events:
                            raise _Bail  # the library path says where
                        event = _Event(index)
                        self.events.append(event)
                        if line != "BEGIN:VEVENT":
                            self.plain_begins = False
                    continue
                if not stack or stack[-1] != payload:
                    raise _Bail
                stack.pop()
                in_event = bool(stack) and stack[-1] == "VEVENT"
                closed = not stack
                if payload == "VTIMEZONE" and vtimezone is not None:
                    self.vtimezone(vtimezone)
                    vtimezone = None
                continue
            if not stack:
                raise _Bail
            current = stack[-1]
            if current == "VCALENDAR":
                if head.name == "X-WR-TIMEZONE":
                    if self.x_wr_timezone is not None or head.params:
                        raise _Bail
                    self.x_wr_timezone = payload
                elif head.name == "CALSCALE":
                    self.calscale = self.text(payload)
        if stack or not closed:
            raise _Bail


# ---------------------------------------------------------------------------
# Expansion, as recurring-ical-events 3.8 does it (Series.between)
# ---------------------------------------------------------------------------


class _Recurrence:
    """``Series.RecurrenceRules`` for a core without periods or THISANDFUTURE."""

    def __init__(self, core: _Event) -> None:
        self.core = core
        start: Any = core.start
        end: Any = core.end
        self.original_all_dates = not isinstance(start, dt.datetime) and not isinstance(
            end, dt.datetime
        )
        exdates: set[Any] = set()
        self.check_exdates_datetime: set[Any] = set()
        self.check_exdates_date: set[Any] = set()
        for exdate in core.exdates:
            exdates.add(exdate)
            self.check_exdates_datetime.update(to_recurrence_ids(exdate))
            if is_date(exdate):
                self.check_exdates_date.add(exdate)
        rdates: set[Any] = set(core.rdates)
        tzinfo = None
        dates = [start, end, *exdates, *rdates]
        all_dates = not any(isinstance(date, dt.datetime) for date in dates)
        for date in dates:
            if isinstance(date, dt.datetime) and date.tzinfo is not None:
                tzinfo = date.tzinfo
                break
        self.tzinfo = tzinfo
        self.start = convert_to_datetime(start, tzinfo)
        rdates = {convert_to_datetime(rdate, tzinfo) for rdate in rdates}
        exdates = {convert_to_datetime(exdate, tzinfo) for exdate in exdates}
        self.rules: list[tuple[Any, Moment | None]] = []
        last_until: Moment | None = None
        for rule_string in sorted(set(core.rrules)):
            rule, until = _create_rule(rule_string, self.start, all_dates=all_dates, tzinfo=tzinfo)
            self.rules.append((rule, until))
            if until and (not last_until or compare_greater(until, last_until)):
                last_until = until
        self.check_exdates_datetime.update(exdates)
        if not last_until or not compare_greater(self.start, last_until):
            rdates.add(self.start)
        # rruleset: sorted, consecutive equal values once.
        self.rdates: list[Any] = []
        for rdate in sorted(rdates):
            if not self.rdates or self.rdates[-1] != rdate:
                self.rdates.append(rdate)

    def between(self, span_start: dt.date, span_stop: dt.date, budget: Budget) -> Iterator[Any]:
        after = convert_to_datetime(span_start, self.tzinfo)
        before = convert_to_datetime(span_stop, self.tzinfo)
        for rdate in self.rdates:
            if rdate > before:
                break
            if rdate >= after:
                yield rdate
        budget.start_series()
        for rule, until in self.rules:
            for start in iterate_rule(rule, before, budget):
                if start >= after and (until is None or not compare_greater(start, until)):
                    yield start

    def original(self, value: Any) -> Any:
        return convert_to_date(value) if self.original_all_dates else value


def _expand(
    events: list[_Event], window: _Window, budget: Budget
) -> Iterator[tuple[_Event, Moment, Moment]]:
    """``Series(events).between(window.start, window.stop)``, as (component, start, end)."""
    core: _Event | None = None
    modified: dict[Any, _Event] = {}
    if len(events) == 1 and not events[0].recurrence_ids:
        core = events[0]
        events = []
    for event in events:
        if event.recurrence_ids:
            for recurrence_id in event.recurrence_ids:
                modified[recurrence_id] = with_highest_sequence(modified.get(recurrence_id), event)
        else:
            core = with_highest_sequence(core, event)
    modifications = list(dict.fromkeys(modified.values()))
    if core is None:
        for modification in modifications:
            if modification.in_span(window):
                yield modification, modification.start, modification.end
        return
    if (
        not core.rrules
        and not core.rdates
        and not core.exdates
        and not modifications
        and getattr(core.start, "tzinfo", None) is getattr(core.end, "tzinfo", None)
    ):
        # A single event: the rule set holds DTSTART only, and DTSTART + (DTEND - DTSTART)
        # is DTEND when both share their zone. The library looks for DTSTART from the
        # window's first day minus the duration (a date minus a timedelta: whole days).
        start: Any = core.start
        if isinstance(start, dt.datetime):
            after, high = window.extended(core.duration_span, start.tzinfo)
        else:
            after, high = window.extended(core.duration_span, None)
            start = dt.datetime(start.year, start.month, start.day)
        if after <= start <= high and core.in_span(window):
            yield core, core.start, core.end
        return
    recurrence = _Recurrence(core)
    duration = core.duration_span
    original = recurrence.original
    contains = window.contains
    returned_starts: set[Any] = set()
    starts = recurrence.between(window.start - duration, window.stop, budget)
    if not modified and not recurrence.check_exdates_datetime:
        # Nothing excluded, nothing moved: every start is the core's (start + 0 is start).
        for start in starts:
            if start in returned_starts:
                continue
            returned_starts.add(start)
            first = original(start)
            last = original(start + duration)
            if contains(first, last):
                yield core, first, last
        return
    returned: set[_Event] = set()
    for start in starts:
        recurrence_ids = to_recurrence_ids(start)
        if (
            start in returned_starts
            or convert_to_date(start) in recurrence.check_exdates_date
            or recurrence.check_exdates_datetime.intersection(recurrence_ids)
        ):
            continue
        adapter: _Event = get_any(modified, recurrence_ids, core)
        if adapter is core:
            returned_starts.add(start)
            occurrence_start = start + _ZERO
            first = original(occurrence_start)
            last = original(occurrence_start + duration)
            if contains(first, last):
                yield core, first, last
            continue
        if adapter in returned:
            continue
        returned.add(adapter)
        if adapter.in_span(window):
            yield adapter, adapter.start, adapter.end
    for modification in modifications:
        if modification in returned or recurrence.check_exdates_datetime.intersection(
            modification.recurrence_ids
        ):
            continue
        if modification.in_span(window):
            returned.add(modification)
            yield modification, modification.start, modification.end


# ---------------------------------------------------------------------------
# Shared with the library path
# ---------------------------------------------------------------------------


def utc_moment(value: Moment, default_tz: ZoneInfo) -> Moment:
    """A timed value in UTC (floating times read in ``default_tz``), a date as it is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=default_tz)
        return value.astimezone(dt.UTC)
    return value


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _moment_key(value: Moment | None) -> float:
    """Seconds since 1970 (UTC); a date just before its midnight, as its text sorts."""
    if value is None:
        return float("-inf")
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return (value.toordinal() - _EPOCH_ORDINAL) * 86400.0 - 0.5


def order_key(occurrence: Occurrence) -> tuple[str, float, float, float]:
    """(uid, start), then recurrence id and end: one order whatever the expansion order."""
    return (
        occurrence.uid,
        _moment_key(occurrence.start),
        _moment_key(occurrence.recurrence_id),
        _moment_key(occurrence.end),
    )


def event_problem(has_uid: bool, start: Moment | None, end: Moment | None) -> str | None:
    """Why an event cannot be used at all (both paths give the same words)."""
    if not has_uid:
        return "missing UID"
    if start is None:
        return "missing DTSTART"
    if (
        end is not None
        and type(end) is not type(start)
        and not (isinstance(start, dt.datetime) and isinstance(end, dt.datetime))
    ):
        return "DTSTART and DTEND are not both dates or both date-times"
    return None


# ---------------------------------------------------------------------------
# The fast path
# ---------------------------------------------------------------------------


_BLOCK_BYTES = 1 << 22


def _blocks(data: bytes) -> Iterator[bytes]:
    """The feed in blocks of about 4 MiB, each ending after a line end that no fold
    follows: a block holds whole logical lines (and whole UTF-8 characters)."""
    start = 0
    size = len(data)
    while start < size:
        cut = start + _BLOCK_BYTES
        while cut < size:
            cut = data.find(b"\n", cut)
            if cut < 0:
                cut = size
                break
            cut += 1
            if data[cut : cut + 1] not in (b" ", b"\t"):
                break
        yield data[start:cut]
        start = cut


def _logical_lines(data: bytes) -> tuple[Iterator[str], re.Pattern[bytes]] | None:
    """The unfolded, decoded lines (lazily), and the fold pattern that fits the line ends.

    Block by block, so that a large feed is never held as one more copy of
    itself plus a list of all its lines: the memory a 100 MB feed needs beyond
    its own bytes stays in the tens of megabytes.
    """
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data[:1] in (b" ", b"\t"):
        return None  # lone CRs: icalendar and our line numbers would disagree
    newlines = data.count(b"\n")
    # The same matches as _FOLD, found much faster when the line ends are all alike.
    fold = _FOLD_CRLF if crlf == newlines else _FOLD_LF if crlf == 0 else _FOLD
    separator = "\r\n" if crlf == newlines else "\n"

    def lines() -> Iterator[str]:
        pending = ""  # a block's last piece: the start of the next block's first line
        for block in _blocks(data):
            text = fold.sub(b"", block).decode("utf-8", errors="replace")
            if separator == "\n" and crlf:
                text = text.replace("\r\n", "\n")
            parts = text.split(separator)
            parts[0] = pending + parts[0]
            pending = parts.pop()
            yield from parts
        yield pending

    return lines(), fold


def _number_events(data: bytes, fold: re.Pattern[bytes], reader: _Reader) -> None:
    """Turn each event's index of unfolded line into the number of its first line."""
    events = reader.events
    if reader.plain_begins:
        positions = [match.start() + 1 for match in _BEGIN_VEVENT.finditer(data)]
        if len(positions) == len(events):
            # Each "BEGIN:VEVENT" line of the file is one of the events, in order.
            number = 1
            previous = 0
            for event, position in zip(events, positions, strict=True):
                number += data.count(b"\n", previous, position)
                previous = position
                event.line = number
            return
    folds: list[int] = []  # for each fold, the index of the unfolded line holding it
    newlines = 0
    previous = 0
    for count, match in enumerate(fold.finditer(data)):
        position = match.start()
        newlines += data.count(b"\n", previous, position)
        previous = position
        folds.append(newlines - count)
    for event in events:
        event.line = event.line + 1 + bisect.bisect_left(folds, event.line)


def parse_fast(
    data: bytes,
    *,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    limits: FeedLimits,
) -> ParsedFeed | None:
    """The feed's occurrences in the window, or ``None`` when it is outside the fast subset."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    split = _logical_lines(data)
    if split is None:
        return None
    lines, fold = split
    reader = _Reader(limits)
    with collector_paused():
        try:
            reader.read(lines)
            _number_events(data, fold, reader)
            return _occurrences(reader, window_start, window_end, default_tz, limits)
        except FeedUnreadable:
            raise
        except Exception:
            return None


def _occurrences(
    reader: _Reader,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    limits: FeedLimits,
) -> ParsedFeed:
    if reader.calscale is not None and reader.calscale != "GREGORIAN":
        raise _Bail
    if reader.x_wr_timezone is not None:
        try:
            calendar_zone = ZoneInfo(reader.x_wr_timezone)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError) as error:
            raise _Bail from error
        for event in reader.events:
            _to_calendar_zone(event, calendar_zone)
    rejected: list[FeedError] = []
    by_uid: dict[str, list[_Event]] = {}
    line_of_uid: dict[str, int] = {}
    recurring: set[str] = set()
    for event in reader.events:
        problem = event_problem(event.uid is not None, event.dtstart, event.dtend) or limit_problem(
            event.participant_count, event.property_count, limits
        )
        if problem is not None:
            rejected.append(FeedError(problem, line=event.line, uid=event.uid or None))
            continue
        uid = event.uid
        assert uid is not None
        if event.rid is not None and (event.rrules or event.rdates or event.exdates):
            raise _Bail  # an override with its own rules (skip_core_modification)
        if uid:
            line_of_uid.setdefault(uid, event.line)
        if event.rrules or event.rdates or event.rid is not None:
            recurring.add(uid)
        event.derive()
        by_uid.setdefault(uid, []).append(event)
    budget = Budget(limits)
    window = _Window(window_start, window_end)
    occurrences: list[Occurrence] = []
    kept = 0
    max_occurrences = limits.max_occurrences
    utc = dt.UTC
    events_read = len(reader.events)
    outside_window = 0
    # Each series is dropped once expanded, and the series are expanded in UID
    # order, each sorted on its own: a large feed's events, its occurrences and
    # a sort key for each of them are then never all in memory together.
    reader.events.clear()
    # A flat export repeats the same categories and people on every event: each
    # distinct value is kept once and shared by the occurrences (read-only).
    shared_categories: dict[tuple[str, ...], tuple[str, ...]] = {}
    shared_people: dict[tuple[int, ...], tuple[Participant, ...]] = {}
    no_properties: dict[str, str] = {}
    for uid in sorted(by_uid):
        events = by_uid.pop(uid)
        series: list[Occurrence] = []
        append = series.append
        line = line_of_uid.get(uid)
        is_recurring = uid in recurring
        shared: dict[int, tuple[tuple[str, ...], tuple[Participant, ...], tuple[str, ...]]] = {}
        for event in events:
            categories = tuple(event.categories)
            people = event.participants
            shared[id(event)] = (
                shared_categories.setdefault(categories, categories),
                shared_people.setdefault(tuple(map(id, people)), people),
                link_codes(*event.descriptions, event.location or "") + event.cues
                if event.descriptions
                or event.cues
                or (event.location and ("http" in event.location or "www." in event.location))
                else (),
            )
        for event, start, end in _expand(events, window, budget):
            budget.spend_occurrence()
            kept += 1
            if kept > max_occurrences:
                # The same occurrences as the library path's: it would say the same.
                raise FeedUnreadable([FeedError(too_many_occurrences(limits))])
            event_categories, event_people, event_links = shared[id(event)]
            if isinstance(start, dt.datetime):
                start_utc: Moment = (
                    start.astimezone(utc)
                    if start.tzinfo is not None
                    else start.replace(tzinfo=default_tz).astimezone(utc)
                )
            else:
                start_utc = start
            recurrence: Moment | None = None
            if is_recurring:
                recurrence = start_utc if event.rid is None else utc_moment(event.rid, default_tz)
            append(
                Occurrence(
                    uid=uid,
                    start=start_utc,
                    end=utc_moment(end, default_tz),
                    all_day=not isinstance(start_utc, dt.datetime),
                    recurrence_id=recurrence,
                    status=event.status.upper() if event.status else "",
                    summary=event.summary or "",
                    location=event.location or "",
                    categories=event_categories,
                    participants=event_people,
                    properties=dict(event.properties) if event.properties else no_properties,
                    line=line,
                    links=event_links,
                )
            )
        if not series:
            outside_window += 1
        elif len(series) > 1:
            series.sort(key=order_key)
        occurrences.extend(series)
    return ParsedFeed(
        occurrences=occurrences,
        rejected=rejected,
        events_read=events_read,
        outside_window=outside_window,
    )


def _to_calendar_zone(event: _Event, zone: ZoneInfo) -> None:
    """x-wr-timezone: UTC and floating date-times move to the calendar's zone."""

    def convert(value: Moment | None) -> Any:
        if not isinstance(value, dt.datetime):
            return value
        name = value.tzname()
        if name is None:
            return value.replace(tzinfo=zone)
        if name.upper() == "UTC":
            return value.astimezone(zone)
        return value

    event.dtstart = convert(event.dtstart)
    event.dtend = convert(event.dtend)
    event.rid = convert(event.rid)
    event.rdates = [convert(value) for value in event.rdates]
    event.exdates = [convert(value) for value in event.exdates]
