"""The activity response. Field descriptions carry the French labels users know."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class EstablishmentRef(BaseModel):
    finess: str = Field(description="N° FINESS de l'établissement")
    name: str = Field(description="Raison sociale")
    region_code: str = Field(description="Code INSEE de la région")
    department_code: str = Field(description="Code du département")


class Period(BaseModel):
    start: dt.date = Field(description="Début de période (inclus)")
    end: dt.date = Field(description="Fin de période (exclue)")
    timezone: str = Field(description="Fuseau horaire de l'établissement")


class ByModality(BaseModel):
    accueil_nuit: int = Field(description="Accueil de nuit")
    accueil_jour: int = Field(description="Accueil de jour")
    ambulatoire: int = Field(description="Ambulatoire / milieu ordinaire")


class FileActive(BaseModel):
    total: int = Field(description="File active : jeunes distincts accompagnés sur la période")
    by_modality: ByModality = Field(description="File active par modalité (séances directes)")


class HoursByActivity(BaseModel):
    accueil_nuit: float = Field(description="Accueil de nuit (heures)")
    accueil_jour: float = Field(description="Accueil de jour (heures)")
    ambulatoire: float = Field(description="Ambulatoire (heures)")
    appui_ressources: float = Field(description="Appui-ressources lié à un jeune (heures)")
    coordination: float = Field(description="Coordination de parcours (heures)")


class Hours(BaseModel):
    direct: float = Field(description="Heures d'accompagnement direct (chevauchements fusionnés)")
    indirect: float = Field(description="Heures d'accompagnement indirect")
    by_activity: HoursByActivity


class Quality(BaseModel):
    received: int = Field(description="Séances reçues commençant dans la période")
    counted: int = Field(description="Séances comptées")
    unclassified: int = Field(description="Séances à classer (non comptées)")
    cancelled: int = Field(description="Séances annulées")
    absent: int = Field(description="Séances où le jeune était absent")
    not_validated: int = Field(
        description="Séances comptées mais non validées (planifiées passées)"
    )
    duplicates_merged: int = Field(
        description="Doublons fusionnés (même séance dans plusieurs agendas)"
    )


class ActivityReport(BaseModel):
    establishment: EstablishmentRef
    period: Period
    rule_set_versions: list[str] = Field(description="Versions des règles de classement utilisées")
    computed_at: dt.datetime
    file_active: FileActive
    hours: Hours
    quality: Quality = Field(description="Qualité des données")
