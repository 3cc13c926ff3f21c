"""XLSX and CSV downloads, read back (openpyxl, csv) and compared with the JSON bodies."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from activity_api.downloads.workbook import TransmissionMeta, establishment_workbook
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.reports import ActivityReport
from tests.activity_api.downloads.workbooks import (
    TABLE_TITLES,
    flat_body,
    key_values,
    read_workbook,
    sheet_rows,
)
from tests.activity_api.helpers import api_client_with, french_csv_records, french_csv_rows
from tests.activity_api.indicators.dataset import FINESS, PERIOD, seed_hand_dataset
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import AppClient

IDENTITY = ("establishment", "period", "computed_at", "stale", "frozen", "profile_version")


@pytest.fixture
def hand_region(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
        seed_hand_dataset(session, finess="380000300")


def _check_indicators_sheet(sheet: Worksheet, body: dict[str, Any]) -> None:
    """Every measure of the JSON body on the sheet, values and reasons equal."""
    rows = sheet_rows(sheet)
    assert rows[1][:8] == [
        "indicateur",
        "code",
        "mesure",
        "libelle",
        "unite",
        "valeur",
        "motif",
        "valeur_un_an_plus_tot",
    ]
    by_code = {(row[1], row[2]): row for row in rows[2:]}
    count = 0
    for indicator in body["indicators"]:
        for measure in indicator["measures"]:
            row = by_code[(indicator["code"], measure["code"])]
            assert row[0] == indicator["label"]
            assert row[3] == measure["label"]
            assert row[5] == measure["value"], (indicator["code"], measure["code"])
            assert row[7] == measure["year_before"]["value"]
            assert bool(row[6]) == (measure["reason"] is not None)
            assert row[9] == indicator["definition"]
            count += 1
    assert count == len(rows) - 2


def test_establishment_workbook_holds_every_figure_of_the_json_body(
    api_client: AppClient, hand_region: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    url = f"/v1/establishments/{FINESS}/activity"
    body = api_client.get(url, params={"period": PERIOD}, headers=key).json()
    response = api_client.get(url, params={"period": PERIOD, "format": "xlsx"}, headers=key)
    book = read_workbook(response)
    assert response.headers["content-disposition"] == (
        f'attachment; filename="activite-{FINESS}-{PERIOD}.xlsx"'
    )
    assert book.sheetnames == ["Synthèse", *TABLE_TITLES, "Indicateurs", "Méthode"]
    expected = {
        path: value
        for path, value in flat_body(body, lists=False).items()
        if path.split(".")[0] not in IDENTITY and path != "rule_set_versions"
    }
    seen: dict[str, Any] = {}
    for title in TABLE_TITLES:
        rows = sheet_rows(book[title])
        assert rows[0][:3] == ["Code", "Libellé", "Valeur"]
        for row in rows[1:]:
            if row[0] is None:
                break  # the per-source table follows the quality figures
            code, label, value = row[:3]
            assert code not in seen, code
            seen[code] = value
            assert label, code
            assert not label.startswith(code), code  # a French label
    assert seen == expected
    # Numbers are stored as numbers, never as text.
    hours = {row[0].value: row[2] for row in book["Heures"].iter_rows(min_row=2) if row[0].value}
    assert hours["hours.direct"].data_type == "n"
    assert hours["hours.direct"].value == 27.0
    # Per-source quality, below the quality figures.
    quality = sheet_rows(book["Qualité des données"])
    source_rows = quality[quality.index(next(x for x in quality if x[0] == "source_id")) + 1 :]
    assert [row[0] for row in source_rows] == [s["source_id"] for s in body["quality"]["by_source"]]
    summary = key_values(book["Synthèse"])
    assert summary["N° FINESS"] == FINESS
    assert summary["Période"] == PERIOD
    method = key_values(book["Méthode"])
    assert method["Période"] == PERIOD
    assert method["Version du profil de comptage"] == body["profile_version"]
    assert method["Versions des règles de classement"] == "test-1"
    assert method["Transmission"].startswith("non transmis")
    indicators = api_client.get(
        f"/v1/establishments/{FINESS}/indicators", params={"period": PERIOD}, headers=key
    ).json()
    _check_indicators_sheet(book["Indicateurs"], indicators)


def test_region_workbook_matches_the_area_body_with_suppressed_cells_marked(
    api_client: AppClient, hand_region: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ARS_READ, regions=("84",))
    url = "/v1/regions/84/activity"
    body = api_client.get(url, params={"period": PERIOD}, headers=key).json()
    response = api_client.get(url, params={"period": PERIOD, "format": "xlsx"}, headers=key)
    book = read_workbook(response)
    assert response.headers["content-disposition"] == (
        f'attachment; filename="activite-region-84-{PERIOD}.xlsx"'
    )
    assert book.sheetnames == ["Synthèse", *TABLE_TITLES, "Indicateurs", "Méthode"]
    lines = [*body["establishments"], {"finess": "TOTAL", **body["totals"]}]
    published = 0
    for title in TABLE_TITLES:
        rows = sheet_rows(book[title])
        codes = rows[1]
        assert codes[:3] == ["finess", "name", "department_code"]
        assert [row[0] for row in rows[2:]] == [line["finess"] for line in lines]
        for line, row in zip(lines, rows[2:], strict=True):
            flat = flat_body(line["figures"], lists=False)
            for code, cell in zip(codes[3:], row[3:], strict=True):
                if code in line["suppressed"]:
                    assert flat[code] is None
                    assert cell == "s", code
                else:
                    assert cell == flat[code], (line["finess"], code)
                    published += 1
    assert published > 100
    hidden = [path for line in lines for path in line["suppressed"]]
    assert hidden, "the hand dataset has small cells: some are hidden"
    # The method sheet lists every suppressed cell, row by row.
    listed = {row[1] for row in sheet_rows(book["Méthode"]) if not row[0] and row[1]}
    for line in lines:
        for path in line["suppressed"]:
            assert f"{line['finess']} : {path}" in listed
    assert key_values(book["Méthode"])["Secret statistique : seuil"] == 5
    indicators = api_client.get(
        "/v1/regions/84/indicators", params={"period": PERIOD}, headers=key
    ).json()
    _check_indicators_sheet(book["Indicateurs"], indicators)


@pytest.mark.parametrize("level", ["establishment", "department", "national"])
def test_indicators_download_as_xlsx_and_french_csv(
    migrated_database: TemporaryDatabase,
    database: Database,
    hand_region: None,
    make_key: KeyMaker,
    level: str,
) -> None:
    url, name = {
        "establishment": (f"/v1/establishments/{FINESS}/indicators", f"indicateurs-{FINESS}"),
        "department": ("/v1/departments/69/indicators", "indicateurs-departement-69"),
        "national": ("/v1/national/indicators", "indicateurs-national"),
    }[level]
    key = make_key(Scope.ADMIN)
    with api_client_with(migrated_database, database, secrecy_threshold=1) as client:
        body = client.get(url, params={"period": PERIOD}, headers=key).json()
        xlsx = client.get(url, params={"period": PERIOD, "format": "xlsx"}, headers=key)
        as_csv = client.get(url, params={"period": PERIOD, "format": "csv"}, headers=key)
        comma = client.get(
            url, params={"period": PERIOD, "format": "csv", "decimal": "comma"}, headers=key
        )
    book = read_workbook(xlsx)
    assert xlsx.headers["content-disposition"] == f'attachment; filename="{name}-{PERIOD}.xlsx"'
    assert book.sheetnames == ["Synthèse", "Indicateurs", "Méthode"]
    _check_indicators_sheet(book["Indicateurs"], body)
    assert as_csv.headers["content-disposition"] == f'attachment; filename="{name}-{PERIOD}.csv"'
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    records = french_csv_records(as_csv.text)
    with_comma = french_csv_records(comma.text)
    flat = {
        (indicator["code"], measure["code"]): measure
        for indicator in body["indicators"]
        for measure in indicator["measures"]
    }
    assert len(records) == len(flat) == len(with_comma)
    for record, decimal in zip(records, with_comma, strict=True):
        measure = flat[(record["code"], record["mesure"])]
        value = measure["value"]
        assert record["valeur"] == ("" if value is None else str(value))
        assert decimal["valeur"] == record["valeur"].replace(".", ",")
        if value is None:
            assert record["motif"] == "non défini (dénominateur nul)"
    assert any("," in record["valeur"] for record in with_comma)
    assert french_csv_rows(as_csv.text)[0][0] == "indicateur"


def test_workbook_builder_takes_transmission_metadata(
    api_client: AppClient, hand_region: None, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    body = api_client.get(
        f"/v1/establishments/{FINESS}/activity", params={"period": PERIOD}, headers=key
    ).json()
    meta = TransmissionMeta(
        version=2,
        transmitted_at=dt.datetime(2025, 4, 20, 9, 30, tzinfo=dt.UTC),
        transmitted_by="direction",
        reason="=correction des sorties",
        profile_version="default-1",
        ruleset_versions=["test-1"],
        import_ids=[3, 4],
    )
    content = establishment_workbook(ActivityReport.model_validate(body), None, meta)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert "Indicateurs" not in book.sheetnames
    method = key_values(book["Méthode"])
    assert method["Version de la transmission"] == 2
    assert method["Transmis par"] == "direction"
    assert method["Transmis le"] == "2025-04-20T09:30:00+00:00"
    assert method["Imports (transmission)"] == "3, 4"
    # A text starting like a formula stays text, neutralised as in the CSV.
    cell = next(
        row[1]
        for row in book["Méthode"].iter_rows(min_row=1)
        if row[0].value == "Motif de la correction"
    )
    assert cell.data_type == "s"
    assert cell.value == "'=correction des sorties"
