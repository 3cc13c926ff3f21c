"""Reporting periods as users write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activity_api.periods import parse_period, parse_week
from ditep_core.web.problems import InvalidRequest
from ditep_counting.engine.periods import (
    FIRST_DAY,
    LAST_DAY,
    CountingPeriod,
    PeriodError,
    covering_weeks,
    day_in_range,
    month_starts,
    range_period,
    reference_week,
)
from ditep_counting.engine.periods import parse_period as parse_period_code


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-W11", "2025-03-10", "2025-03-17"),
        ("2025-W01", "2024-12-30", "2025-01-06"),
        ("2026-W53", "2026-12-28", "2027-01-04"),
        ("2025-03", "2025-03-01", "2025-04-01"),
        ("2025-12", "2025-12-01", "2026-01-01"),
        ("2025-Q1", "2025-01-01", "2025-04-01"),
        ("2025-Q4", "2025-10-01", "2026-01-01"),
        ("2025", "2025-01-01", "2026-01-01"),
        ("2024-2025", "2024-09-01", "2025-09-01"),
        ("2025-01-15/2025-02-01", "2025-01-15", "2025-02-01"),
    ],
)
def test_periods(text: str, start: str, end: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-Q5", "2024-2026", "2025-W54", "2025-02-01/2025-01-01", "soon", ""]
)
def test_bad_periods_are_problems(text: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_period(text)


def test_a_week_must_be_a_week() -> None:
    with pytest.raises(InvalidRequest):
        parse_week("2025-03")
    assert parse_week("2025-W11").code == "2025-W11"


# --- issue 14: any text, any day: a period or the domain error, nothing else -------------

_CODE_LIKE = st.from_regex(
    r"\A[ ]?-?[0-9]{1,6}(?:-(?:Q[0-9]|[0-9]{1,3}|W[0-9]{1,3}|[0-9]{1,6}))?[ ]?\Z"
)
_RANGE_LIKE = st.builds(
    lambda first, second: f"{first.isoformat()}/{second.isoformat()}",
    st.dates(),
    st.dates(),
)


def _exercise(period: CountingPeriod) -> None:
    """What the routes do with a period: none of it may overflow."""
    assert FIRST_DAY <= period.start < period.end <= LAST_DAY + dt.timedelta(days=1)
    reference_week(period)
    month_starts(period.start, min(period.end, period.start + dt.timedelta(days=400)))
    covering_weeks(period.start, min(period.end, period.start + dt.timedelta(days=400)))


def _outcome(parse: Callable[[str], CountingPeriod], text: str) -> CountingPeriod | InvalidRequest:
    try:
        return parse(text)
    except InvalidRequest as problem:
        return problem


@given(st.one_of(st.text(), _CODE_LIKE, _RANGE_LIKE))
@settings(max_examples=500, deadline=None)
def test_the_period_parser_returns_a_period_or_the_domain_error(text: str) -> None:
    try:
        period = parse_period_code(text)
    except PeriodError:
        pass
    else:
        _exercise(period)
    read = _outcome(parse_period, text)
    if isinstance(read, InvalidRequest):
        assert read.status == 422
        assert read.errors[0]["location"] == "query.period"
    else:
        _exercise(read)
    week = _outcome(parse_week, text)
    if isinstance(week, InvalidRequest):
        assert week.status == 422
    else:
        assert week.days == 7
        assert week.start.weekday() == 0


@given(st.dates(), st.dates())
@settings(max_examples=300, deadline=None)
def test_any_day_range_is_a_period_or_the_domain_error(start: dt.date, end: dt.date) -> None:
    try:
        period = range_period(start, end)
    except PeriodError:
        assert not (day_in_range(start) and day_in_range(end - dt.timedelta(days=1))) or (
            end <= start
        )
    else:
        _exercise(period)


@pytest.mark.parametrize(
    "text", ["0001-Q1", "9999-Q4", "9999", "0001-01", "0001-W01", "9999-W52", "0000", "9998-9999"]
)
def test_the_reported_periods_are_domain_errors(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period_code(text)
    with pytest.raises(InvalidRequest):
        parse_period(text)
