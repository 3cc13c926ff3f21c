"""ditep backup / ditep restore: a backup restored into a new database gives identical
counts, the same pseudonyms to new pushes, and a wrong secret is caught at restore."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activity_api.main import create_app as create_api_app
from ditep_cli.main import app
from tests.conftest import SAMPLES_DIR, TemporaryDatabase, cli_ok, make_settings
from tests.http import app_client

FINESS = "690000017"
FEED = str(SAMPLES_DIR / "agenda-etablissement.ics")


def _words(output: str) -> str:
    """The output without the line breaks rich puts at the terminal's width."""
    return " ".join(output.split())


def _activity(database_url: str, key: str) -> tuple[dict[str, object], str]:
    api = create_api_app(make_settings(database_url))
    try:
        with app_client(api) as client:
            response = client.get(
                f"/v1/establishments/{FINESS}/activity",
                params={"start": "2024-09-01", "end": "2025-09-01"},
                headers={"Authorization": f"Bearer {key}"},
            )
    finally:
        api.state.database.dispose()
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    # When this answer was computed: the one field that differs by nature.
    body.pop("computed_at")
    return body, response.text


def _fill(runner: CliRunner) -> str:
    cli_ok(runner, "migrate")
    cli_ok(runner, "establishment", "add", "--finess", FINESS, "--name", "DITEP", "--region", "84")
    source_id = cli_ok(
        runner,
        "source", "add", "--finess", FINESS, "--format", "ical", "--name", "Export",
        "--window-start", "2024-09-01", "--window-end", "2025-09-01",
    ).strip().splitlines()[-1]  # fmt: skip
    ingested = json.loads(cli_ok(runner, "ingest", FEED, "--source", source_id, "--format", "json"))
    assert ingested["created"] == 65
    key = cli_ok(
        runner, "keys", "create", "--name", "it", "--scope", "activity:read", "--finess", FINESS
    )
    return key.strip().splitlines()[-1]


def test_a_restored_backup_gives_identical_counts(
    backend: str,
    fresh_database: TemporaryDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli_runner: CliRunner,
) -> None:
    runner = cli_runner
    key = _fill(runner)
    before, _ = _activity(fresh_database.url, key)
    dump = tmp_path / "ditep.dump"
    cli_ok(runner, "backup", str(dump))
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert runner.invoke(app, ["backup", str(dump)]).exit_code == 1  # exists: --force

    restored = TemporaryDatabase.create(backend, tmp_path / "restored")
    wrong = TemporaryDatabase.create(backend, tmp_path / "wrong")
    try:
        monkeypatch.setenv("DITEP_DATABASE_URL", restored.url)
        cli_ok(runner, "restore", str(dump))
        after, _ = _activity(restored.url, key)
        assert after == before
        file_active = after["file_active"]
        assert isinstance(file_active, dict)
        assert file_active["total"] > 0
        # The same secret: the same feed pushed again finds the same pseudonyms and sessions.
        source_id = "1"
        again = json.loads(
            cli_ok(runner, "ingest", FEED, "--source", source_id, "--format", "json")
        )
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 65)
        # Into a database that is not empty: refused.
        refused = runner.invoke(app, ["restore", str(dump)])
        assert refused.exit_code == 1
        assert "already holds tables" in _words(refused.output)

        # Another secret: restored, but the command says it and fails.
        monkeypatch.setenv("DITEP_DATABASE_URL", wrong.url)
        monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", "another-secret-of-at-least-32-characters")
        mismatch = runner.invoke(app, ["restore", str(dump)])
        assert mismatch.exit_code == 4, mismatch.output
        assert "DITEP_PSEUDONYM_SECRET is wrong" in _words(mismatch.output)
    finally:
        restored.drop()
        wrong.drop()


def test_a_file_of_the_other_backend_is_refused(cli_runner: CliRunner, tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello")
    result = cli_runner.invoke(app, ["restore", str(bogus)])
    assert result.exit_code == 1
    assert "is not a" in _words(result.output)
