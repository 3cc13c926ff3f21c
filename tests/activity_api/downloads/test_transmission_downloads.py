"""The transmission routes' downloads (issue 16 item 4): an establishment's quarters, a
region's statuses, the regional, departmental and national results. Each workbook is read
back with openpyxl and each CSV with the csv module, and every value is compared with the
JSON body of the same request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.downloads.region import (
    CORRECTION,
    QUARTER,
    A,
    B,
    C,
    seed_transmitted_region,
)
from tests.activity_api.downloads.workbooks import (
    TABLE_TITLES,
    flat_body,
    key_values,
    read_workbook,
    sheet_rows,
)
from tests.activity_api.helpers import api_client_with, french_csv_records, french_csv_rows
from tests.conftest import KeyMaker, TemporaryDatabase
from tests.http import AppClient

STATUS_LABELS = {
    "draft": "brouillon",
    "transmitted": "transmis",
    "corrected": "corrigé",
    "late": "en retard",
}


@pytest.fixture
def client(
    migrated_database: TemporaryDatabase, database: Database, make_key: KeyMaker
) -> Iterator[AppClient]:
    with api_client_with(migrated_database, database) as api:
        seed_transmitted_region(api, database, make_key(Scope.ADMIN))
        yield api


def _csv_cell(value: Any, *, comma: bool) -> str:
    """What the French CSV holds for a JSON value."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if comma else text
    return str(value)


def _filename(response: Any) -> str:
    disposition: str = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="'), disposition
    return disposition.removeprefix('attachment; filename="').removesuffix('"')


def _downloads(
    client: AppClient, url: str, params: dict[str, str], key: dict[str, str]
) -> tuple[dict[str, Any], Any, Any, Any]:
    body = client.get(url, params=params, headers=key)
    assert body.status_code == 200, body.text
    xlsx = client.get(url, params={**params, "format": "xlsx"}, headers=key)
    as_csv = client.get(url, params={**params, "format": "csv"}, headers=key)
    comma = client.get(url, params={**params, "format": "csv", "decimal": "comma"}, headers=key)
    for response in (as_csv, comma):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return body.json(), xlsx, as_csv, comma


# --- lists: an establishment's quarters, a region's statuses ------------------------------


def _quarter_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per version, one per quarter never transmitted: from the JSON alone."""
    lines: list[dict[str, Any]] = []
    for quarter in body["quarters"]:
        head = {k: v for k, v in quarter.items() if k != "versions"}
        head["status_label"] = STATUS_LABELS[quarter["status"]]
        empty = {"version": None, "transmitted_at": None, "transmitted_by": None}
        empty |= {"reason": None, "changed_figures": None}
        for version in quarter["versions"] or [empty]:
            lines.append({**head, **version})
    return lines


def _status_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**row, "status_label": STATUS_LABELS[row["status"]]} for row in body["establishments"]]


LISTS = {
    "establishment quarters": (
        f"/v1/establishments/{A}/transmissions",
        {},
        _quarter_lines,
        "Trimestres",
        "",  # named after the first and last quarters
    ),
    "region statuses": (
        "/v1/regions/84/transmissions",
        {"period": QUARTER},
        _status_lines,
        "Transmissions",
        f"transmissions-region-84-{QUARTER}",
    ),
}


@pytest.mark.parametrize("family", list(LISTS))
def test_a_list_downloads_as_a_workbook_and_a_french_csv_equal_to_its_json(
    client: AppClient, make_key: KeyMaker, family: str
) -> None:
    url, params, lines_of, title, name = LISTS[family]
    key = make_key(Scope.ADMIN)
    body, xlsx, as_csv, comma = _downloads(client, url, params, key)
    lines = lines_of(body)
    if family == "establishment quarters":
        quarters = [quarter["period"] for quarter in body["quarters"]]
        name = f"transmissions-{A}-{quarters[0]}-{quarters[-1]}"
        corrected = [line for line in lines if line["period"] == QUARTER]
        assert [line["version"] for line in corrected] == [1, 2]  # both versions listed
        assert corrected[1]["reason"] == CORRECTION
    else:
        assert {line["finess"]: line["status"] for line in lines} == {
            A: "corrected",
            B: "late",
            C: "transmitted",
        }
    assert _filename(xlsx) == f"{name}.xlsx"
    assert _filename(as_csv) == f"{name}.csv"
    book = read_workbook(xlsx)
    assert book.sheetnames == ["Synthèse", title, "Méthode"]
    labels, codes, *cells = sheet_rows(book[title])
    assert all(labels)
    assert labels != codes  # the French labels above the codes
    assert [dict(zip(codes, row, strict=True)) for row in cells] == [
        {code: line[code] for code in codes} for line in lines
    ]
    records = french_csv_records(as_csv.text)
    assert list(records[0]) == codes
    expected = [{code: _csv_cell(line[code], comma=False) for code in codes} for line in lines]
    assert records == expected
    assert french_csv_records(comma.text) == expected  # no decimal number in a list
    if family == "region statuses":
        summary = key_values(book["Synthèse"])
        assert summary["Part des établissements ayant transmis"] == body["transmissions"]["share"]
        assert summary["Établissements ayant transmis"] == 2
        assert key_values(book["Méthode"])["Date limite de transmission"] == "2025-04-30"


# --- results: rows of figures and their total -----------------------------------------------

RESULTS = {
    "region": ("/v1/regions/84/results", "resultats-region-84", "finess", "establishments"),
    "department": (
        "/v1/departments/69/results",
        "resultats-departement-69",
        "finess",
        "establishments",
    ),
    "national": ("/v1/national/results", "resultats-national", "region_code", "regions"),
}


def _result_lines(family: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row's identity cells and figures, the total last: from the JSON alone."""
    if family == "national":
        rows = [
            {"region_code": r["region_code"], "name": r["name"], **r["transmissions"], **r}
            for r in body["regions"]
        ]
        total = {"region_code": "TOTAL", "name": "France", **body["transmissions"]}
    else:
        rows = [{**r, "status_label": STATUS_LABELS[r["status"]]} for r in body["establishments"]]
        total = {"finess": "TOTAL", "name": body["area"]["name"] or body["area"]["code"]}
    return [*rows, {**total, **body["totals"]}]


