"""``ditep fhir sessions``, FHIR sources from the command line, and their pull settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ditep_cli.main import app
from ditep_core import migrations
from tests.agenda_ingest.feeds.test_fhir_feeds import tddui_bundle
from tests.agenda_ingest.parsing.fhir.test_fhir_corpus import EXPECTED, FHIR_CORPUS
from tests.conftest import (
    DATA_DIR,
    MIGRATIONS_DIR,
    TEST_PULL_ALLOWED_HOSTS,
    TemporaryDatabase,
    cli_ok,
)

KEYS = [
    "uid",
    "start",
    "end",
    "all_day",
    "recurrence_id",
    "status",
    "youth",
    "professionals",
    "codes",
]


def _write(tmp_path: Path, body: Any, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else json.dumps(body).encode())
    return path


def test_sessions_are_printed_one_json_object_per_line_sorted(
    offline_cli: CliRunner, tmp_path: Path
) -> None:
    body = tddui_bundle()
    body["entry"].reverse()  # the order of the file does not matter
    result = offline_cli.invoke(app, ["fhir", "sessions", str(_write(tmp_path, body))])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(row) for row in rows] == [KEYS] * 3
    assert [row["uid"].rsplit("-", 1)[1] for row in rows] == ["1", "2", "3"]
    assert rows[0] == {
        "uid": "https://identifiant-medicosocial-evenement.esante.gouv.fr|3690000017/42-EVN-1",
        "start": "2025-03-11T17:00:00Z",
        "end": "2025-03-12T07:00:00Z",
        "all_day": False,
        "recurrence_id": None,
        "status": "done",
        "youth": 1,
        "professionals": 1,
        "codes": [
            "https://smt.esante.gouv.fr/terminologie-SERAFINPH|2.2.1",
            "https://mos.esante.gouv.fr/R338|03",
        ],
    }
    # The absence slot makes the young person absent from the speech therapy session.
    assert [row["status"] for row in rows] == ["done", "done", "absent"]
    assert "1 stay(s) read as pathway periods" in result.stderr


def test_the_window_and_the_errors_with_their_path(offline_cli: CliRunner, tmp_path: Path) -> None:
    body = tddui_bundle()
    body["entry"][5]["resource"]["period"]["end"] = "2025-03-13T15:00:00+01:00"
    path = _write(tmp_path, body)
    result = offline_cli.invoke(
        app, ["fhir", "sessions", str(path), "--start", "2025-03-13", "--end", "2025-03-15"]
    )
    assert result.exit_code == 0, result.output
    # The night of the 11th ends on the 12th: outside; the synthesis of the 14th is in.
    assert [json.loads(line)["uid"][-1] for line in result.stdout.splitlines()] == ["2"]
    assert f"{path}: entry[5].resource.period.end: the end is before the start" in result.stderr


def test_an_unreadable_file_exits_1_and_says_where(offline_cli: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, b'{"resourceType": "Bundle",\n "entry": [}')
    result = offline_cli.invoke(app, ["fhir", "sessions", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "not JSON: " in result.stderr
    assert "(line 2, column" in result.stderr
    bad = offline_cli.invoke(app, ["fhir", "sessions", str(path), "--start", "tomorrow"])
    assert bad.exit_code == 2


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        "tddui/Encounter-tddui-encounter-evenement-example.json",
        "r4/appointment-example.json",
        "r4/encounter-example-home.json",
        "gap/Appointment-example-req-appointment.json",
    ],
)
def test_the_corpus_as_the_command_prints_it(offline_cli: CliRunner, name: str) -> None:
    result = offline_cli.invoke(app, ["fhir", "sessions", str(FHIR_CORPUS / name)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == EXPECTED[name].sessions
    for path, message in EXPECTED[name].rejected:
        assert f"{path}: {message}" in result.stderr


def test_a_handwritten_document_as_the_command_prints_it(offline_cli: CliRunner) -> None:
    """R4 Appointments and an Encounter (tests/data/fhir), as the corpus's GAP and R4
    examples above, in a plain clone."""
    result = offline_cli.invoke(
        app, ["fhir", "sessions", str(DATA_DIR / "fhir/appointments-r4.json")]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["uid"], row["start"], row["end"], row["status"]) for row in rows] == [
        ("Appointment/a1", "2025-03-12T13:00:00Z", "2025-03-12T13:45:00Z", "done"),
        ("Appointment/a2", "2025-03-19T09:00:00Z", "2025-03-19T10:30:00Z", "absent"),
        ("Encounter/e1", "2025-03-26T08:00:00Z", "2025-03-26T09:00:00Z", "done"),
    ]
    assert all((row["youth"], row["professionals"]) == (1, 1) for row in rows)
    assert rows[0]["codes"] == ["https://dui.example/st|ORTHO"]


# --- FHIR sources from the command line -----------------------------------------------


@pytest.fixture
def run(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("DITEP_PULL_ALLOWED_HOSTS", json.dumps(TEST_PULL_ALLOWED_HOSTS))
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    return cli_runner


def test_a_fhir_source_is_ingested_and_configured_for_pulls(run: CliRunner, tmp_path: Path) -> None:
    cli_ok(
        run, "establishment", "add", "--finess", "690000017", "--name", "DITEP", "--region", "84"
    )
    source_id = cli_ok(
        run,
        "source",
        "add",
        "--finess",
        "690000017",
        "--format",
        "fhir",
        "--name",
        "TDDUI",
        "--window-start",
        "2024-09-01",
        "--window-end",
        "2025-09-01",
    ).splitlines()[-1]
    out = cli_ok(
        run,
        "ingest",
        str(_write(tmp_path, tddui_bundle())),
        "--source",
        source_id,
        "--format",
        "json",
    )
    assert json.loads(out)["created"] == 3
    configured = cli_ok(
        run,
        "pull",
        "configure",
        source_id,
        "--url",
        "https://dui.example/fhir",
        "--fhir-resource",
        "Appointment",
    )
    assert "searches Appointment, next pull full" in configured
    assert "full pull every when _history shows a deletion, else 1 day" in configured
    configured = cli_ok(run, "pull", "configure", source_id, "--slots", "--full-every-pulls", "24")
    assert "searches Appointment and Slot" in configured
    assert "full pull every 24 pulls" in configured
    configured = cli_ok(
        run, "pull", "configure", source_id, "--full-every-pulls", "0", "--full-every-days", "7"
    )
    assert "full pull every 7 days" in configured
    refused = run.invoke(app, ["pull", "configure", source_id, "--fhir-resource", "Patient"])
    assert refused.exit_code == 1
    assert "Encounter or Appointment" in refused.stderr
