"""The activity responses. Field descriptions carry the French labels users know.

The body's models live in ``ditep_core.reports`` (agenda-ingest's dry run returns the
same figures); the weekly detail, the diff and the imports are the activity API's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from ditep_core.reports import (
    ActivityFigures,
    ActivityReport,
    EstablishmentRef,
    Frozen,
    Period,
    ReportModel,
    UtcDateTime,
)

__all__ = [
    "ActivityFigures",
    "ActivityReport",
    "ComplexityIn",
    "EstablishmentRef",
    "Frozen",
    "ImportSummary",
    "PathwayIn",
    "Period",
    "PeriodChange",
    "PeriodDiff",
    "TransitionDetail",
    "WeekSurcharges",
    "WeeklyReport",
    "YouthWeekDetail",
]

from ditep_core.web.parameters import DAY_SCHEMA, ReadDay


class WeekSurcharges(ReportModel):
    complexity: bool = Field(description="Majoration situation complexe")
    appui_ressources: bool = Field(description="Majoration appui-ressources")


class YouthWeekDetail(ReportModel):
    youth: str = Field(description="Pseudonyme du jeune")
    week: str = Field(description="Semaine ISO")
    week_start: dt.date = Field(description="Lundi de la semaine")
    minutes_direct: float = Field(description="Minutes d'accompagnement direct")
    minutes_indirect: float = Field(description="Minutes d'accompagnement indirect")
    minutes_total: float = Field(description="Minutes d'accompagnement")
    score: int | None = Field(description="Unité hebdomadaire (1 à 4)")
    lt_1h: bool = Field(description="Moins d'une heure")
    surcharges: WeekSurcharges


class TransitionDetail(ReportModel):
    youth: str = Field(description="Pseudonyme du jeune")
    from_month: str = Field(description="Mois quitté (AAAA-MM)")
    from_: str = Field(alias="from", description="Modalité principale du mois quitté")
    to: str = Field(description="Modalité principale du mois suivant")


class WeeklyReport(ReportModel):
    establishment: EstablishmentRef
    period: Period
    profile_version: str = Field(description="Version du profil de comptage")
    computed_at: UtcDateTime | None = Field(
        description="Date du calcul des cumuls servis (null si aucun n'a été calculé)"
    )
    stale: bool = Field(description="Des données plus récentes attendent le recalcul")
    weeks: list[YouthWeekDetail] = Field(description="Détail par jeune et par semaine")
    transitions: list[TransitionDetail] = Field(description="Transitions par jeune")


class PeriodChange(ReportModel):
    figure: str = Field(description="Chemin de l'indicateur")
    frozen: float | int | str | None = Field(description="Valeur gelée")
    recomputed: float | int | str | None = Field(description="Valeur recalculée")


class PeriodDiff(ReportModel):
    period: str = Field(description="Période gelée")
    frozen_at: UtcDateTime = Field(description="Date du gel")
    profile_version: dict[str, str] = Field(description="Profil au gel et aujourd'hui")
    changed: bool = Field(description="Un recalcul changerait-il les chiffres ?")
    changes: list[PeriodChange] = Field(description="Indicateurs qui changeraient")


class PathwayIn(ReportModel):
    youth_id: str = Field(
        description="Identifiant du jeune tel que dans les flux (INS, n° DUI), pseudonymisé"
    )
    status: str = Field(
        description="pre_admission, accompagnement (admission → sortie), suivi_post_sortie, "
        "ponctuel; ou admission / sortie (exit)"
    )
    start: Annotated[dt.date, ReadDay] = Field(
        description="Début (admission)", json_schema_extra=DAY_SCHEMA
    )
    end: Annotated[dt.date | None, ReadDay] = Field(
        default=None,
        description="Fin incluse (sortie), vide si en cours",
        json_schema_extra=DAY_SCHEMA,
    )


class ComplexityIn(ReportModel):
    youth_id: str = Field(description="Identifiant du jeune tel que dans les flux, pseudonymisé")
    start: Annotated[dt.date, ReadDay] = Field(
        description="Début de la situation complexe", json_schema_extra=DAY_SCHEMA
    )
    end: Annotated[dt.date | None, ReadDay] = Field(
        default=None, description="Fin incluse, vide si en cours", json_schema_extra=DAY_SCHEMA
    )
    criteria: list[str] = Field(default_factory=list, description="Critères de complexité")


class ImportSummary(ReportModel):
    received: int = Field(description="Lignes reçues")
    replaced: int = Field(description="Lignes importées par l'API remplacées")
    youth: int = Field(description="Jeunes concernés")
