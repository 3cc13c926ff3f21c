"""Reading pathway periods and complexity flags sent as JSON or CSV (pure)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from activity_api.activity.schemas import ComplexityIn, PathwayIn
from activity_api.activity.service import ComplexityInput, PathwayInput
from ditep_core.nomenclatures import PathwayStatus
from ditep_core.web.problems import InvalidRequest

ADMISSION = {"admission"}
EXIT = {"exit", "sortie"}


def _rows(body: bytes, media_type: str, key: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidRequest("the body must be UTF-8") from error
    if media_type == "text/csv":
        reader = csv.DictReader(io.StringIO(text))
        # A body that is not this CSV must not replace the stored rows with nothing.
        header = {name.strip() for name in reader.fieldnames or () if name}
        if missing := [column for column in columns if column not in header]:
            raise InvalidRequest(
                f"the CSV header must name the columns {', '.join(columns)}",
                errors=[
                    {"location": "body", "message": f"missing column {name}"} for name in missing
                ],
            )
        return [
            {name.strip(): (value.strip() or None) for name, value in row.items() if name}
            for row in reader
        ]
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"the body is not JSON: {error}") from error
    if isinstance(decoded, dict):
        decoded = decoded.get(key)
    if not isinstance(decoded, list):
        raise InvalidRequest(f"expected a JSON array, or an object with a '{key}' array")
    return decoded


def _invalid(error: ValidationError) -> InvalidRequest:
    return InvalidRequest(
        "some rows cannot be read",
        errors=[
            {"location": "body." + ".".join(str(p) for p in item["loc"]), "message": item["msg"]}
            for item in error.errors()
        ],
    )


def read_pathways(body: bytes, media_type: str) -> list[PathwayInput]:
    """Rows ``youth_id,status,start,end``; ``admission`` opens an accompagnement, ``exit`` ends it.

    An exit row closes the young person's open accompagnement given earlier in the
    same body, on its ``start`` date (the exit date).
    """
    try:
        items = TypeAdapter(list[PathwayIn]).validate_python(
            _rows(body, media_type, "periods", ("youth_id", "status", "start"))
        )
    except ValidationError as error:
        raise _invalid(error) from error
    periods: list[PathwayInput] = []
    for index, item in enumerate(items):
        status = item.status.strip().lower()
        if status in EXIT:
            exit_date: dt.date = item.end or item.start
            open_index = next(
                (
                    i
                    for i in range(len(periods) - 1, -1, -1)
                    if periods[i].youth_id == item.youth_id
                    and periods[i].status is PathwayStatus.ACCOMPAGNEMENT
                    and periods[i].end is None
                ),
                None,
            )
            if open_index is None:
                raise InvalidRequest(
                    f"row {index}: an exit without an open admission for this young person",
                    errors=[{"location": f"body.{index}", "message": "no open admission"}],
                )
            opened = periods[open_index]
            periods[open_index] = PathwayInput(
                opened.youth_id, opened.status, opened.start, exit_date
            )
            continue
        if status in ADMISSION:
            status = PathwayStatus.ACCOMPAGNEMENT.value
        try:
            code = PathwayStatus(status)
        except ValueError as error:
            raise InvalidRequest(
                f"row {index}: unknown status {item.status!r}",
                errors=[{"location": f"body.{index}.status", "message": "unknown status"}],
            ) from error
        periods.append(PathwayInput(item.youth_id, code, item.start, item.end))
    return periods


def read_complexity(body: bytes, media_type: str) -> list[ComplexityInput]:
    """Rows ``youth_id,start,end,criteria`` (CSV criteria separated by ``|``)."""
    rows = _rows(body, media_type, "flags", ("youth_id", "start"))
    if media_type == "text/csv":
        for row in rows:
            raw = row.get("criteria")
            row["criteria"] = [c.strip() for c in raw.split("|") if c.strip()] if raw else []
    try:
        items = TypeAdapter(list[ComplexityIn]).validate_python(rows)
    except ValidationError as error:
        raise _invalid(error) from error
    return [
        ComplexityInput(item.youth_id, item.start, item.end, tuple(item.criteria)) for item in items
    ]
