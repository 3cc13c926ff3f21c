"""The area (region, department) response. French labels in the descriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


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


class FiguresRow(BaseModel):
    figures: dict[str, Any] = Field(
        description="Les indicateurs de l'établissement (mêmes champs que /activity), "
        "null si masqués"
    )
    suppressed: list[str] = Field(
        description="Chemins des indicateurs masqués (secret statistique)"
    )


class EstablishmentRow(FiguresRow):
    finess: str = Field(description="N° FINESS")
    name: str = Field(description="Raison sociale")
    department_code: str = Field(description="Département")


class AreaReport(BaseModel):
    area: Area
    period: AreaPeriod
    computed_at: dt.datetime
    secrecy: Secrecy
    establishment_count: int = Field(description="Nombre d'établissements")
    not_aggregated: list[str] = Field(
        description="Indicateurs non additifs non déclarés (non agrégés, null)"
    )
    totals: FiguresRow = Field(description="Somme des établissements")
    establishments: list[EstablishmentRow]
