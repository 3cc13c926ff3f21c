"""A helper of the classification tests: where the rules put one entry."""

from __future__ import annotations

from agenda_ingest.classification.engine import CompiledRuleSet
from agenda_ingest.classification.entries import facts_from_entry


def setting_of(rules: CompiledRuleSet, **entry: object) -> str:
    """The setting ``rules`` give an entry written as in a labelled file."""
    return rules.classify(facts_from_entry(entry)).setting.value
