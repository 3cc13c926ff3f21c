"""Counting periods: 2025-Q1, 2025-03, 2025-W11, 2025, 2024-2025, or date ranges."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The days the service reads (ditep_core.days), re-exported for the counting's callers.
from ditep_core.days import DAYS_READ as DAYS_READ
from ditep_core.days import FIRST_DAY as FIRST_DAY
from ditep_core.days import FIRST_YEAR as FIRST_YEAR
from ditep_core.days import LAST_DAY as LAST_DAY
from ditep_core.days import LAST_YEAR as LAST_YEAR
from ditep_core.days import day_in_range as day_in_range


class PeriodError(ValueError):
    """A period code or range that cannot be read."""


def check_day(day: dt.date, name: str = "day") -> dt.date:
    """``day`` if the service reads it, else a ``PeriodError`` naming ``name``."""
    if not day_in_range(day):
        raise PeriodError(f"{name} {day.isoformat()} is out of range: days are {DAYS_READ}")
    return day


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
QUARTER_PATTERN = rf"^(?:{_YEAR}-Q[1-4])$"
# Calendar periods (month, quarter, calendar year, school year): no ISO week, no day range.
CALENDAR_PERIOD_PATTERN = rf"^(?:{_YEAR}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?|{_SCHOOL_YEARS})$"
# A code, or ``start/end`` days (end excluded).
PERIOD_OR_RANGE_PATTERN = PERIOD_CODE_PATTERN[:-2] + rf"|{_DAY}/{_DAY})$"


def parse_period(code: str) -> CountingPeriod:
    """A period from its code; weeks are ISO weeks, school years run 1 Sept–31 Aug.

    Any other text, or a year outside ``FIRST_YEAR``–``LAST_YEAR``, is a ``PeriodError``
    (never another exception).
    """
    text = code.strip()
    kind, match = next(
        ((kind, match) for kind, pattern in _PATTERNS.items() if (match := pattern.match(text))),
        (None, None),
    )
    if kind is None or match is None:
        raise PeriodError(
            f"unknown period {code!r}: use 2025-Q1, 2025-03, 2025-W11, 2025 or 2024-2025"
        )
    year = int(match[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"period {text}: years {FIRST_YEAR}–{LAST_YEAR} only")
    return _period_of(kind, text, year, match)


def _period_of(kind: str, text: str, year: int, match: re.Match[str]) -> CountingPeriod:
    if kind == "quarter":
        quarter = int(match[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        return CountingPeriod(text, start, end)
    if kind == "month":
        month = int(match[2])
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return CountingPeriod(text, dt.date(year, month, 1), end)
    if kind == "week":
        try:
            start = dt.date.fromisocalendar(year, int(match[2]), 1)
        except ValueError as error:
            raise PeriodError(f"no ISO week {text}") from error
        return CountingPeriod(text, start, start + dt.timedelta(days=7))
    if kind == "year":
        return CountingPeriod(text, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    second = int(match[2])
    if second != year + 1:
        raise PeriodError(f"a school year is two consecutive years, not {text}")
    return CountingPeriod(text, dt.date(year, 9, 1), dt.date(second, 9, 1))


def range_period(start: dt.date, end: dt.date) -> CountingPeriod:
    check_day(start, "start")
    # The end is excluded: the day after the last day read is still read.
    check_day(end - dt.timedelta(days=1) if end > dt.date.min else end, "end")
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
