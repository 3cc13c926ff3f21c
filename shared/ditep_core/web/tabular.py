"""CSV answers: ``?format=csv`` or ``Accept: text/csv`` (formats.md, "Out: activity counts")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OutputFormatName = Literal["json", "csv"]
DownloadFormatName = Literal["json", "csv", "xlsx"]
DecimalMark = Literal["point", "comma"]


# OpenAPI: the CSV alternative of a 200, and the 304 of routes sending an ETag.
CSV_RESPONSE: dict[str, Any] = {"content": {"text/csv": {"schema": {"type": "string"}}}}
NOT_MODIFIED_RESPONSE: dict[str, Any] = {"description": "Not modified (If-None-Match)"}

FormatQuery = Annotated[OutputFormatName | None, Query(alias="format", description="json or csv")]
# The downloads (activity, area and indicators routes): JSON, CSV for French spreadsheet
# software, or an XLSX workbook.
DownloadFormatQuery = Annotated[
    DownloadFormatName | None,
    Query(
        alias="format",
        description="json; csv (UTF-8 with BOM, ';' separator); xlsx (workbook, French labels)",
    ),
]
DecimalQuery = Annotated[
    DecimalMark,
    Query(alias="decimal", description="CSV decimal mark: point (default) or comma"),
]
DOWNLOAD_RESPONSE: dict[str, Any] = {
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    }
}


def download_responses(csv_example: str) -> dict[str, Any]:
    """``DOWNLOAD_RESPONSE`` with an example of the CSV (shown on the OpenAPI pages; the
    byte-order mark left out)."""
    return {
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": csv_example},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }


def wants_csv(request: Request, output_format: str | None) -> bool:
    """``?format=`` decides; else ``Accept: text/csv`` without ``application/json``."""
    if output_format is not None:
        return output_format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


# A text cell starting with one of these is read as a formula by Excel, LibreOffice and
# Google Sheets (OWASP, "CSV Injection"): "=HYPERLINK(...)", "+cmd|...", "@SUM(...)".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet runs: a text cell starting with a
    formula trigger gets a leading ``'`` (OWASP's rule); numbers, dates and other
    non-text values are written as they are, and None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Every CSV the services and the CLI write: header and text cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_cell(name) for name in columns])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return buffer.getvalue()


def wanted_format(request: Request, output_format: DownloadFormatName | None) -> DownloadFormatName:
    """``?format=`` decides; else ``Accept`` (the XLSX media type, or ``text/csv``)."""
    if output_format is not None:
        return output_format
    if XLSX_MEDIA_TYPE in request.headers.get("accept", ""):
        return "xlsx"
    return "csv" if wants_csv(request, None) else "json"


def _french_cell(value: object, decimal_comma: bool) -> object:
    cell = spreadsheet_cell(value)
    if decimal_comma and isinstance(cell, float):
        return repr(cell).replace(".", ",")
    return cell


def french_csv(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, decimal_comma: bool = False
) -> bytes:
    """CSV as French spreadsheet software opens it: UTF-8 with a BOM, ``;`` between cells,
    a decimal comma on request; text cells neutralised as in ``csv_text``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_cell(name) for name in columns])
    for row in rows:
        writer.writerow([_french_cell(value, decimal_comma) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attachment(filename: str) -> dict[str, str]:
    """The Content-Disposition of a download, its name reduced to safe characters."""
    safe = "".join(
        char if (char.isascii() and char.isalnum()) or char in "-_." else "_" for char in filename
    )
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def download_response(content: bytes, *, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers=attachment(filename))


def csv_response(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, filename: str
) -> Response:
    return Response(
        csv_text(columns, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