@pytest.mark.parametrize("family", list(RESULTS))
def test_results_download_as_a_workbook_and_a_french_csv_equal_to_their_json(
    client: AppClient, make_key: KeyMaker, family: str
) -> None:
    url, name, first, rows_key = RESULTS[family]
    key = make_key(Scope.ADMIN)
    body, xlsx, as_csv, comma = _downloads(client, url, {"period": QUARTER}, key)
    lines = _result_lines(family, body)
    assert len(lines) == len(body[rows_key]) + 1 >= 2
    assert _filename(xlsx) == f"{name}-{QUARTER}.xlsx"
    assert _filename(as_csv) == f"{name}-{QUARTER}.csv"
    book = read_workbook(xlsx)
    assert book.sheetnames == ["Synthèse", "Transmissions", *TABLE_TITLES, "Méthode"]

    # Every published figure of every row is on its sheet, a hidden one is "s".
    numbers = {
        path
        for line in lines
        for path, value in flat_body(line["figures"]).items()
        if not isinstance(value, str | list)
    }
    shown: set[str] = set()
    compared = 0
    for title in TABLE_TITLES:
        labels, codes, *cells = sheet_rows(book[title])
        assert codes[0] == first
        width = codes.index(next(c for c in codes if "." in c)) if len(codes) > 1 else 1
        assert [row[0] for row in cells] == [line[first] for line in lines]
        for line, row in zip(lines, cells, strict=True):
            flat = flat_body(line["figures"])
            assert row[:width] == [line.get(code) for code in codes[:width]]
            for code, cell in zip(codes[width:], row[width:], strict=True):
                shown.add(code)
                if code in line["suppressed"]:
                    assert flat[code] is None
                    assert cell == "s", (line[first], code)
                elif code not in flat:
                    assert cell is None  # a row without figures: not transmitted
                else:
                    assert cell == pytest.approx(flat[code], rel=1e-12), (line[first], code)
                    compared += 1
        assert all(labels[width:]), title
    assert shown == numbers
    assert compared > 50

    # The statuses (or the regions' shares) sheet.
    _labels, codes, *cells = sheet_rows(book["Transmissions"])
    if family == "national":
        assert [dict(zip(codes, row, strict=True)) for row in cells] == [
            {code: line[code] for code in codes} for line in lines
        ]
    else:
        assert [dict(zip(codes, row, strict=True)) for row in cells] == [
            {code: line[code] for code in codes} for line in lines[:-1]
        ]
    summary = key_values(book["Synthèse"])
    assert summary["Établissements ayant transmis"] == body["transmissions"]["transmitted"]
    assert summary["Part des établissements ayant transmis"] == body["transmissions"]["share"]
    method = key_values(book["Méthode"])
    assert method["Période"] == QUARTER
    assert method["Secret statistique : seuil"] == body["secrecy"]["threshold"]
    assert method["Valeurs masquées"] == sum(len(line["suppressed"]) for line in lines)
    listed = {row[1] for row in sheet_rows(book["Méthode"]) if not row[0] and row[1]}
    for line in lines:
        for path in line["suppressed"]:
            assert f"{line[first]} : {path}" in listed

    # The CSV: identity, every figure (empty when hidden), the suppressed paths.
    header, *csv_lines = french_csv_rows(as_csv.text)
    comma_header, *comma_lines = french_csv_rows(comma.text)
    assert comma_header == header
    assert header[0] == first
    assert header[-1] == "suppressed"
    paths = header[header.index(next(c for c in header if "." in c)) : -1]
    assert set(paths) >= numbers
    floats = 0
    for line, cells_point, cells_comma in zip(lines, csv_lines, comma_lines, strict=True):
        flat = flat_body(line["figures"])
        record = dict(zip(header, cells_point, strict=True))
        with_comma = dict(zip(header, cells_comma, strict=True))
        assert record[first] == str(line[first])
        assert record["suppressed"] == ";".join(line["suppressed"])
        for path in paths:
            assert record[path] == _csv_cell(flat.get(path), comma=False), path
            assert with_comma[path] == _csv_cell(flat.get(path), comma=True), path
            floats += isinstance(flat.get(path), float) and "," in with_comma[path]
    assert floats > 0  # the decimal comma was exercised


