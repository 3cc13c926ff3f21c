"""``ditep transmit FINESS --period 2025-Q1 [--reason …]`` and ``ditep transmissions FINESS``."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from typer.testing import CliRunner

from ditep_cli.main import app
from ditep_core.db import Database
from ditep_core.models import AuditEvent
from ditep_core.nomenclatures import Activity
from tests.activity_api.seeding import add_youth, seed_establishment
from tests.conftest import TemporaryDatabase

FINESS = "690000100"


def test_transmit_then_correct_then_list(
    fresh_database: TemporaryDatabase, cli_runner: CliRunner
) -> None:
    assert cli_runner.invoke(app, ["migrate"]).exit_code == 0
    database = Database.from_url(fresh_database.url)
    with database.unit_of_work() as session:
        seed_establishment(
            session, finess=FINESS, region_code="84", youth_by_modality={Activity.ACCUEIL_JOUR: 6}
        )

    first = cli_runner.invoke(app, ["transmit", FINESS, "--period", "2025-Q1"])
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert body["transmission"]["version"] == 1
    assert body["file_active"]["total"] == 6

    unchanged = cli_runner.invoke(app, ["transmit", FINESS, "--period", "2025-Q1", "--reason", "x"])
    assert unchanged.exit_code == 1
    assert "unchanged" in unchanged.output
    no_reason = cli_runner.invoke(app, ["transmit", FINESS, "--period", "2025-Q1"])
    assert no_reason.exit_code == 1
    assert "needs a reason" in no_reason.output
    not_a_quarter = cli_runner.invoke(app, ["transmit", FINESS, "--period", "2025-03"])
    assert not_a_quarter.exit_code == 1

    with database.unit_of_work() as session:
        add_youth(
            session,
            finess=FINESS,
            youth_by_modality={Activity.ACCUEIL_JOUR: 1},
            day=dt.date(2025, 3, 20),
        )
    corrected = cli_runner.invoke(
        app, ["transmit", FINESS, "--period", "2025-Q1", "--reason", "Séance oubliée"]
    )
    assert corrected.exit_code == 0, corrected.output
    assert json.loads(corrected.stdout)["transmission"]["version"] == 2

    listed = cli_runner.invoke(app, ["transmissions", FINESS, "--json"])
    assert listed.exit_code == 0, listed.output
    quarters = {q["period"]: q for q in json.loads(listed.stdout)["quarters"]}
    assert quarters["2025-Q1"]["status"] == "corrected"
    assert quarters["2025-Q2"]["status"] == "late"
    table = cli_runner.invoke(app, ["transmissions", FINESS])
    assert table.exit_code == 0
    assert "corrected" in table.stdout
    with database.unit_of_work() as session:
        routes = session.scalars(select(AuditEvent.route).where(AuditEvent.service == "cli"))
        assert {"transmit 2025-Q1 version 1", "transmit 2025-Q1 version 2"} <= set(routes)
    database.dispose()
