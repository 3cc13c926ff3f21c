"""Transmission bodies. Plain models, figures as numbers: a workbook can be written from
them as they are (one sheet per table)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from activity_api.activity.schemas import ActivityReport
from activity_api.transmissions.examples import TRANSMITTED_EXAMPLE
from ditep_core.reports import EstablishmentRef, UtcDateTime

Status = Literal["draft", "transmitted", "corrected", "late"]
FigureValue = float | int | str | list[str] | None

_PERIOD_EXAMPLE = "2025-Q1"


class TransmissionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"period": _PERIOD_EXAMPLE},
                {"period": _PERIOD_EXAMPLE, "reason": "Séances de mars saisies en retard"},
            ]
        },
    )

    period: str = Field(
        max_length=16, description="Trimestre transmis, ex. 2025-Q1 (trimestres seulement)"
    )
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Motif de la correction : requis à partir de la version 2",
    )


class TransmissionInfo(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "transmitted_at": "2025-05-06T08:30:00Z",
                    "transmitted_by": "Direction DITEP Les Cèdres",
                    "reason": "Séances de mars saisies après la transmission",
                    "profile_version": "aire-2024.1",
                    "ruleset_versions": ["fr-default-2025.1"],
                    "import_ids": [118, 131],
                    "deadline": "2025-04-30",
                    "after_deadline": False,
                }
            ]
        }
    )

    version: int = Field(description="Version transmise (1, puis 2, 3… pour les corrections)")
    transmitted_at: UtcDateTime = Field(description="Date de la transmission")
    transmitted_by: str = Field(description="Clé d'API ayant transmis")
    reason: str | None = Field(description="Motif de la correction (null pour la version 1)")
    profile_version: str = Field(description="Version du profil de comptage")
    ruleset_versions: list[str] = Field(description="Versions des règles de classement")
    import_ids: list[int] = Field(description="Imports d'où viennent les séances comptées")
    deadline: dt.date = Field(description="Date limite de transmission du trimestre")
    after_deadline: bool = Field(description="Transmise après la date limite")


class FigureChange(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"figure": "file_active.total", "before": 41, "after": 42}]}
    )

    figure: str = Field(description="Indicateur (chemin pointé, ex. file_active.total)")
    before: FigureValue = Field(description="Valeur dans la version précédente")
    after: FigureValue = Field(description="Valeur dans cette version")


class TransmittedReport(ActivityReport):
    """The frozen figures as transmitted, with the transmission and the diff."""

    model_config = ConfigDict(json_schema_extra={"examples": [TRANSMITTED_EXAMPLE]})

    transmission: TransmissionInfo
    diff: list[FigureChange] | None = Field(
        description="Indicateurs modifiés par rapport à la version précédente "
        "(null pour la version 1)"
    )


class VersionSummary(BaseModel):
    version: int
    transmitted_at: UtcDateTime
    transmitted_by: str
    reason: str | None
    changed_figures: int = Field(description="Nombre d'indicateurs modifiés")


class QuarterStatus(BaseModel):
    period: str = Field(description="Trimestre, ex. 2025-Q1")
    start: dt.date = Field(description="Premier jour")
    end: dt.date = Field(description="Lendemain du dernier jour")
    deadline: dt.date = Field(description="Date limite de transmission")
    status: Status = Field(
        description="draft (brouillon), transmitted (transmis), corrected (corrigé), "
        "late (en retard : échéance passée, non transmis)"
    )
    after_deadline: bool = Field(description="Transmis après la date limite")
    marked_late_at: dt.datetime | None = Field(
        default=None,
        description="Constaté en retard le (échéance passée sans transmission ; gardé "
        "après une transmission tardive)",
    )
    versions: list[VersionSummary] = Field(
        description="Versions transmises, la plus ancienne d'abord"
    )


class TransmissionList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "establishment": {
                        "finess": "690000017",
                        "name": "DITEP Les Cèdres",
                        "region_code": "84",
                        "department_code": "69",
                    },
                    "today": "2025-05-12",
                    "quarters": [
                        {
                            "period": "2025-Q1",
                            "start": "2025-01-01",
                            "end": "2025-04-01",
                            "deadline": "2025-04-30",
                            "status": "late",
                            "after_deadline": False,
                            "versions": [],
                        }
                    ],
                }
            ]
        }
    )

    establishment: EstablishmentRef
    today: dt.date = Field(description="Date du jour (statuts calculés à cette date)")
    quarters: list[QuarterStatus] = Field(
        description="Chaque trimestre, du premier ayant des séances au trimestre en cours"
    )