# --- a transmitted version: the establishment's workbook with its transmission -------------

IDENTITY = ("establishment", "period", "computed_at", "stale", "frozen", "profile_version")


def _indexed(body: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths, lists indexed (the ``figure;value`` CSV's form)."""
    flat: dict[str, Any] = {}
    for key, value in body.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_indexed(value, f"{path}."))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    flat.update(_indexed(item, f"{path}.{index}."))
                else:
                    flat[f"{path}.{index}"] = item
        else:
            flat[path] = value
    return flat


@pytest.mark.parametrize("version", [1, 2])
def test_a_transmitted_version_downloads_with_every_figure_of_its_json(
    client: AppClient, make_key: KeyMaker, version: int
) -> None:
    url = f"/v1/establishments/{A}/transmissions/{QUARTER}"
    key = make_key(Scope.ACTIVITY_READ, finess=(A,))
    body, xlsx, as_csv, comma = _downloads(client, url, {"version": str(version)}, key)
    name = f"transmission-{A}-{QUARTER}-v{version}"
    assert _filename(xlsx) == f"{name}.xlsx"
    assert _filename(as_csv) == f"{name}.csv"
    assert body["transmission"]["version"] == version
    book = read_workbook(xlsx)
    assert book.sheetnames == ["Synthèse", *TABLE_TITLES, "Indicateurs", "Méthode"]
    expected = {
        path: value
        for path, value in flat_body(body).items()
        if path.split(".")[0] not in {*IDENTITY, "transmission", "diff"}
        and path != "rule_set_versions"
        and not isinstance(value, list)
    }
    seen: dict[str, Any] = {}
    for title in TABLE_TITLES:
        for row in sheet_rows(book[title])[1:]:
            if row[0] is None:
                break  # the per-source table follows the quality figures
            seen[row[0]] = row[2]
    assert seen == expected
    method = key_values(book["Méthode"])
    transmission = body["transmission"]
    assert method["Version de la transmission"] == version
    assert method["Transmis par"] == transmission["transmitted_by"]
    assert method["Motif de la correction"] == (transmission["reason"] or "")
    assert method["Imports (transmission)"] == ", ".join(map(str, transmission["import_ids"]))
    # The CSV: every path of the JSON body, lists indexed, in the body's order.
    indexed = _indexed(body)
    assert [(r["figure"], r["value"]) for r in french_csv_records(as_csv.text)] == [
        (path, _csv_cell(value, comma=False)) for path, value in indexed.items()
    ]
    assert [(r["figure"], r["value"]) for r in french_csv_records(comma.text)] == [
        (path, _csv_cell(value, comma=True)) for path, value in indexed.items()
    ]
    assert (version == 2) == any(path.startswith("diff.") for path in indexed)
