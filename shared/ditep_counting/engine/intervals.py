"""Merging time intervals: one young person's overlapping sessions count once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Interval = tuple[dt.datetime, dt.datetime]


def merged_minutes(intervals: Iterable[Interval]) -> float:
    """Total minutes covered by the intervals, overlaps counted once.

    Arithmetic is on UTC datetimes, so a DST change inside an interval is counted
    as the time that really passed (Python subtracts two datetimes of one zone as
    wall-clock times).
    """
    total = dt.timedelta()
    current_start: dt.datetime | None = None
    current_end: dt.datetime | None = None
    for start, end in sorted((a.astimezone(dt.UTC), b.astimezone(dt.UTC)) for a, b in intervals):
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return total.total_seconds() / 60
