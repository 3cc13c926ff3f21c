"""Helpers of the classification tests: what the rules make of one entry."""

from __future__ import annotations

from functools import cache

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    default_rule_set,
    default_with_places,
)
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity


def setting_of(rules: CompiledRuleSet, **entry: object) -> str:
    """The setting ``rules`` give an entry written as in a labelled file."""
    return rules.classify(facts_from_entry(entry)).setting.value


def activity_and_rule(entry: dict[str, object], places: str | None = None) -> tuple[Activity, str]:
    """The activity the shipped rules give an entry (with a place registry's text when
    given), and the rule that gave it."""
    rules = default_rule_set() if places is None else rules_with(places)
    result = rules.classify(facts_from_entry(entry))
    return result.activity, result.rule_id


def professional_entry(
    summary: str,
    description: str = "",
    youth: int = 1,
    present: int = 1,
    professionals: int = 1,
    kind: str = "professional",
) -> dict[str, object]:
    """An entry as a labelled file writes it, from a professional's agenda by default, with
    ``professionals`` educators."""
    return {
        "summary": summary,
        "description": description,
        "youth": youth,
        "youth_present": present,
        "professionals": professionals,
        "functions": ["éducateur spécialisé"] * professionals,
        "source_kind": kind,
    }


def timed_entry(
    summary: str,
    description: str = "",
    location: str = "",
    *,
    youth: int = 1,
    present: int = 1,
    functions: tuple[str, ...] = ("éducatrice spécialisée",),
    kind: str = "professional",
    times: tuple[str, str] = ("14:00", "15:30"),
    day: str = "2026-03-12",
    start: str | None = None,
    end: str | None = None,
) -> dict[str, object]:
    """An entry as a labelled file writes it, with a place, the professionals' functions
    (one professional each) and its clock times on ``day``, or its ``start`` and ``end``
    local date-times (a night, a stay of several days)."""
    return {
        "summary": summary,
        "location": location,
        "description": description,
        "youth": youth,
        "youth_present": present,
        "professionals": len(functions),
        "functions": list(functions),
        "source_kind": kind,
        "start": start if start is not None else f"{day}T{times[0]}:00",
        "end": end if end is not None else f"{day}T{times[1]}:00",
    }


def youth_agenda_entry(
    summary: str,
    location: str = "",
    description: str = "",
    *,
    present: int = 1,
    times: tuple[str, str] = ("14:00", "16:00"),
    start: str | None = None,
    end: str | None = None,
) -> dict[str, object]:
    """An entry of the young person's own agenda, no DITEP professional on it."""
    return timed_entry(
        summary,
        description,
        location,
        present=present,
        functions=(),
        kind="youth",
        times=times,
        start=start,
        end=end,
    )


@cache
def rules_with(places: str) -> CompiledRuleSet:
    """The shipped rules with a place registry's text, compiled once per text."""
    return default_with_places(places)


def labels_and_rule(entry: dict[str, object], places: str) -> tuple[str, str, str, str]:
    """The activity, setting and nature (their codes) the shipped rules give an entry with
    a place registry, and the rule that gave them."""
    result = rules_with(places).classify(facts_from_entry(entry))
    return result.activity.value, result.setting.value, result.nature.value, result.rule_id
