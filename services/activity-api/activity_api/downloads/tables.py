"""The tables of a download: which figures go on which sheet, with their French labels.

Labels are the descriptions of the body's models (``ditep_core.reports``), so a figure
added to the body gets its label and its sheet without a second list to keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from activity_api.indicators.schemas import IndicatorsReport
from activity_api.regions.aggregate import flatten
from activity_api.regions.schemas import (
    AreaReport,
    AreaResults,
    EstablishmentStatus,
    FiguresRow,
    NationalResults,
    TransmissionShare,
)
from activity_api.regions.service import figures_csv
from activity_api.transmissions.schemas import TransmissionList
from ditep_core.reports import ActivityFigures

# Sheet title → the body's top-level fields it shows (transmission.md §3).
TABLE_SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("File active", ("file_active", "multi_modality", "transitions")),
    ("Unités hebdomadaires", ("units",)),
    ("Heures", ("hours",)),
    ("Journées et nuits", ("days",)),
    ("Actes et séances", ("acts",)),
    ("Capacité", ("capacity",)),
    ("Qualité des données", ("quality",)),
)
SUMMARY_PATHS: tuple[str, ...] = (
    "file_active.total",
    "multi_modality.youth",
    "units.total",
    "units.youth_weeks",
    "hours.direct",
    "hours.indirect",
    "hours.total",
    "days.journees.total",
    "days.nuits",
    "acts.actes",
    "acts.seances",
    "quality.received",
    "quality.counted",
)
REASONS = {"undefined": "non défini (dénominateur nul)", "suppressed": "secret statistique"}
SUPPRESSED_MARK = "s"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


@cache
def figure_labels() -> dict[str, str]:
    """Dotted path (JSON keys) → French label, from the models' field descriptions.

    A figure two levels deep or more is named with its group: "Heures par activité —
    Accueil de nuit (heures)".
    """
    labels: dict[str, str] = {}

    def walk(model: type[BaseModel], prefix: str, group: str | None, depth: int) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            path = f"{prefix}{key}"
            description = info.description or key
            labels[path] = f"{group} — {description}" if group and depth >= 2 else description
            nested = _model_of(info.annotation)
            if nested is not None:
                walk(nested, f"{path}.", info.description, depth + 1)

    walk(ActivityFigures, "", None, 0)
    return labels


def figure_label(path: str) -> str:
    """The label of a figure; a dict entry (a pair of modalities) after its group's."""
    labels = figure_labels()
    if path in labels:
        return labels[path]
    parent, _, key = path.rpartition(".")
    return f"{labels.get(parent, parent)} — {key}" if parent else key


