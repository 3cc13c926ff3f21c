"""The libraries of the field, used directly: what our parser is measured against.

``reference_occurrences`` reads a calendar the way its authors document it
(``icalendar`` 7, then ``x-wr-timezone``, then ``recurring-ical-events`` 3)
and gives each occurrence in the normalised JSON form of
``ditep ical occurrences``. It does none of our own work (no unfolding at the
byte level, no per-event rejection, no caps): it is the yardstick of the exact
tests, not a parser to ingest with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

from agenda_ingest.parsing.ical.occurrences_json import OccurrenceJson, sort_occurrences
from agenda_ingest.parsing.normalised import format_moment


def reference_occurrences(
    data: bytes, start: dt.date, end: dt.date, tz: ZoneInfo
) -> list[OccurrenceJson]:
    """The libraries' occurrences in [start, end), normalised and sorted by (uid, start).

    The library stamps a RECURRENCE-ID on every occurrence, even of an event
    that does not recur: it is kept only for a UID that has an RRULE or an
    RDATE, or an override (a component with a RECURRENCE-ID).
    """
    calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(data))
    recurring = {
        str(event.get("UID"))
        for event in calendar.walk("VEVENT")
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event
    }
    result = [
        _normalise(component, tz, recurring)
        for component in recurring_ical_events.of(calendar).between(start, end)
    ]
    return sort_occurrences(result)


def _normalise(component: Any, tz: ZoneInfo, recurring: set[str]) -> OccurrenceJson:
    uid = str(component.get("UID"))
    start = component["DTSTART"].dt
    recurrence = component.get("RECURRENCE-ID") if uid in recurring else None
    return {
        "uid": uid,
        "start": _moment(start, tz),
        "end": _moment(component["DTEND"].dt, tz),
        "all_day": not isinstance(start, dt.datetime),
        "recurrence_id": _moment(recurrence.dt, tz) if recurrence is not None else None,
    }


def _moment(value: dt.datetime | dt.date, tz: ZoneInfo) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return format_moment(value)
