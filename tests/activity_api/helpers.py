"""Helpers shared by the ARS / ROR tests (issue 7)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from activity_api.main import create_app as create_api_app
from activity_api.ror.codes import EXTENSION_SUPPORTED_CAPACITY
from ditep_core.db import Database
from ditep_counting.engine.profile import DEFAULT_PROFILE
from ditep_counting.rollups.repository import RollupRepository
from tests.conftest import TemporaryDatabase, make_settings
from tests.http import AppClient, app_client


@contextmanager
def api_client_with(
    migrated_database: TemporaryDatabase,
    database: Database,
    *,
    secrecy_threshold: int | None = None,
    **settings: Any,
) -> Iterator[AppClient]:
    """activity-api with some settings changed; ``secrecy_threshold`` stores a counting
    profile with that suppression threshold (the profile is where the threshold lives)."""
    if secrecy_threshold is not None:
        parameters = {**DEFAULT_PROFILE.to_parameters(), "suppression_threshold": secrecy_threshold}
        with database.unit_of_work() as session:
            RollupRepository(session).add_profile(f"test-secrecy-{secrecy_threshold}", parameters)
    app: FastAPI = create_api_app(
        make_settings(migrated_database.url, **settings), database=database
    )
    with app_client(app) as client:
        yield client


def capacity_extensions(location: dict[str, Any]) -> dict[str, int]:
    """Location capacities by status code: {"01": installed, "03": occupied, "02": available}."""
    found: dict[str, int] = {}
    for extension in location.get("extension", []):
        if extension["url"] != EXTENSION_SUPPORTED_CAPACITY:
            continue
        parts = {part["url"]: part for part in extension["extension"]}
        status = parts["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"]
        assert parts["capacityType"]["valueCodeableConcept"]["coding"][0]["code"] == "02"
        found[status] = parts["nbCapacity"]["valueInteger"]
    return found


def french_csv_rows(text: str) -> list[list[str]]:
    """The cells of a download's CSV (UTF-8 with BOM, ``;``): the BOM is required."""
    assert text.startswith("\ufeff"), text[:20]
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def french_csv_records(text: str) -> list[dict[str, str]]:
    header, *rows = french_csv_rows(text)
    return [dict(zip(header, row, strict=True)) for row in rows]
