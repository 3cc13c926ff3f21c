"""Path and query parameters shared by the routes, with the constraints the API enforces.

Declared once so that the OpenAPI document states what the API accepts: a value
valid by the schema is read by the route (it may still name nothing: 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final

from fastapi import Path, Query
from pydantic import AfterValidator
from pydantic.config import JsonDict

from ditep_core.days import DAYS_READ, FIRST_YEAR, LAST_YEAR, day_in_range

# Database identifiers are 32-bit integers on PostgreSQL.
MAX_ID: Final = 2**31 - 1
FINESS_PATTERN: Final = r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$"
# The shapes of INSEE codes; a code of that shape that names no region or department is a
# 404 (a 403 for a key bound to areas, which may not probe codes).
REGION_PATTERN: Final = r"^[0-9]{2}$"
DEPARTMENT_PATTERN: Final = r"^(?:[0-9]{2}|2[AB]|97[0-9])$"


def _storable(text: str) -> str:
    """Text both databases can keep: PostgreSQL refuses NUL in text, and a lone surrogate
    is not UTF-8 (either would be a 500 at the INSERT, not a 422 naming the field)."""
    if "\x00" in text:
        raise ValueError("the text holds a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("the text holds a lone surrogate (not UTF-8)") from error
    return text


StorableText = Annotated[str, AfterValidator(_storable)]
"""A string of a request body that is stored: no NUL, valid UTF-8."""


Finess = Annotated[
    str,
    Path(
        pattern=FINESS_PATTERN,
        description="N° FINESS : 9 caractères, le département (2 chiffres, 2A, 2B) puis 7 chiffres",
        examples=["690000017"],
    ),
]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Identifiant")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Identifiant")]
REGION_CODE: Final[Any] = Path(
    pattern=REGION_PATTERN, description="Code INSEE de la région", examples=["84"]
)
DEPARTMENT_CODE: Final[Any] = Path(
    pattern=DEPARTMENT_PATTERN, description="Code INSEE du département", examples=["69"]
)
RegionCode = Annotated[str, REGION_CODE]
DepartmentCode = Annotated[str, DEPARTMENT_CODE]
AREA_CODES: Final[dict[str, tuple[str, Any]]] = {
    "region": ("regions", REGION_CODE),
    "department": ("departments", DEPARTMENT_CODE),
}
"""Each area kind with its path segment and its ``code`` parameter, for a route written
once for both kinds (``code: str = AREA_CODES[kind][1]``, keyword-only)."""

# Days and instants sent in queries and bodies: the years the service reads
# (``ditep_core.days``), so that no date arithmetic overflows. The schema
# states it as a pattern on the year, beside the ``date``/``date-time`` format.
DAY_YEAR_PATTERN: Final = rf"^(?:{FIRST_YEAR // 100}[0-9]{{2}}|2[01][0-9]{{2}})-"
assert (FIRST_YEAR, LAST_YEAR) == (1900, 2199), "DAY_YEAR_PATTERN states 1900-2199"
DAY_SCHEMA: Final[JsonDict] = {"pattern": DAY_YEAR_PATTERN}


def _day_read(value: dt.date | None) -> dt.date | None:
    if value is not None and not day_in_range(value):
        raise ValueError(f"out of range: days are {DAYS_READ}")
    return value


def _instant_read(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"out of range: instants are {DAYS_READ}")
    return value


ReadDay = AfterValidator(_day_read)
ReadInstant = AfterValidator(_instant_read)
