"""Periods named as users write them, for the routes that take ``?period=`` or ``?week=``.

The codes are the counting's (``ditep_counting.engine.periods``: ISO week, month,
quarter, calendar year, school year); this module adds the ``start/end`` range form
(end excluded) and turns a bad code into a 422 problem naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query

from ditep_core.web.problems import InvalidRequest
from ditep_counting.engine.periods import (
    CALENDAR_PERIOD_PATTERN,
    ISO_WEEK_PATTERN,
    PERIOD_CODE_PATTERN,
    PERIOD_OR_RANGE_PATTERN,
    QUARTER_PATTERN,
    CountingPeriod,
    PeriodError,
    range_period,
)
from ditep_counting.engine.periods import parse_period as parse_period_code

ReportingPeriod = CountingPeriod

PERIOD_FORMATS = "2025-W11, 2025-03, 2025-Q1, 2025, 2024-2025 or 2025-01-01/2025-04-01"
_CODES = (
    "Période : 2025-Q1 (trimestre), 2025-03 (mois), 2025-W11 (semaine ISO), "
    "2025 (année civile), 2024-2025 (année scolaire, 1er sept.–31 août)"
)

# The route parameters that take periods, with the patterns the parsers accept.
PeriodCode = Annotated[str | None, Query(pattern=PERIOD_CODE_PATTERN, description=_CODES)]
PeriodPath = Annotated[str, Path(pattern=PERIOD_CODE_PATTERN, description=_CODES)]
PeriodOrRange = Annotated[
    str,
    Query(
        pattern=PERIOD_OR_RANGE_PATTERN,
        description=f"{_CODES}, ou 2025-01-01/2025-04-01 (du premier jour au dernier exclu)",
    ),
]
# ARS and national routes: calendar periods only. A day range (or an ISO week) would let
# a reader difference two overlapping ranges down to one day's figures (docs/ars-integration.md).
_CALENDAR = (
    "Période civile : 2025-Q1 (trimestre), 2025-03 (mois), 2025 (année civile), "
    "2024-2025 (année scolaire, 1er sept.–31 août)"
)
CalendarPeriod = Annotated[str, Query(pattern=CALENDAR_PERIOD_PATTERN, description=_CALENDAR)]
QuarterQuery = Annotated[
    str, Query(pattern=QUARTER_PATTERN, description="Trimestre civil, ex. 2025-Q1")
]
QuarterPath = Annotated[
    str, Path(pattern=QUARTER_PATTERN, description="Trimestre civil, ex. 2025-Q1")
]
IsoWeek = Annotated[str, Query(pattern=ISO_WEEK_PATTERN, description="Semaine ISO, ex. 2025-W11")]
ReferenceWeek = Annotated[
    str | None,
    Query(
        pattern=ISO_WEEK_PATTERN,
        description="Semaine de référence de la capacité (2025-W11); défaut : dernière "
        "semaine complète de la période",
    ),
]


def _invalid(text: str, expected: str, location: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{text}' is not a period: expected {expected}",
        errors=[{"location": location, "message": expected}],
    )


def parse_week(text: str) -> CountingPeriod:
    """An ISO week such as ``2025-W11``."""
    try:
        period = parse_period_code(text)
    except PeriodError as error:
        raise _invalid(text, "an existing ISO week like 2025-W11", "query.week") from error
    if period.days != 7 or period.start.weekday() != 0:
        raise _invalid(text, "an ISO week like 2025-W11", "query.week")
    return period


def parse_period(text: str) -> CountingPeriod:
    """A period code, or ``start/end`` dates with the end excluded."""
    value = text.strip()
    try:
        if "/" in value:
            first, _, last = value.partition("/")
            return range_period(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        return parse_period_code(value)
    except (PeriodError, ValueError) as error:
        raise _invalid(text, PERIOD_FORMATS, "query.period") from error


CALENDAR_FORMATS = "2025-03, 2025-Q1, 2025 or 2024-2025 (a month, quarter, calendar or school year)"


def parse_calendar_period(text: str, location: str = "query.period") -> CountingPeriod:
    """A month, a quarter, a calendar year or a school year: what ARS routes accept."""
    try:
        period = parse_period_code(text)
    except PeriodError as error:
        raise _invalid(text, CALENDAR_FORMATS, location) from error
    if not period.whole_months:
        raise _invalid(text, CALENDAR_FORMATS, location)
    return period


def parse_quarter(text: str, location: str = "query.period") -> CountingPeriod:
    """A calendar quarter such as ``2025-Q1``: what is transmitted."""
    try:
        period = parse_period_code(text)
    except PeriodError as error:
        raise _invalid(text, "a quarter like 2025-Q1", location) from error
    if not period.code.strip()[4:6] == "-Q":
        raise _invalid(text, "a quarter like 2025-Q1", location)
    return period
