"""Reading downloads back in the download tests: workbooks, their sheets, flattened bodies."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from activity_api.downloads.tables import TABLE_SHEETS
from ditep_core.web.tabular import XLSX_MEDIA_TYPE

TABLE_TITLES = [title for title, _groups in TABLE_SHEETS]


def flat_body(body: dict[str, Any], prefix: str = "", *, lists: bool = True) -> dict[str, Any]:
    """Dotted paths to the leaves of a JSON body; lists are leaves, or left out."""
    flat: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            flat.update(flat_body(value, f"{prefix}{key}.", lists=lists))
        elif lists or not isinstance(value, list):
            flat[f"{prefix}{key}"] = value
    return flat


def read_workbook(response: Any) -> openpyxl.Workbook:
    """The workbook a 200 XLSX answer holds."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content))


def sheet_rows(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def key_values(sheet: Worksheet) -> dict[str, Any]:
    """A two-column sheet (key, value) as a dict."""
    return {row[0]: row[1] for row in sheet_rows(sheet) if row and row[0] is not None}
