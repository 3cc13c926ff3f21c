"""``ditep rules upload`` and ``ditep reclassify`` on a real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from agenda_ingest.classification.engine import default_rules_text
from ditep_cli.main import app
from ditep_core.db import Database
from ditep_core.models import AgendaSession, ReclassificationRun
from tests.conftest import SAMPLES_DIR, TemporaryDatabase
from tests.rule_texts import taxi_left_unknown


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_upload_then_reclassify_the_stored_sessions(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase, tmp_path: Path
) -> None:
    _ok(cli_runner, "migrate")
    _ok(cli_runner, "samples", "load", str(SAMPLES_DIR))
    rules = tmp_path / "regles.yaml"
    rules.write_text(
        taxi_left_unknown(default_rules_text()),
        encoding="utf-8",
    )
    uploaded = _ok(cli_runner, "rules", "upload", str(rules), "--finess", "690000017")
    assert "stored version 1: 690000017-v1-" in uploaded
    assert "unchanged" in _ok(cli_runner, "rules", "upload", str(rules), "--finess", "690000017")

    output = _ok(cli_runner, "reclassify", "--finess", "690000017")
    database = Database.from_url(fresh_database.url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as session:
            taxis = session.scalars(
                select(AgendaSession.activity).where(AgendaSession.summary.startswith("Taxi"))
            ).all()
            versions = set(session.scalars(select(AgendaSession.rule_set_version)))
            [recorded] = session.scalars(select(ReclassificationRun)).all()
    finally:
        database.dispose()
    assert taxis
    assert {activity.value for activity in taxis} == {"unclassified"}
    assert len(versions) == 1
    assert next(iter(versions)).startswith("690000017-v1-")
    assert recorded.after["unclassified"] == len(taxis)
    assert recorded.before["transport"] == len(taxis)
    assert f"{recorded.sessions_changed} of {recorded.sessions_examined} sessions changed" in output

    missing = cli_runner.invoke(app, ["reclassify", "--finess", "750000001"])
    assert missing.exit_code == 1
    assert "no establishment" in missing.output


def test_places_set_show_and_a_duplicate_alias(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase, tmp_path: Path
) -> None:
    _ok(cli_runner, "migrate")
    # The samples ship a registry: loading them stores it, and the rules in force name it.
    _ok(cli_runner, "samples", "load", str(SAMPLES_DIR))
    shown = _ok(cli_runner, "places", "show", "--finess", "690000017")
    assert "groupe Les Tilleuls" in shown
    database = Database.from_url(fresh_database.url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as session:
            versions = set(session.scalars(select(AgendaSession.rule_set_version)))
    finally:
        database.dispose()
    assert all("+places-" in version for version in versions), versions

    registry = tmp_path / "lieux.yaml"
    registry.write_text(
        "own:\n  - {name: Les Tilleuls, kind: house}\n"
        "partners:\n  - {name: CMP Bron, kind: care, aliases: [les tilleuls]}\n",
        encoding="utf-8",
    )
    result = cli_runner.invoke(app, ["places", "set", str(registry), "--finess", "690000017"])
    assert result.exit_code == 1
    assert "partners[0].aliases[0]" in result.output
    assert "already given at own[0].name" in result.output

    registry.write_text("own:\n  - {name: Les Tilleuls, kind: house}\n", encoding="utf-8")
    assert "stored" in _ok(cli_runner, "places", "set", str(registry), "--finess", "690000017")
    assert "unchanged" in _ok(cli_runner, "places", "set", str(registry), "--finess", "690000017")
    assert "Les Tilleuls" in _ok(cli_runner, "places", "show", "--finess", "690000017")
    output = _ok(cli_runner, "reclassify", "--finess", "690000017")
    assert "+places-" in output
