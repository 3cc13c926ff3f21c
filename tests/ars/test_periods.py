"""Reporting periods as users write them."""

from __future__ import annotations

import datetime as dt

import pytest

from activity_api.periods import parse_period, parse_week
from ditep_core.web.problems import InvalidRequest


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
