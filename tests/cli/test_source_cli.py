"""``ditep source show|list|update|disable``: a source's whole lifecycle from the command
line, audited, with the refusals a push then gets."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from ditep_cli.main import app
from ditep_core.db import Database
from ditep_core.models import AuditEvent
from tests.conftest import SAMPLES_DIR, TemporaryDatabase, cli_ok


def _show(runner: CliRunner, source_id: str) -> dict[str, Any]:
    (shown,) = json.loads(cli_ok(runner, "source", "show", source_id, "--format", "json"))
    assert isinstance(shown, dict)
    return shown


def test_show_update_disable_and_enable_a_source(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    cli_ok(cli_runner, "migrate")
    cli_ok(
        cli_runner,
        "establishment",
        "add",
        "--finess",
        "690000017",
        "--name",
        "DITEP",
        "--region",
        "84",
    )
    source_id = cli_ok(
        cli_runner, "source", "add", "--finess", "690000017", "--format", "ical", "--name", "Export"
    ).splitlines()[-1]
    shown = _show(cli_runner, source_id)
    assert shown["window"]["fixed_start"] is None  # the default window, as applied today
    assert shown["window"]["start"] < shown["window"]["end"]
    assert shown["enabled"] is True
    assert "Export" in cli_ok(cli_runner, "source", "list", "--finess", "690000017")
    assert "default (previous school year)" in cli_ok(cli_runner, "source", "show", source_id)

    # March 2025 lies outside today's default window: fix the window, as the vendor needed.
    changed = cli_ok(
        cli_runner,
        "source",
        "update",
        source_id,
        "--window-start",
        "2024-09-01",
        "--window-end",
        "2025-09-01",
        "--count-validated-only",
        "--youth-marker",
        "beneficiaire",
    )
    assert "changed window_start, window_end, count_validated_only, youth_markers" in changed
    shown = _show(cli_runner, source_id)
    assert (shown["window"]["start"], shown["window"]["end"]) == ("2024-09-01", "2025-09-01")
    assert shown["count_validated_only"] is True
    assert shown["participant_rules"]["youth_markers"] == ["BENEFICIAIRE"]
    feed = str(SAMPLES_DIR / "agenda-etablissement.ics")
    ingested = json.loads(
        cli_ok(cli_runner, "ingest", feed, "--source", source_id, "--format", "json")
    )
    assert ingested["received"] == 65
    assert _show(cli_runner, source_id)["last_import"]["import_id"] == ingested["import_id"]

    wrong = cli_runner.invoke(app, ["source", "update", source_id, "--window-end", "2024-01-01"])
    assert wrong.exit_code == 1
    assert "the window must end after it starts" in wrong.output

    assert "changed enabled" in cli_ok(cli_runner, "source", "disable", source_id)
    assert _show(cli_runner, source_id)["enabled"] is False
    refused = cli_runner.invoke(app, ["ingest", feed, "--source", source_id])
    assert refused.exit_code != 0
    assert "disabled" in refused.output
    cli_ok(cli_runner, "source", "update", source_id, "--enable", "--default-participant-rules")
    shown = _show(cli_runner, source_id)
    assert shown["enabled"] is True
    assert shown["participant_rules"]["youth_markers"] is None

    database = Database.from_url(fresh_database.url)
    try:
        with database.unit_of_work() as session:
            actions = session.scalars(
                select(AuditEvent.route).where(AuditEvent.service == "cli").order_by(AuditEvent.id)
            ).all()
    finally:
        database.dispose()
    assert [a for a in actions if a.startswith("source ")] == [
        "source add",
        "source update",
        "source disable",
        "source update",
    ]


def test_unknown_source_is_a_message(cli_runner: CliRunner) -> None:
    cli_ok(cli_runner, "migrate")
    for command in (["show", "9"], ["update", "9", "--enable"], ["disable", "9"]):
        result = cli_runner.invoke(app, ["source", *command])
        assert result.exit_code == 1
        assert "no source 9" in result.output


def test_a_window_day_that_is_no_date_or_out_of_range_is_refused(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    cli_ok(cli_runner, "migrate")
    add_establishment = ["establishment", "add", "--finess", "690000017", "--region", "84"]
    cli_ok(cli_runner, *add_establishment, "--name", "DITEP")
    add = ["source", "add", "--finess", "690000017", "--format", "ical", "--name", "Export"]
    not_a_day = cli_runner.invoke(app, [*add, "--window-start", "2025-13-01"])
    assert not_a_day.exit_code == 1
    assert "error: '2025-13-01' is not a date (YYYY-MM-DD)" in not_a_day.output
    source_id = cli_ok(cli_runner, *add).splitlines()[-1]
    too_early = cli_runner.invoke(
        app, ["source", "update", source_id, "--window-end", "1800-01-01"]
    )
    assert too_early.exit_code == 1
    assert "error: --window-end: 1800-01-01 is out of range: days are" in too_early.output
