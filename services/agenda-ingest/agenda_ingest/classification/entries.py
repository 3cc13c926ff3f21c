"""Agenda entries as JSON objects (``ditep classify``, the labelled set): to facts and back.

Keys, all optional: ``summary``, ``location``, ``categories`` (list), ``start`` and
``end`` (ISO local date-times; a date alone is an all-day entry, end excluded),
``youth`` (how many young people), ``youth_present`` (how many of them attend;
default: all), ``professionals``, ``functions`` (list), ``codes`` (``system|code``),
``source_kind`` (``youth``, ``professional``, ``establishment``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agenda_ingest.classification.engine import Classification, CompiledRuleSet, SessionFacts
from ditep_core.nomenclatures import Activity, AgendaKind, Nature, Setting


class EntryInvalid(ValueError):
    """An entry that cannot be read; the message names the key."""


def _strings(entry: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise EntryInvalid(f"'{key}' must be a list of strings")
    return tuple(value)


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key) or ""
    if not isinstance(value, str):
        raise EntryInvalid(f"'{key}' must be a string")
    return value


def _count(entry: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = entry.get(key, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EntryInvalid(f"'{key}' must be a count (0 or more)")
    return value


def _moment(entry: Mapping[str, Any], key: str) -> tuple[dt.datetime | None, bool]:
    value = entry.get(key)
    if value in (None, ""):
        return None, False
    if not isinstance(value, str):
        raise EntryInvalid(f"'{key}' must be an ISO date-time")
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time()), True
        return dt.datetime.fromisoformat(value), False
    except ValueError as error:
        raise EntryInvalid(f"'{key}': '{value}' is not an ISO date or date-time") from error


def facts_from_entry(entry: Mapping[str, Any]) -> SessionFacts:
    start, start_is_date = _moment(entry, "start")
    end, _ = _moment(entry, "end")
    youth = _count(entry, "youth")
    kind = entry.get("source_kind") or AgendaKind.ESTABLISHMENT.value
    try:
        source_kind = AgendaKind(kind)
    except ValueError as error:
        raise EntryInvalid(
            f"'source_kind' must be one of {', '.join(k.value for k in AgendaKind)}"
        ) from error
    return SessionFacts(
        summary=_text(entry, "summary"),
        location=_text(entry, "location"),
        categories=_strings(entry, "categories"),
        codes=_strings(entry, "codes"),
        youth=youth,
        youth_present=_count(entry, "youth_present", youth),
        professionals=_count(entry, "professionals"),
        functions=tuple(sorted(set(_strings(entry, "functions")))),
        start=start,
        end=end,
        all_day=start_is_date,
        source_kind=source_kind,
    )


def classified_entry(entry: Mapping[str, Any], classification: Classification) -> dict[str, Any]:
    """The entry as given, with the classification's fields added."""
    return {
        **entry,
        "activity": classification.activity.value,
        "setting": classification.setting.value,
        "nature": classification.nature.value,
        "serafin": classification.serafin_code,
        "rule": classification.rule_id,
    }


Labels = tuple[Activity, Setting, Nature]


@dataclass(slots=True)
class Accuracy:
    """Agreement of a rule set with labelled entries, on (activity, setting, nature)."""

    total: int = 0
    exact: int = 0
    activity_agreement: int = 0
    confusion: Counter[tuple[Activity, Activity]] = field(default_factory=Counter)
    misses: list[tuple[dict[str, Any], Labels, Classification]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.exact / self.total if self.total else 0.0

    @property
    def activity_rate(self) -> float:
        return self.activity_agreement / self.total if self.total else 0.0


def expected_labels(entry: Mapping[str, Any]) -> Labels:
    expected = entry.get("expected")
    if not isinstance(expected, dict):
        raise EntryInvalid("a labelled entry needs 'expected': {activity, setting, nature}")
    try:
        return (
            Activity(expected["activity"]),
            Setting(expected["setting"]),
            Nature(expected["nature"]),
        )
    except (KeyError, ValueError) as error:
        raise EntryInvalid(f"bad 'expected' labels: {expected}") from error


def measure(rule_set: CompiledRuleSet, entries: Iterable[dict[str, Any]]) -> Accuracy:
    accuracy = Accuracy()
    for entry in entries:
        labels = expected_labels(entry)
        got = rule_set.classify(facts_from_entry(entry))
        accuracy.total += 1
        accuracy.confusion[(labels[0], got.activity)] += 1
        if got.activity is labels[0]:
            accuracy.activity_agreement += 1
        if (got.activity, got.setting, got.nature) == labels:
            accuracy.exact += 1
        else:
            accuracy.misses.append((entry, labels, got))
    return accuracy
