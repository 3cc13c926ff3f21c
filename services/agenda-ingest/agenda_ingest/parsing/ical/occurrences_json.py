"""Occurrences in the JSON form of ``ditep ical occurrences``, shared with the exact tests.

One object per occurrence with exactly ``uid``, ``start``, ``end``, ``all_day``
and ``recurrence_id``: a timed value as UTC ``YYYY-MM-DDTHH:MM:SSZ``, an
all-day value as ``YYYY-MM-DD``; ``recurrence_id`` is the original start of an
occurrence of a recurring event, ``null`` for an event that does not recur.
"""

from __future__ import annotations

from agenda_ingest.parsing.normalised import Occurrence, format_moment

OccurrenceJson = dict[str, str | bool | None]


def occurrence_json(occurrence: Occurrence) -> OccurrenceJson:
    """The occurrence as ``ditep ical occurrences`` prints it (the parser gives UTC already)."""
    return {
        "uid": occurrence.uid,
        "start": format_moment(occurrence.start),
        "end": format_moment(occurrence.end),
        "all_day": occurrence.all_day,
        "recurrence_id": (
            format_moment(occurrence.recurrence_id)
            if occurrence.recurrence_id is not None
            else None
        ),
    }


def sort_occurrences(occurrences: list[OccurrenceJson]) -> list[OccurrenceJson]:
    """Sorted by (uid, start), ties by recurrence id then end: one order for any source."""
    return sorted(
        occurrences,
        key=lambda occurrence: (
            str(occurrence["uid"]),
            str(occurrence["start"]),
            str(occurrence["recurrence_id"] or ""),
            str(occurrence["end"]),
        ),
    )
