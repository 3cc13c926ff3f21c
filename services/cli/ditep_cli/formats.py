"""The ``--format`` choices of the commands that print a table, JSON or CSV."""

from __future__ import annotations

from enum import StrEnum


class TableFormat(StrEnum):
    """A rich table for people, or the API's JSON or CSV for programs."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
