"""CSV answers: ``?format=csv`` or ``Accept: text/csv`` (formats.md, "Out: activity counts")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
OutputFormatName = Literal["json", "csv"]


# OpenAPI: the CSV alternative of a 200, and the 304 of routes sending an ETag.
CSV_RESPONSE: dict[str, Any] = {"content": {"text/csv": {"schema": {"type": "string"}}}}
NOT_MODIFIED_RESPONSE: dict[str, Any] = {"description": "Not modified (If-None-Match)"}

FormatQuery = Annotated[OutputFormatName | None, Query(alias="format", description="json or csv")]


def wants_csv(request: Request, output_format: OutputFormatName | None) -> bool:
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


def csv_response(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, filename: str
) -> Response:
    return Response(
        csv_text(columns, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
