"""The area (region, department) response. French labels in the descriptions.

Responses are serialised with ``exclude_unset`` (figures an area does not have are left
out, as the generic sum leaves them out).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model

from activity_api.regions.aggregate import flatten
from ditep_core.reports import ActivityFigures


class Area(BaseModel):
    kind: Literal["region", "department"] = Field(description="Région ou département")
    code: str = Field(description="Code INSEE de la région ou du département")
    name: str | None = Field(description="Libellé de la région")
    region_code: str = Field(description="Code INSEE de la région")


class AreaPeriod(BaseModel):
    label: str = Field(description="Période demandée (ex. 2025-Q1)")
    start: dt.date = Field(description="Début de période (inclus)")
    end: dt.date = Field(description="Fin de période (exclue)")


class Secrecy(BaseModel):
    threshold: int = Field(description="Seuil du secret statistique (jeunes)")
    rule: str = Field(description="Règle appliquée")


_KEPT_TEXT = re.compile(r"(version|profile)", re.IGNORECASE)


_AREA_MODELS: dict[type[BaseModel], type[BaseModel]] = {}
# Versions and profiles: an establishment's text, or the total row's sorted distinct values.
_TEXT: Any = list[str] | str


def _optional(annotation: Any) -> Any:
    return annotation | None


def area_model(model: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """The area form of a body model, derived field by field (never written twice).

    What ``regions.aggregate`` publishes: every number may be null (masked by the
    statistical secrecy, or a ratio not aggregated); text is kept only when it names a
    version or a profile; dates and lists of objects (per-source or per-person detail)
    never reach an area. Every field is optional (an area without establishments has no
    figures; serialise with ``exclude_unset``), and extra fields are kept so that the
    generic sum still publishes a figure the model does not know yet (a stored body).
    """
    if model in _AREA_MODELS:
        return _AREA_MODELS[model]
    fields: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = info.annotation
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        base = args[0] if len(args) == 1 and get_origin(annotation) is not list else annotation
        if isinstance(base, type) and issubclass(base, BaseModel):
            kept: Any = area_model(base)
        elif base in (int, float):
            kept = base
        elif get_origin(base) is dict:
            key, value = get_args(base)
            kept = dict.__class_getitem__((key, _optional(value)))
        elif (base is str or base == list[str]) and _KEPT_TEXT.search(field_name):
            kept = _TEXT
        else:
            continue
        (texts if kept is _TEXT else fields)[field_name] = (
            _optional(kept),
            Field(default=None, alias=info.alias, description=info.description),
        )
    fields.update(texts)  # after the figures, where the aggregate publishes them
    derived: type[BaseModel] = create_model(
        name or f"Area{model.__name__}",
        __config__=ConfigDict(populate_by_name=True, extra="allow"),
        **fields,
    )
    _AREA_MODELS[model] = derived
    return derived


if TYPE_CHECKING:
    AreaFigures = BaseModel
else:
    AreaFigures = area_model(ActivityFigures, "AreaFigures")


class FiguresRow(BaseModel):
    figures: AreaFigures = Field(
        description="Les indicateurs de l'établissement (mêmes champs que /activity), "
        "null si masqués"
    )
    suppressed: list[str] = Field(
        description="Chemins des indicateurs masqués (secret statistique)"
    )

    def flat_figures(self) -> dict[str, Any]:
        """Dotted paths to the published values (the CSV's columns)."""
        figures: BaseModel = self.figures
        return flatten(figures.model_dump(mode="json", by_alias=True, exclude_unset=True))


class EstablishmentRow(FiguresRow):
    finess: str = Field(description="N° FINESS")
    name: str = Field(description="Raison sociale")
    department_code: str = Field(description="Département")


class AreaReport(BaseModel):
    area: Area
    period: AreaPeriod
    computed_at: dt.datetime
    stale: bool = Field(
        description="Un établissement au moins a des données plus récentes en attente de "
        "recalcul (tâche de fond) : ses chiffres sont ceux de son dernier calcul"
    )
    secrecy: Secrecy
    establishment_count: int = Field(description="Nombre d'établissements")
    not_aggregated: list[str] = Field(
        description="Indicateurs non additifs non déclarés (non agrégés, null)"
    )
    totals: FiguresRow = Field(description="Somme des établissements")
    establishments: list[EstablishmentRow]


# --- transmitted results (issue 16) ---------------------------------------------------

TransmissionStatus = Literal["draft", "transmitted", "corrected", "late"]


class TransmissionShare(BaseModel):
    establishments: int = Field(description="Nombre d'établissements")
    transmitted: int = Field(description="Établissements ayant transmis le trimestre")
    share: float | None = Field(description="Part des établissements ayant transmis (0 à 1)")


class QuarterInfo(AreaPeriod):
    deadline: dt.date = Field(description="Date limite de transmission")


class EstablishmentStatus(BaseModel):
    finess: str = Field(description="N° FINESS")
    name: str = Field(description="Raison sociale")
    department_code: str = Field(description="Département")
    status: TransmissionStatus = Field(
        description="draft (brouillon), transmitted (transmis), corrected (corrigé), "
        "late (en retard)"
    )
    version: int | None = Field(description="Dernière version transmise")
    transmitted_at: dt.datetime | None = Field(description="Date de la dernière version")
    after_deadline: bool = Field(description="Transmis après la date limite")
    marked_late_at: dt.datetime | None = Field(
        default=None,
        description="Constaté en retard le (échéance passée sans transmission ; gardé "
        "après une transmission tardive)",
    )


class AreaTransmissions(BaseModel):
    """Statuses only: no figure of any quarter, transmitted or not."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "area": {
                        "kind": "region",
                        "code": "84",
                        "name": "Auvergne-Rhône-Alpes",
                        "region_code": "84",
                    },
                    "period": {
                        "label": "2025-Q1",
                        "start": "2025-01-01",
                        "end": "2025-04-01",
                        "deadline": "2025-04-30",
                    },
                    "transmissions": {"establishments": 2, "transmitted": 1, "share": 0.5},
                    "establishments": [
                        {
                            "finess": "690000100",
                            "name": "DITEP Les Cèdres",
                            "department_code": "69",
                            "status": "corrected",
                            "version": 2,
                            "transmitted_at": "2025-04-28T09:12:00Z",
                            "after_deadline": False,
                        },
                        {
                            "finess": "380000300",
                            "name": "DITEP L'Envol",
                            "department_code": "38",
                            "status": "late",
                            "version": None,
                            "transmitted_at": None,
                            "after_deadline": False,
                        },
                    ],
                }
            ]
        }
    )

    area: Area
    period: QuarterInfo
    transmissions: TransmissionShare
    establishments: list[EstablishmentStatus]


class ResultRow(FiguresRow, EstablishmentStatus):
    """An establishment's latest transmitted figures; ``figures`` is empty (no figure at
    all) while the quarter is not transmitted."""


def _results_examples(
    head: dict[str, Any], transmissions: TransmissionShare, file_active: int, tail: dict[str, Any]
) -> ConfigDict:
    """The example of a results body: ``head`` first, ``tail`` last, the quarter between."""
    example = {
        **head,
        "period": {
            "label": "2025-Q1",
            "start": "2025-01-01",
            "end": "2025-04-01",
            "deadline": "2025-04-30",
        },
        "computed_at": "2025-05-12T08:00:00Z",
        "secrecy": {"threshold": 5, "rule": "…"},
        "transmissions": transmissions.model_dump(),
        "not_aggregated": [],
        "totals": {"figures": {"file_active": {"total": file_active}}, "suppressed": []},
        **tail,
    }
    return ConfigDict(json_schema_extra={"examples": [example]})


class _OfArea(BaseModel):
    area: Area


class _QuarterResults(BaseModel):
    """What the results of an area and the national results share."""

    period: QuarterInfo
    computed_at: dt.datetime
    secrecy: Secrecy
    transmissions: TransmissionShare
    not_aggregated: list[str] = Field(
        description="Indicateurs non additifs non déclarés (non agrégés, null)"
    )
    totals: FiguresRow = Field(description="Somme des établissements ayant transmis")


# ``area`` first: the bases' fields come in reverse order of the bases.
class AreaResults(_QuarterResults, _OfArea):
    model_config = _results_examples(
        {"area": {"kind": "department", "code": "69", "name": None, "region_code": "84"}},
        TransmissionShare(establishments=2, transmitted=1, share=0.5),
        42,
        {"establishments": []},
    )

    establishments: list[ResultRow]


class RegionResultRow(FiguresRow):
    region_code: str = Field(description="Code INSEE de la région")
    name: str = Field(description="Libellé de la région")
    transmissions: TransmissionShare


class NationalResults(_QuarterResults):
    model_config = _results_examples(
        {},
        TransmissionShare(establishments=195, transmitted=180, share=0.9231),
        9120,
        {"regions": []},
    )

    totals: FiguresRow = Field(description="Total national des établissements ayant transmis")
    regions: list[RegionResultRow]