def flat_figures(body: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted paths to leaves (lists left out: per-source detail has its own table)."""
    return {path: value for path, value in flatten(body).items() if not isinstance(value, list)}


def sheet_paths(flat: Mapping[str, Any], groups: tuple[str, ...]) -> list[str]:
    return [path for path in flat if path.split(".", 1)[0] in groups]


# --- the indicators as one table (the XLSX sheet and the CSV) --------------------------

INDICATOR_COLUMNS = (
    "indicateur",
    "code",
    "mesure",
    "libelle",
    "unite",
    "valeur",
    "motif",
    "valeur_un_an_plus_tot",
    "motif_un_an_plus_tot",
    "definition",
)


def indicator_rows(report: IndicatorsReport) -> list[list[object]]:
    rows: list[list[object]] = []
    for indicator in report.indicators:
        for measure in indicator.measures:
            rows.append(
                [
                    indicator.label,
                    indicator.code,
                    measure.code,
                    measure.label,
                    measure.unit,
                    measure.value,
                    REASONS.get(measure.reason or "", ""),
                    measure.year_before.value,
                    REASONS.get(measure.year_before.reason or "", ""),
                    indicator.definition,
                ]
            )
    return rows


# --- the tables of the transmission routes ----------------------------------------------
#
# Two kinds of table, each with one writer per form (CSV: ``french_csv``; XLSX:
# ``workbook.rows_sheet`` and ``workbook.figure_sheets``):
# - a list of rows (quarters and versions, establishments and statuses): ``RowsTable``;
# - rows of figures (establishments, regions) and their total: ``FigureTable``, whose
#   columns are every published figure path (``regions.service.figures_csv``).
# Cells are the JSON body's values (``model_dump(mode="json")``): dates as ISO text,
# numbers as numbers, so the download and the body say the same thing.

STATUS_LABELS = {
    "draft": "brouillon",
    "transmitted": "transmis",
    "corrected": "corrigé",
    "late": "en retard",
}


@dataclass(frozen=True, slots=True)
class Column:
    code: str  # the JSON field (the CSV header)
    label: str  # the French label (the workbook's header)


@dataclass(frozen=True, slots=True)
class RowsTable:
    title: str  # the workbook's sheet
    columns: tuple[Column, ...]
    rows: list[list[object]]

    @property
    def codes(self) -> list[str]:
        return [column.code for column in self.columns]


@dataclass(frozen=True, slots=True)
class FigureTable:
    identity: tuple[Column, ...]  # the columns before the figures
    rows: list[tuple[list[object], FiguresRow]]  # the last one is the total

    @property
    def codes(self) -> list[str]:
        return [column.code for column in self.identity]

    def csv(self) -> tuple[list[str], list[list[object]]]:
        return figures_csv(self.codes, self.rows)


def _label_of(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].description or name


QUARTER_COLUMNS = (
    Column("period", "Trimestre"),
    Column("start", "Premier jour"),
    Column("end", "Lendemain du dernier jour"),
    Column("deadline", "Date limite de transmission"),
    Column("status", "Statut (code)"),
    Column("status_label", "Statut"),
    Column("after_deadline", "Transmis après la date limite"),
    Column("marked_late_at", "Relevé en retard le"),
    Column("version", "Version"),
    Column("transmitted_at", "Transmise le"),
    Column("transmitted_by", "Transmise par"),
    Column("reason", "Motif de la correction"),
    Column("changed_figures", "Indicateurs modifiés"),
)


def quarters_table(listing: TransmissionList) -> RowsTable:
    """An establishment's quarters: one line per transmitted version, and one line (no
    version) per quarter never transmitted."""
    rows: list[list[object]] = []
    for quarter in listing.quarters:
        values = quarter.model_dump(mode="json")
        head = [
            values["period"],
            values["start"],
            values["end"],
            values["deadline"],
            values["status"],
            STATUS_LABELS[quarter.status],
            values["after_deadline"],
            values["marked_late_at"],
        ]
        versions = values["versions"] or [None]
        for version in versions:
            tail = (
                [None] * 5
                if version is None
                else [
                    version["version"],
                    version["transmitted_at"],
                    version["transmitted_by"],
                    version["reason"],
                    version["changed_figures"],
                ]
            )
            rows.append([*head, *tail])
    return RowsTable("Trimestres", QUARTER_COLUMNS, rows)


STATUS_COLUMNS = (
    Column("finess", "N° FINESS"),
    Column("name", "Raison sociale"),
    Column("department_code", "Département"),
    Column("status", "Statut (code)"),
    Column("status_label", "Statut"),
    Column("version", _label_of(EstablishmentStatus, "version")),
    Column("transmitted_at", _label_of(EstablishmentStatus, "transmitted_at")),
    Column("after_deadline", _label_of(EstablishmentStatus, "after_deadline")),
    Column("marked_late_at", _label_of(EstablishmentStatus, "marked_late_at")),
)


def statuses_table(statuses: Sequence[EstablishmentStatus]) -> RowsTable:
    """Establishments and their quarter's status (the statuses route; the results'
    transmissions sheet)."""
    rows: list[list[object]] = []
    for status in statuses:
        values = status.model_dump(mode="json")
        rows.append(
            [
                *(values[column.code] for column in STATUS_COLUMNS[:4]),
                STATUS_LABELS[status.status],
                *(values[column.code] for column in STATUS_COLUMNS[5:]),
            ]
        )
    return RowsTable("Transmissions", STATUS_COLUMNS, rows)


REGION_SHARE_COLUMNS = (
    Column("region_code", "Code région"),
    Column("name", "Région"),
    Column("establishments", _label_of(TransmissionShare, "establishments")),
    Column("transmitted", _label_of(TransmissionShare, "transmitted")),
    Column("share", _label_of(TransmissionShare, "share")),
)


def region_shares_table(results: NationalResults) -> RowsTable:
    rows: list[list[object]] = [
        [
            row.region_code,
            row.name,
            row.transmissions.establishments,
            row.transmissions.transmitted,
            row.transmissions.share,
        ]
        for row in results.regions
    ]
    total = results.transmissions
    rows.append(["TOTAL", "France", total.establishments, total.transmitted, total.share])
    return RowsTable("Transmissions", REGION_SHARE_COLUMNS, rows)


_ESTABLISHMENT_IDENTITY = (
    Column("finess", "N° FINESS"),
    Column("name", "Raison sociale"),
    Column("department_code", "Département"),
)


def area_figure_table(report: AreaReport) -> FigureTable:
    """An area's activity: one row per establishment, then the total."""
    rows: list[tuple[list[object], FiguresRow]] = [
        ([row.finess, row.name, row.department_code], row) for row in report.establishments
    ]
    rows.append((["TOTAL", report.area.name or report.area.code, ""], report.totals))
    return FigureTable(_ESTABLISHMENT_IDENTITY, rows)


def results_figure_table(results: AreaResults) -> FigureTable:
    """An area's transmitted results: one row per establishment (its status and latest
    version; no figure while not transmitted), then the total of those transmitted."""
    lines = statuses_table(results.establishments).rows
    rows: list[tuple[list[object], FiguresRow]] = list(
        zip(lines, results.establishments, strict=True)
    )
    total: list[object] = ["TOTAL", results.area.name or results.area.code]
    rows.append(([*total, *[None] * (len(STATUS_COLUMNS) - 2)], results.totals))
    return FigureTable(STATUS_COLUMNS, rows)


def national_figure_table(results: NationalResults) -> FigureTable:
    """National results: one row per region, then the national total."""
    lines = region_shares_table(results).rows
    rows: list[tuple[list[object], FiguresRow]] = list(
        zip(lines, [*results.regions, results.totals], strict=True)
    )
    return FigureTable(REGION_SHARE_COLUMNS, rows)
