"""The patterns the OpenAPI documents state are the ones the parsers accept."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from activity_api.main import create_app as create_api_app
from activity_api.periods import parse_period, parse_week
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core.web.problems import PROBLEM_MEDIA_TYPE
from ditep_counting.engine.periods import (
    ISO_WEEK_PATTERN,
    PERIOD_CODE_PATTERN,
    PERIOD_OR_RANGE_PATTERN,
)
from ditep_counting.engine.periods import parse_period as parse_period_code
from tests.conftest import make_settings


@settings(max_examples=300, derandomize=True)
@given(st.from_regex(PERIOD_CODE_PATTERN, fullmatch=True))
def test_every_period_code_of_the_pattern_is_read(code: str) -> None:
    parse_period_code(code)


@settings(max_examples=200, derandomize=True)
@given(st.from_regex(ISO_WEEK_PATTERN, fullmatch=True))
def test_every_week_of_the_pattern_is_an_iso_week(code: str) -> None:
    assert parse_week(code).days == 7


@settings(max_examples=300, derandomize=True)
@given(st.from_regex(PERIOD_OR_RANGE_PATTERN, fullmatch=True))
def test_every_range_of_the_pattern_is_read_unless_reversed(code: str) -> None:
    if "/" in code:
        first, last = (dt.date.fromisoformat(day) for day in code.split("/"))
        if last <= first:
            return
    parse_period(code)


@pytest.mark.parametrize("year", range(2000, 2100))
def test_week_53_is_in_the_pattern_exactly_when_it_exists(year: int) -> None:
    exists = dt.date(year, 12, 28).isocalendar()[1] == 53
    assert bool(re.fullmatch(ISO_WEEK_PATTERN, f"{year}-W53")) == exists
    assert bool(re.fullmatch(PERIOD_CODE_PATTERN, f"{year}-{year + 1}")) == (year < 2099)
    assert not re.fullmatch(PERIOD_CODE_PATTERN, f"{year}-{year + 2}")


@pytest.mark.parametrize("create_app", [create_ingest_app, create_api_app])
def test_every_error_response_is_a_declared_problem(create_app: Callable[..., FastAPI]) -> None:
    document = create_app(make_settings()).openapi()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path.startswith("/v1/"):
                assert {"401", "403", "422", "503"} <= set(responses), (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path)
