"""The tables of a download: which figures go on which sheet, with their French labels.

Labels are the descriptions of the body's models (``ditep_core.reports``), so a figure
added to the body gets its label and its sheet without a second list to keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from activity_api.indicators.schemas import IndicatorsReport
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


def flat_figures(body: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaves (lists left out: per-source detail has its own table)."""
    flat: dict[str, Any] = {}
    for name, value in body.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flat_figures(value, f"{path}."))
        elif not isinstance(value, list):
            flat[path] = value
    return flat


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
