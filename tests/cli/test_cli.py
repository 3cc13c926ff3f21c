"""The admin command line against a real database of its own."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ditep_cli.main import app
from tests.conftest import SAMPLES_DIR, TemporaryDatabase, cli_ok


def test_admin_workflow_from_migrate_to_counts(cli_runner: CliRunner) -> None:
    cli_ok(cli_runner, "migrate")
    cli_ok(
        cli_runner,
        "establishment",
        "add",
        "--finess",
        "690000017",
        "--name",
        "DITEP Les Cèdres",
        "--region",
        "84",
        "--capacity",
        "accueil_nuit=12",
    )
    out = cli_ok(
        cli_runner,
        "source",
        "add",
        "--finess",
        "690000017",
        "--format",
        "ical",
        "--name",
        "Export",
        "--window-start",
        "2024-09-01",
        "--window-end",
        "2025-09-01",
    )
    source_id = out.strip().splitlines()[-1]
    assert source_id.isdigit()
    feed = str(SAMPLES_DIR / "agenda-etablissement.ics")
    ingested = json.loads(
        cli_ok(cli_runner, "ingest", feed, "--source", source_id, "--format", "json")
    )
    assert (ingested["received"], ingested["created"], ingested["rejected"]) == (65, 65, 0)
    again = json.loads(
        cli_ok(cli_runner, "ingest", feed, "--source", source_id, "--format", "json")
    )
    assert (again["created"], again["updated"], again["deleted"], again["unchanged"]) == (
        0,
        0,
        0,
        65,
    )
    counts = json.loads(
        cli_ok(
            cli_runner,
            "counts",
            "--finess",
            "690000017",
            "--start",
            "2025-03-01",
            "--end",
            "2025-04-01",
            "--format",
            "json",
        )
    )
    assert counts["file_active"]["total"] == 4
    table = cli_ok(
        cli_runner,
        "counts",
        "--finess",
        "690000017",
        "--start",
        "2025-03-01",
        "--end",
        "2025-04-01",
    )
    assert "file active" in table
    by_period = json.loads(
        cli_ok(
            cli_runner, "counts", "--finess", "690000017", "--period", "2025-03", "--format", "json"
        )
    )
    # The same body as the API: the same figures whatever the way the period is given.
    assert by_period["file_active"] == counts["file_active"]
    assert by_period["period"]["code"] == "2025-03"
    assert by_period["profile_version"] == "aire-2024.1"
    as_csv = cli_ok(
        cli_runner, "counts", "--finess", "690000017", "--period", "2025-03", "--format", "csv"
    )
    assert "file_active.total,4" in as_csv.splitlines()
    replayed = json.loads(
        cli_ok(cli_runner, "imports", "replay", str(ingested["import_id"]), "--format", "json")
    )
    assert replayed["unchanged"] == 65
    assert replayed["import_id"] != ingested["import_id"]

    def listed_ids(*options: str) -> set[str]:
        table = cli_ok(cli_runner, "imports", "list", *options)
        return {row.split("│")[1].strip() for row in table.splitlines() if row.startswith("│")}

    both = {str(ingested["import_id"]), str(replayed["import_id"])}
    assert both <= listed_ids("--status", "processed", "--source", source_id)
    assert listed_ids("--status", "received") == set()


def test_keys_create_prints_the_key_once_and_list_never_shows_it(cli_runner: CliRunner) -> None:
    cli_ok(cli_runner, "migrate")
    out = cli_ok(
        cli_runner, "keys", "create", "--name", "ARS ARA", "--scope", "ars:read", "--region", "84"
    )
    key = out.strip().splitlines()[-1]
    assert key.startswith("ditep_")
    listing = cli_ok(cli_runner, "keys", "list")
    assert "ARS ARA" in listing
    assert "regions 84" in listing
    assert key not in listing
    cli_ok(cli_runner, "keys", "revoke", "1")
    revoked = cli_runner.invoke(app, ["keys", "revoke", "99"])
    assert revoked.exit_code == 1


def test_samples_load_is_idempotent_and_prints_a_working_key(cli_runner: CliRunner) -> None:
    cli_ok(cli_runner, "migrate")
    first = cli_ok(cli_runner, "samples", "load", str(SAMPLES_DIR))
    second = cli_ok(cli_runner, "samples", "load", str(SAMPLES_DIR))
    assert first.strip().splitlines()[-1] != second.strip().splitlines()[-1]
    assert "0 created" in second


def test_errors_are_messages_not_tracebacks(cli_runner: CliRunner) -> None:
    cli_ok(cli_runner, "migrate")
    result = cli_runner.invoke(
        app, ["establishment", "add", "--finess", "12", "--name", "x", "--region", "84"]
    )
    assert result.exit_code == 1
    assert "FINESS" in result.output
    assert "Traceback" not in result.output
    missing = cli_runner.invoke(
        app, ["counts", "--finess", "690000017", "--start", "2025-03-01", "--end", "2025-04-01"]
    )
    assert missing.exit_code == 1
    assert "no establishment" in missing.output


def test_source_options_store_pseudonyms_and_markers(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    from sqlalchemy import select

    from ditep_core.db import Database
    from ditep_core.models import Source

    cli_ok(cli_runner, "migrate")
    cli_ok(
        cli_runner, "establishment", "add", "--finess", "690000017", "--name", "D", "--region", "84"
    )
    args = ["source", "add", "--finess", "690000017", "--format", "ical", "--name", "Agenda Y"]
    args += ["--kind", "youth", "--youth-id", "urn:ins:1234567890123"]
    args += ["--youth-marker", "beneficiaire", "--youth-uri-prefix", "urn:dui:usager:"]
    cli_ok(cli_runner, *args)
    database = Database.from_url(fresh_database.url)
    try:
        with database.unit_of_work() as session:
            options = session.scalars(select(Source.participant_options)).one()
    finally:
        database.dispose()
    assert options["youth_markers"] == ["BENEFICIAIRE"]
    assert options["youth_uri_prefixes"] == ["urn:dui:usager:"]
    assert len(options["youth_link_key"]) == 64
    assert "1234567890123" not in str(options)
    # An INS with a wrong key is refused, as the feeds refuse it.
    args[7] = "Agenda Z"
    args[11] = "urn:ins:123456789012300"
    wrong = cli_runner.invoke(app, args)
    assert wrong.exit_code != 0
    assert "the INS key 00 is wrong" in wrong.output


def _commune_of(fresh_database: TemporaryDatabase, finess: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(fresh_database.url)
    try:
        with engine.connect() as connection:
            query = text("SELECT commune_code FROM establishment WHERE finess = :finess")
            value = connection.execute(query, {"finess": finess}).scalar_one()
    finally:
        engine.dispose()
    assert value is None or isinstance(value, str)
    return value


def test_establishment_commune_on_add_and_update(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    cli_ok(cli_runner, "migrate")
    base = ["establishment", "add", "--name", "DITEP Garonne", "--region", "76"]
    cli_ok(cli_runner, *base, "--finess", "310000012", "--commune", "31555")
    assert _commune_of(fresh_database, "310000012") == "31555"
    cli_ok(cli_runner, *base, "--finess", "310000020")
    assert _commune_of(fresh_database, "310000020") is None
    assert "commune 31069" in cli_ok(
        cli_runner, "establishment", "update", "--finess", "310000020", "--commune", "31069"
    )
    assert _commune_of(fresh_database, "310000020") == "31069"
    for commune, message in (
        ("3155", "commune: '3155' is not an INSEE commune code"),
        ("69123", "commune: 69123 is not in the establishment's department 31"),
    ):
        refused = cli_runner.invoke(
            app, ["establishment", "update", "--finess", "310000020", "--commune", commune]
        )
        assert refused.exit_code == 1
        assert message in " ".join(refused.output.split())
        assert "Traceback" not in refused.output
    assert _commune_of(fresh_database, "310000020") == "31069"
    refused = cli_runner.invoke(app, [*base, "--finess", "310000038", "--commune", "2A004"])
    assert refused.exit_code == 1
    assert "not in the establishment's department 31" in refused.output
    unknown = cli_runner.invoke(
        app, ["establishment", "update", "--finess", "310000046", "--commune", "31555"]
    )
    assert unknown.exit_code == 1
    assert "no establishment with FINESS 310000046" in unknown.output


def test_establishment_ror_declarations_on_update(
    cli_runner: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    cli_ok(cli_runner, "migrate")
    add = ["establishment", "add", "--name", "DITEP Garonne", "--region", "76"]
    cli_ok(cli_runner, *add, "--finess", "310000012", "--commune", "31555")
    update = ["establishment", "update", "--finess", "310000012"]
    shown = cli_ok(cli_runner, *update, "--ages", "6-20", "--not-sensitive-unit")
    assert "commune 31555, ages 6-20, sensitive unit no" in " ".join(shown.split())
    shown = cli_ok(cli_runner, *update, "--sensitive-unit")
    assert "ages 6-20, sensitive unit yes" in " ".join(shown.split())
    for ages, message in (
        ("6 à 20", "ages: '6 à 20' is not an age range in years (e.g. 6-20)"),
        ("20-6", "ages: '20-6': the youngest age must not pass the oldest"),
    ):
        refused = cli_runner.invoke(app, [*update, "--ages", ages])
        assert refused.exit_code == 1
        assert message in " ".join(refused.output.split())
    nothing = cli_runner.invoke(app, update)
    assert nothing.exit_code == 1
    assert "nothing to change" in nothing.output
    from sqlalchemy import create_engine, text

    engine = create_engine(fresh_database.url)
    try:
        with engine.connect() as connection:
            query = text(
                "SELECT ror_age_min, ror_age_max, ror_sensitive_unit FROM establishment "
                "WHERE finess = '310000012'"
            )
            row = connection.execute(query).one()
    finally:
        engine.dispose()
    assert tuple(row) == (6, 20, True)
