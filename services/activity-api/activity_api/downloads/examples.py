"""The CSV examples of the OpenAPI pages, written by the downloads' own writers from the
response models' JSON examples (so an example is what the route answers)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from activity_api.downloads.tables import (
    INDICATOR_COLUMNS,
    indicator_rows,
    national_figure_table,
    quarters_table,
    results_figure_table,
    statuses_table,
)
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.regions.schemas import AreaResults, AreaTransmissions, NationalResults
from activity_api.transmissions.schemas import TransmissionList
from ditep_core.web.tabular import french_csv

M = TypeVar("M", bound=BaseModel)


def _example(model: type[M]) -> M:
    extra: Any = model.model_config.get("json_schema_extra") or {}
    return model.model_validate(extra["examples"][0])


def _text(columns: list[str], rows: list[list[object]]) -> str:
    return french_csv(columns, rows).decode("utf-8").removeprefix("\ufeff")


def _quarters() -> str:
    table = quarters_table(_example(TransmissionList))
    return _text(table.codes, table.rows)


def _statuses() -> str:
    table = statuses_table(_example(AreaTransmissions).establishments)
    return _text(table.codes, table.rows)


QUARTERS_CSV_EXAMPLE = _quarters()
STATUSES_CSV_EXAMPLE = _statuses()
RESULTS_CSV_EXAMPLE = _text(*results_figure_table(_example(AreaResults)).csv())
INDICATORS_CSV_EXAMPLE = _text(list(INDICATOR_COLUMNS), indicator_rows(_example(IndicatorsReport)))
NATIONAL_CSV_EXAMPLE = _text(*national_figure_table(_example(NationalResults)).csv())
# A transmitted version (and /activity): one ``figure;value`` line per dotted path.
FIGURES_CSV_EXAMPLE = _text(
    ["figure", "value"],
    [
        ["establishment.finess", "690000017"],
        ["period.code", "2025-Q1"],
        ["file_active.total", 42],
        ["hours.direct", 1234.5],
        ["transmission.version", 2],
    ],
)
