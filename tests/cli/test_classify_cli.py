"""``ditep classify`` and ``ditep rules``: the same engine as ingestion, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ditep_cli.main import app
from tests.conftest import REPO_ROOT

LABELLED = REPO_ROOT / "tests/agenda_ingest/classification/labelled_entries.jsonl"


def test_classify_prints_each_line_with_its_classification(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    entries = tmp_path / "entries.jsonl"
    entries.write_text(
        json.dumps({"summary": "VAD famille", "youth": 1, "professionals": 1}) + "\n"
        "\n"
        + json.dumps(
            {
                "summary": "",
                "location": "Internat",
                "youth": 2,
                "professionals": 1,
                "start": "2025-03-11T20:00",
                "end": "2025-03-12T07:00",
            }
        )
        + "\n"
        + json.dumps({"codes": ["https://x/serafin-ph|2.4.1"]})
        + "\n",
        encoding="utf-8",
    )
    result = offline_cli.invoke(app, ["classify", str(entries)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["activity"], r["setting"], r["nature"], r["rule"]) for r in rows] == [
        ("ambulatoire", "domicile", "direct", "ambulatoire"),
        ("accueil_nuit", "site", "direct", "nuit-du-soir-au-lendemain-r6"),
        ("coordination", "site", "indirect", "serafin-coordination"),
    ]
    assert rows[0]["summary"] == "VAD famille"
    assert rows[2]["serafin"] == "2.4.1"


def test_classify_with_a_rule_file_and_its_errors(offline_cli: CliRunner, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - id: tout\n    explanation: Tout est accueil de jour\n"
        "    when: {youth: {min: 0}}\n    then: {activity: accueil_jour}\n",
        encoding="utf-8",
    )
    entries = tmp_path / "entries.jsonl"
    entries.write_text(json.dumps({"summary": "VAD"}) + "\n", encoding="utf-8")
    result = offline_cli.invoke(app, ["classify", str(entries), "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rule"] == "tout"

    rules.write_text(
        "rules:\n  - id: tout\n    explanation: Faute\n    when: {youth: 1}\n"
        "    then: {activity: garderie}\n",
        encoding="utf-8",
    )
    failed = offline_cli.invoke(app, ["rules", "check", str(rules)])
    assert failed.exit_code == 1
    assert "rule tout, field then.activity" in failed.output


def test_rules_accuracy_prints_the_rate_and_the_confusion_table(offline_cli: CliRunner) -> None:
    result = offline_cli.invoke(
        app, ["rules", "accuracy", "--labelled", str(LABELLED)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "entries exactly right" in result.stdout
    assert "Confusion of activities" in result.stdout
    rate = float(result.stdout.split("= ")[1].split("%")[0])
    assert rate >= 95.0


def test_classify_evaluate_prints_rates_confusion_and_misses(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    wording = REPO_ROOT / "tests/data/wording"
    # The wording set with its registry may have no miss left: one entry labelled against
    # the rules ("VAD" is not transport) makes sure the misses are printed.
    labelled = tmp_path / "labelled.jsonl"
    miss = {
        "summary": "VAD",
        "expected": {"activity": "transport", "setting": None, "nature": None},
    }
    labelled.write_text(
        (wording / "entries.jsonl").read_text(encoding="utf-8") + json.dumps(miss) + "\n",
        encoding="utf-8",
    )
    result = offline_cli.invoke(
        app, ["classify", "evaluate", str(labelled), "--places", str(wording / "places.yaml")]
    )
    assert result.exit_code == 0, result.output
    entries = labelled.read_text(encoding="utf-8").count("\n")
    assert f"{entries} entries: activity" in result.output
    assert "Setting, by expected setting" in result.output
    assert "Nature, by expected nature" in result.output
    assert "Confusion of activities" in result.output
    assert "misses:" in result.output
    assert "'VAD'" in result.output


def test_classify_evaluate_names_the_line_of_an_unknown_activity(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        json.dumps(
            {
                "summary": "VAD",
                "expected": {"activity": "visite", "setting": "domicile", "nature": "direct"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = offline_cli.invoke(app, ["classify", "evaluate", str(labelled)])
    assert result.exit_code == 1
    assert f"{labelled}:1: 'expected.activity': unknown activity 'visite'" in result.output


def test_classify_evaluate_says_which_fields_are_not_scored(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    labelled = tmp_path / "labelled.jsonl"
    taxi = {"summary": "Taxi domicile - DITEP", "youth": 1}
    labelled.write_text(
        json.dumps({**taxi, "expected": {"activity": "transport", "setting": None, "nature": None}})
        + "\n"
        + json.dumps(
            {**taxi, "expected": {"activity": "coordination", "setting": None, "nature": None}}
        )
        + "\n",
        encoding="utf-8",
    )
    result = offline_cli.invoke(
        app, ["classify", "evaluate", str(labelled)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "all three 50.0% (1/2)" in result.output
    assert "not scored (expected null" in result.output
    assert "setting of 2, nature of 2 entries" in result.output
    assert "expected coordination/—/—, got transport/" in result.output

    labelled.write_text(
        json.dumps({**taxi, "expected": {"activity": "transport", "setting": None}}) + "\n",
        encoding="utf-8",
    )
    failed = offline_cli.invoke(app, ["classify", "evaluate", str(labelled)])
    assert failed.exit_code == 1
    assert f"{labelled}:1: 'expected.nature' is missing" in failed.output
