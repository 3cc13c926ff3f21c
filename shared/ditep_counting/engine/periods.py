"""Counting periods: 2025-Q1, 2025-03, 2025-W11, 2025, 2024-2025, or date ranges."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class PeriodError(ValueError):
    """A period code or range that cannot be read."""


@dataclass(frozen=True, slots=True)
class CountingPeriod:
    code: str
    start: dt.date
    end: dt.date  # excluded

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def whole_months(self) -> bool:
        """Made of whole months (months, quarters, years, school years): month rollups do."""
        return self.start.day == 1 and self.end.day == 1


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_code(week_start: dt.date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


_PATTERNS = {
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
    "school_year": re.compile(r"^(\d{4})-(\d{4})$"),
}


# The codes as OpenAPI patterns, exact for the years 2000-2099 (the API reads any year,
# but a pattern cannot check arithmetic: long ISO years and consecutive school years are listed).
_YEAR = r"20[0-9]{2}"
_LONG_YEARS = "|".join(
    str(year) for year in range(2000, 2100) if dt.date(year, 12, 28).isocalendar()[1] == 53
)
_WEEK = rf"{_YEAR}-W(?:0[1-9]|[1-4][0-9]|5[0-2])|(?:{_LONG_YEARS})-W53"
_SCHOOL_YEARS = "|".join(f"{year}-{year + 1}" for year in range(2000, 2099))
# A day that exists in every year (29 February left out).
_DAY = (
    rf"{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
ISO_WEEK_PATTERN = rf"^(?:{_WEEK})$"
PERIOD_CODE_PATTERN = rf"^(?:{_YEAR}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?|{_WEEK}|{_SCHOOL_YEARS})$"
# A code, or ``start/end`` days (end excluded).
PERIOD_OR_RANGE_PATTERN = PERIOD_CODE_PATTERN[:-2] + rf"|{_DAY}/{_DAY})$"


def parse_period(code: str) -> CountingPeriod:
    """A period from its code; weeks are ISO weeks, school years run 1 Sept–31 Aug."""
    text = code.strip()
    if match := _PATTERNS["quarter"].match(text):
        year, quarter = int(match[1]), int(match[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        return CountingPeriod(text, start, end)
    if match := _PATTERNS["month"].match(text):
        year, month = int(match[1]), int(match[2])
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return CountingPeriod(text, dt.date(year, month, 1), end)
    if match := _PATTERNS["week"].match(text):
        try:
            start = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as error:
            raise PeriodError(f"no ISO week {text}") from error
        return CountingPeriod(text, start, start + dt.timedelta(days=7))
    if match := _PATTERNS["year"].match(text):
        year = int(match[1])
        return CountingPeriod(text, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    if match := _PATTERNS["school_year"].match(text):
        first, second = int(match[1]), int(match[2])
        if second != first + 1:
            raise PeriodError(f"a school year is two consecutive years, not {text}")
        return CountingPeriod(text, dt.date(first, 9, 1), dt.date(second, 9, 1))
    raise PeriodError(f"unknown period {code!r}: use 2025-Q1, 2025-03, 2025-W11, 2025 or 2024-2025")


def range_period(start: dt.date, end: dt.date) -> CountingPeriod:
    if end <= start:
        raise PeriodError("the period must end after it starts ('end' is exclusive)")
    return CountingPeriod(f"{start.isoformat()}..{end.isoformat()}", start, end)


def covering_weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays of the ISO weeks having at least one day in [start, end)."""
    first, last = monday(start), monday(end - dt.timedelta(days=1))
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def week_in_period(week_start: dt.date, start: dt.date, end: dt.date) -> bool:
    """A week belongs to the period holding its Thursday (the ISO rule)."""
    return start <= week_start + dt.timedelta(days=3) < end


def reference_week(period: CountingPeriod) -> dt.date:
    """The last full ISO week inside the period, else the week of its last day."""
    last_monday = monday(period.end - dt.timedelta(days=7))
    if last_monday >= period.start:
        return last_monday
    return monday(period.end - dt.timedelta(days=1))


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months having at least one day in [start, end)."""
    months = []
    month = dt.date(start.year, start.month, 1)
    while month < end:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
