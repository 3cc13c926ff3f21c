"""The iCalendar parsers use internals of icalendar, recurring-ical-events and dateutil:
on any version but the pinned one, these tests fail and say which internal to re-read.

See ``agenda_ingest.parsing.ical.pinned``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import re
import tomllib
from pathlib import Path
from typing import Any

import icalendar
import pytest
from dateutil import rrule as dateutil_rrule  # type: ignore[import-untyped]

from agenda_ingest.parsing.ical.pinned import (
    MODULE_INTERNALS,
    PINNED,
    RRULE_INTERNALS,
    SERIES_INTERNALS,
)

ROOT = Path(__file__).resolve().parents[4]


def _installed(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def _what_to_do(distribution: str) -> str:
    return (
        f"re-read them against {distribution} {_installed(distribution)}, run "
        "tests/agenda_ingest/parsing/ical/test_ical_exact.py and benchmarks.bench_ical_ingest, "
        "then update the pin in "
        "agenda_ingest/parsing/ical/pinned.py, pyproject.toml and requirements/constraints.txt"
    )


@pytest.mark.parametrize("distribution", sorted(PINNED))
def test_the_installed_version_is_the_pinned_one(distribution: str) -> None:
    pinned, installed = PINNED[distribution], _installed(distribution)
    internals = MODULE_INTERNALS[distribution]
    assert installed == pinned, (
        f"{distribution} {installed} is installed, but the iCalendar parsers use internals of "
        f"{distribution} {pinned} ({', '.join(internals)}…): {_what_to_do(distribution)}"
    )


@pytest.mark.parametrize("distribution", sorted(PINNED))
def test_pyproject_and_constraints_pin_the_same_version(distribution: str) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirement = f"{distribution}=={PINNED[distribution]}"
    assert requirement in config["project"]["dependencies"], (
        f"pyproject.toml must pin {requirement}: the iCalendar parsers use its internals"
    )
    constraints = (ROOT / "requirements/constraints.txt").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(requirement)}$", constraints, re.MULTILINE), (
        f"requirements/constraints.txt must pin {requirement}, as pyproject.toml does"
    )


@pytest.mark.parametrize(
    ("distribution", "internal"),
    [(distribution, name) for distribution, names in MODULE_INTERNALS.items() for name in names],
)
def test_each_internal_is_there(distribution: str, internal: str) -> None:
    module_name, _, attributes = internal.partition(":")
    where = (
        f"{internal} of {distribution} {_installed(distribution)} (pinned {PINNED[distribution]})"
    )
    try:
        found: Any = importlib.import_module(module_name)
        for attribute in attributes.split("."):
            found = getattr(found, attribute)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{where} is gone ({error}): {_what_to_do(distribution)}")


def test_dateutil_iter_still_builds_its_periods_through_the_module_iterinfo() -> None:
    """``limits._bounded_rrule_iter`` swaps the global ``_iterinfo`` of a copy of
    ``rrule._iter``: if ``_iter`` stopped looking it up there, no step would be counted."""
    names = dateutil_rrule.rrule._iter.__code__.co_names
    assert "_iterinfo" in names, (
        "dateutil.rrule.rrule._iter no longer reads the module global _iterinfo in "
        f"python-dateutil {_installed('python-dateutil')} (pinned {PINNED['python-dateutil']}): "
        "the expansion budget would count nothing; " + _what_to_do("python-dateutil")
    )


def test_the_rule_attributes_check_rule_reads_are_there() -> None:
    rule = dateutil_rrule.rrulestr("FREQ=MINUTELY;BYHOUR=9", dtstart=dt.datetime(2025, 1, 6))
    for internal in RRULE_INTERNALS:
        assert hasattr(rule, internal.split(".")[1]), (
            f"{internal} of python-dateutil {_installed('python-dateutil')} "
            f"(pinned {PINNED['python-dateutil']}) is gone: " + _what_to_do("python-dateutil")
        )


_FEED = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n"
    b"DTSTART:20250106T090000Z\r\nDTEND:20250106T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_the_series_attributes_parser_reads_are_there() -> None:
    from recurring_ical_events.adapters.event import EventAdapter
    from recurring_ical_events.series import Series

    event = icalendar.Calendar.from_ical(_FEED).walk("VEVENT")[0]
    series = Series([EventAdapter(event)])
    occurrence = next(iter(series.between(dt.date(2025, 1, 1), dt.date(2025, 2, 1))))
    roots = {"Series": series, "Occurrence": occurrence}
    for internal in SERIES_INTERNALS:
        root, *attributes = internal.split(".")
        found: Any = roots[root]
        try:
            for attribute in attributes:
                found = getattr(found, attribute)
        except AttributeError as error:
            pytest.fail(
                f"{internal} of recurring-ical-events {_installed('recurring-ical-events')} "
                f"(pinned {PINNED['recurring-ical-events']}) is gone ({error}): "
                + _what_to_do("recurring-ical-events")
            )
