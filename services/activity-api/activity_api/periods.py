"""Reporting periods named as users write them (counting.md: week, month, quarter,
school year, calendar year, or a date range). Pure.

``2025-W11`` (ISO week), ``2025-03``, ``2025-Q1``, ``2025``, ``2024-2025`` (school
year, 1 September to 31 August) and ``2025-01-01/2025-04-01`` (end excluded).
Ends are exclusive.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ditep_core.web.problems import InvalidRequest

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    label: str
    start: dt.date
    end: dt.date


def _invalid(text: str, expected: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{text}' is not a period: expected {expected}",
        errors=[{"location": "query.period", "message": expected}],
    )


PERIOD_FORMATS = "2025-W11, 2025-03, 2025-Q1, 2025, 2024-2025 or 2025-01-01/2025-04-01"


def parse_week(text: str) -> ReportingPeriod:
    match = _WEEK.match(text.strip())
    if match is None:
        raise _invalid(text, "an ISO week like 2025-W11")
    year, week = int(match[1]), int(match[2])
    try:
        start = dt.date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise _invalid(text, "an existing ISO week") from error
    return ReportingPeriod(f"{year}-W{week:02d}", start, start + dt.timedelta(days=7))


def parse_period(text: str) -> ReportingPeriod:
    value = text.strip()
    try:
        if _WEEK.match(value):
            return parse_week(value)
        if match := _MONTH.match(value):
            year, month = int(match[1]), int(match[2])
            start = dt.date(year, month, 1)
            end = dt.date(year + month // 12, month % 12 + 1, 1)
            return ReportingPeriod(value, start, end)
        if match := _QUARTER.match(value):
            year, quarter = int(match[1]), int(match[2])
            start = dt.date(year, 3 * quarter - 2, 1)
            end = dt.date(year + quarter // 4, (3 * quarter) % 12 + 1, 1)
            return ReportingPeriod(value, start, end)
        if match := _YEAR.match(value):
            year = int(match[1])
            return ReportingPeriod(value, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        if match := _SCHOOL_YEAR.match(value):
            first, second = int(match[1]), int(match[2])
            if second != first + 1:
                raise _invalid(text, "a school year like 2024-2025 (consecutive years)")
            return ReportingPeriod(value, dt.date(first, 9, 1), dt.date(second, 9, 1))
        if match := _RANGE.match(value):
            start, end = dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2])
            if end <= start:
                raise _invalid(text, "a range whose end (excluded) is after its start")
            return ReportingPeriod(value, start, end)
    except ValueError as error:
        raise _invalid(text, PERIOD_FORMATS) from error
    raise _invalid(text, PERIOD_FORMATS)
