"""Agenda entries as JSON objects (``ditep classify``, the labelled set): to facts and back.

Keys, all optional: ``summary``, ``location``, ``categories`` (list), ``start`` and
``end`` (ISO local date-times; a date alone is an all-day entry, end excluded),
``youth`` (how many young people), ``youth_present`` (how many of them attend;
default: all), ``professionals``, ``functions`` (list), ``codes`` (``system|code``),
``source_kind`` (``youth``, ``professional``, ``establishment``), ``description`` (its links
become ``link|host`` codes, as a video tool's link in a DUI description).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from agenda_ingest.classification.engine import Classification, CompiledRuleSet, SessionFacts
from agenda_ingest.classification.links import cue_codes, link_codes
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
        codes=_strings(entry, "codes")
        + link_codes(_text(entry, "description"), _text(entry, "location"))
        + cue_codes(_text(entry, "description")),
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


_Label = TypeVar("_Label", Activity, Setting, Nature)

Labels = tuple[Activity, Setting | None, Nature | None]
"""Expected (activity, setting, nature); ``None`` where the specification does not decide the
field (classification.md's "—": a transport's setting and nature, a *hors prestation*'s
nature). Such a field is not scored: it is left out of its agreement and denominator, and
matches anything in the exact agreement."""


@dataclass(slots=True)
class FieldScore(Generic[_Label]):
    """Agreement on one field (activity, setting or nature)."""

    scored: int = 0
    """Entries whose expected value is decided (the rate's denominator)."""
    agreement: int = 0
    """Of those, the ones given the expected value."""
    by_expected: Counter[_Label] = field(default_factory=Counter)
    """Entries expected per value."""
    right_by_expected: Counter[_Label] = field(default_factory=Counter)
    """Of those, the ones given that value."""

    @property
    def rate(self) -> float:
        return self.agreement / self.scored if self.scored else 0.0

    def add(self, expected: _Label | None, got: _Label) -> bool:
        """Counts one entry; whether it agrees (an undecided field agrees with anything)."""
        if expected is None:
            return True
        self.scored += 1
        self.by_expected[expected] += 1
        if got is not expected:
            return False
        self.agreement += 1
        self.right_by_expected[expected] += 1
        return True


@dataclass(slots=True)
class Accuracy:
    """Agreement of a rule set with labelled entries, on (activity, setting, nature)."""

    total: int = 0
    exact: int = 0
    activity: FieldScore[Activity] = field(default_factory=FieldScore)
    """The activity is always decided: its ``scored`` is ``total``."""
    setting: FieldScore[Setting] = field(default_factory=FieldScore)
    nature: FieldScore[Nature] = field(default_factory=FieldScore)
    confusion: Counter[tuple[Activity, Activity]] = field(default_factory=Counter)
    misses: list[tuple[dict[str, Any], Labels, Classification]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.exact / self.total if self.total else 0.0

    def add(self, entry: dict[str, Any], labels: Labels, got: Classification) -> None:
        activity, setting, nature = labels
        self.total += 1
        self.confusion[(activity, got.activity)] += 1
        # Each field is counted, even after one has missed.
        agreements = (
            self.activity.add(activity, got.activity),
            self.setting.add(setting, got.setting),
            self.nature.add(nature, got.nature),
        )
        if all(agreements):
            self.exact += 1
        else:
            self.misses.append((entry, labels, got))


def expected_labels(entry: Mapping[str, Any]) -> Labels:
    """The expected labels; a missing key is an error, a JSON ``null`` setting or nature means
    the specification does not decide it (not scored). The activity is always decided."""
    expected = entry.get("expected")
    if not isinstance(expected, dict):
        raise EntryInvalid("a labelled entry needs 'expected': {activity, setting, nature}")
    labels: list[Any] = []
    for key, kind in (("activity", Activity), ("setting", Setting), ("nature", Nature)):
        if key not in expected:
            raise EntryInvalid(f"'expected.{key}' is missing")
        value = expected[key]
        if value is None:
            if kind is Activity:
                raise EntryInvalid(
                    "'expected.activity' is null: the specification always decides the activity"
                )
            labels.append(None)
            continue
        try:
            labels.append(kind(value))
        except ValueError as error:
            known = ", ".join(item.value for item in kind)
            raise EntryInvalid(
                f"'expected.{key}': unknown {key} '{value}' (one of {known})"
            ) from error
    return labels[0], labels[1], labels[2]


def measure(rule_set: CompiledRuleSet, entries: Iterable[dict[str, Any]]) -> Accuracy:
    return measure_lines(rule_set, enumerate(entries, start=1))


class LineInvalid(EntryInvalid):
    """A labelled entry that cannot be read, with its line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def measure_lines(
    rule_set: CompiledRuleSet, lines: Iterable[tuple[int, dict[str, Any]]]
) -> Accuracy:
    """Agreement on numbered entries; ``LineInvalid`` names the line of a bad one."""
    accuracy = Accuracy()
    for line, entry in lines:
        try:
            labels = expected_labels(entry)
            facts = facts_from_entry(entry)
        except EntryInvalid as error:
            raise LineInvalid(line, str(error)) from error
        accuracy.add(entry, labels, rule_set.classify(facts))
    return accuracy
