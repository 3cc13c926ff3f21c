"""The examples of docs/classification-rules.md do what the page says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agenda_ingest.classification.engine import compile_rule_set, default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.schema import parse_rule_set
from ditep_core.nomenclatures import Activity, Setting

PAGE = Path(__file__).resolve().parents[3] / "docs" / "classification-rules.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def test_the_example_rule_is_valid_and_does_what_it_says() -> None:
    rule = next(block for block in _blocks("yaml") if "id: vad" in block)
    rules = compile_rule_set(parse_rule_set("rules:\n" + rule), "doc")
    result = rules.classify(facts_from_entry({"summary": "VAD famille", "youth": 1}))
    assert (result.activity, result.setting, result.rule_id) == (
        Activity.AMBULATOIRE,
        Setting.DOMICILE,
        "vad",
    )


def test_the_example_entries_classify_as_described() -> None:
    entries_block = next(block for block in _blocks("json") if '"summary": "VAD' in block)
    entries = [json.loads(line) for line in entries_block.splitlines() if line.strip()]
    results = [default_rule_set().classify(facts_from_entry(entry)) for entry in entries]
    assert [(r.activity.value, r.setting.value, r.nature.value) for r in results] == [
        ("ambulatoire", "domicile", "direct"),
        ("accueil_nuit", "site", "direct"),
        ("coordination", "site", "indirect"),
    ]
