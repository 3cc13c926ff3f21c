"""The indicators response. Labels and definitions are French: users read them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ditep_core.reports import UtcDateTime

Reason = Literal["undefined", "suppressed"]
ScopeKind = Literal["establishment", "department", "region", "national"]


class IndicatorValue(BaseModel):
    value: float | int | None = Field(description="Valeur (null si non définie ou masquée)")
    reason: Reason | None = Field(
        default=None,
        description="undefined : dénominateur nul ; suppressed : secret statistique",
    )


class Measure(IndicatorValue):
    code: str = Field(description="Code de la mesure")
    label: str = Field(description="Libellé")
    unit: str = Field(description="Unité (jeunes, part, heures, jours, taux…)")
    year_before: IndicatorValue = Field(description="La même mesure un an plus tôt")


class Indicator(BaseModel):
    code: str = Field(description="Code de l'indicateur")
    label: str = Field(description="Libellé")
    definition: str = Field(description="Définition, telle que les utilisateurs la lisent")
    measures: list[Measure]


class IndicatorScope(BaseModel):
    kind: ScopeKind = Field(description="Établissement, département, région ou national")
    code: str | None = Field(description="N° FINESS, code INSEE, ou null (national)")
    name: str | None = Field(description="Raison sociale ou libellé de la région")


class IndicatorPeriod(BaseModel):
    code: str = Field(description="Période (2025-Q1, 2025-03, 2025, 2024-2025)")
    start: dt.date = Field(description="Début (inclus)")
    end: dt.date = Field(description="Fin (exclue)")


class IndicatorSecrecy(BaseModel):
    threshold: int = Field(description="Seuil du secret statistique (jeunes)")
    rule: str = Field(description="Règle appliquée")
    establishment_count: int = Field(description="Établissements agrégés")


_EXAMPLE: dict[str, Any] = {
    "scope": {"kind": "establishment", "code": "690000017", "name": "DITEP Les Cèdres"},
    "period": {"code": "2025-Q1", "start": "2025-01-01", "end": "2025-04-01"},
    "year_before_period": {"code": "2024-Q1", "start": "2024-01-01", "end": "2024-04-01"},
    "profile_version": "default-1",
    "rule_set_versions": ["fr-default-1"],
    "computed_at": "2025-04-02T08:00:00+00:00",
    "stale": False,
    "secrecy": None,
    "suppressed": [],
    "indicators": [
        {
            "code": "multi_modality",
            "label": "Multi-modalité",
            "definition": "Jeunes accompagnés dans au moins deux modalités dans la période, "
            "divisés par la file active.",
            "measures": [
                {
                    "code": "youth",
                    "label": "Jeunes en multi-modalité",
                    "unit": "jeunes",
                    "value": 12,
                    "reason": None,
                    "year_before": {"value": 9, "reason": None},
                },
                {
                    "code": "share",
                    "label": "Part",
                    "unit": "part",
                    "value": 0.2,
                    "reason": None,
                    "year_before": {"value": None, "reason": "undefined"},
                },
            ],
        }
    ],
}


class IndicatorsReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    scope: IndicatorScope
    period: IndicatorPeriod
    year_before_period: IndicatorPeriod = Field(description="La même période un an plus tôt")
    profile_version: str = Field(description="Version du profil de comptage")
    rule_set_versions: list[str] = Field(description="Versions des règles de classement")
    computed_at: UtcDateTime = Field(description="Date du calcul")
    stale: bool = Field(
        description=(
            "Des données plus récentes attendent le recalcul des cumuls (tâche de fond) : "
            "les indicateurs sont ceux du dernier calcul"
        )
    )
    secrecy: IndicatorSecrecy | None = Field(
        description="Secret statistique (niveaux ARS ; null pour un établissement)"
    )
    suppressed: list[str] = Field(
        description="Mesures masquées « indicateur.mesure » (période ou un an plus tôt)"
    )
    indicators: list[Indicator]

    def measure(self, indicator: str, measure: str) -> Measure:
        """One measure by its codes (the tests' and the workbooks' access)."""
        for item in self.indicators:
            if item.code == indicator:
                for entry in item.measures:
                    if entry.code == measure:
                        return entry
        raise KeyError(f"{indicator}.{measure}")
