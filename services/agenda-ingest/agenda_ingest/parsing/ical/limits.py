"""The iCalendar parsers' own limits: the budget of a recurrence's expansion and the
per-event and per-feed problems, in the same words for both paths (the fast path,
``fastpath.py``, and the library path, ``parser.py``).

dateutil gives no bound on the work between two values of a rule; ``Budget``
counts every step of an expansion against ``FeedLimits.max_recurrence_steps``
(per feed) and ``max_recurrence_steps_per_series``, through ``iterate_rule``.
This uses dateutil internals (``rrule._iter``, ``_iterinfo``, ``_freq``,
``_byhour``, ``_byminute``): python-dateutil is pinned to the version they were
read from, and ``tests/agenda_ingest/parsing/ical/test_pinned_internals.py`` names them.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterator
from typing import Any

from dateutil import rrule as dateutil_rrule  # type: ignore[import-untyped]

from agenda_ingest.parsing.limits import FeedLimits, too_many_participants


class RecurrenceTooLong(Exception):
    """A recurrence needs more steps than the caps allow."""

    def __init__(self, *, whole_feed: bool) -> None:
        super().__init__("whole feed" if whole_feed else "one series")
        self.whole_feed = whole_feed


class UnsupportedRecurrence(Exception):
    """A recurrence rule whose expansion cannot be bounded (see ``check_rule``)."""


class Budget:
    """Steps left for the current series and for the whole feed."""

    __slots__ = ("feed_cap", "feed_left", "series_cap", "series_left")

    def __init__(self, limits: FeedLimits) -> None:
        self.series_cap = limits.max_recurrence_steps_per_series
        self.series_left = self.series_cap
        self.feed_cap = limits.max_recurrence_steps
        self.feed_left = self.feed_cap

    def start_series(self) -> None:
        self.series_left = self.series_cap

    def spend_step(self) -> None:
        """One period walked or one value given by a rule."""
        self.series_left -= 1
        self.feed_left -= 1
        if self.feed_left < 0:
            raise RecurrenceTooLong(whole_feed=True)
        if self.series_left < 0:
            raise RecurrenceTooLong(whole_feed=False)

    def spend_occurrence(self) -> None:
        """One occurrence kept in the window (it counts for the feed only)."""
        self.feed_left -= 1
        if self.feed_left < 0:
            raise RecurrenceTooLong(whole_feed=True)


class _CountingIterinfo(dateutil_rrule._iterinfo):  # type: ignore[misc]
    """dateutil's per-iteration helper, charging every period it builds to a budget.

    dateutil gives no bound on the work between two results: a rule that can
    never match (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) walks every day up to
    the year 9999. Each turn of ``rrule._iter`` asks for one period (a year, a
    month, a week or a day) through these methods: counting them bounds it.
    """

    def __init__(self, rule: Any) -> None:
        super().__init__(rule)
        self._budget: Budget = rule._ditep_budget

    def ydayset(self, year: int, month: int, day: int) -> Any:
        self._budget.spend_step()
        return super().ydayset(year, month, day)

    def mdayset(self, year: int, month: int, day: int) -> Any:
        self._budget.spend_step()
        return super().mdayset(year, month, day)

    def wdayset(self, year: int, month: int, day: int) -> Any:
        self._budget.spend_step()
        return super().wdayset(year, month, day)

    def ddayset(self, year: int, month: int, day: int) -> Any:
        self._budget.spend_step()
        return super().ddayset(year, month, day)


# ``rrule._iter`` itself, with ``_iterinfo`` resolved to the counting one.
# Nothing in dateutil is patched: only this copy of the function sees it.
_bounded_rrule_iter = types.FunctionType(
    dateutil_rrule.rrule._iter.__code__,
    {**vars(dateutil_rrule), "_iterinfo": _CountingIterinfo},
    "_bounded_iter",
    dateutil_rrule.rrule._iter.__defaults__,
    dateutil_rrule.rrule._iter.__closure__,
)


def check_rule(rule: Any) -> None:
    """Refuse the rules whose gaps dateutil walks second by second.

    With ``FREQ=SECONDLY`` and ``BYHOUR``/``BYMINUTE`` (or ``FREQ=MINUTELY``
    and ``BYHOUR``), dateutil steps through every second (minute) between two
    allowed hours without returning to its main loop: no budget can stop it.
    """
    freq = rule._freq
    if (freq == dateutil_rrule.SECONDLY and (rule._byhour or rule._byminute)) or (
        freq == dateutil_rrule.MINUTELY and rule._byhour
    ):
        raise UnsupportedRecurrence(
            "FREQ=SECONDLY or MINUTELY restricted by BYHOUR/BYMINUTE is not supported"
        )


def iterate_rule(rule: Any, before: dt.datetime, budget: Budget) -> Iterator[dt.datetime]:
    """The rule's values up to ``before`` (included), lazily, each step charged to ``budget``.

    The same values, in the same order, as ``rule.between(…, before, inc=True)``
    before the lower bound is applied; the walk stops at the first value after
    ``before``, as dateutil's ``between`` does.
    """
    check_rule(rule)
    rule._ditep_budget = budget
    for value in _bounded_rrule_iter(rule):
        budget.spend_step()
        if value > before:
            return
        yield value


def limit_problem(participants: int, properties: int, limits: FeedLimits) -> str | None:
    """Why an event is rejected for what it claims (both paths give the same words)."""
    if participants > limits.max_participants_per_event:
        return too_many_participants(participants, limits)
    if properties > limits.max_properties_per_event:
        return (
            f"the event has {properties} properties, more than the limit of "
            f"{limits.max_properties_per_event} (DITEP_MAX_PROPERTIES_PER_EVENT): "
            "the event is rejected"
        )
    return None


def too_many_occurrences(limits: FeedLimits) -> str:
    return (
        f"the feed gives more than {limits.max_occurrences} occurrences in the window once "
        "its recurrences are expanded (DITEP_MAX_OCCURRENCES_PER_FEED): the feed is rejected"
    )
