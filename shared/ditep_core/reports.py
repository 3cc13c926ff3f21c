"""The activity body's models: built by the counting engine, served by the activity
routes and agenda-ingest's dry run, stored when a period is frozen.

Field descriptions carry the French labels users know.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ditep_core.nomenclatures import Activity

# Datetimes as ``datetime.isoformat()`` writes them (``+00:00``, not pydantic's ``Z``):
# the bodies, their ETags and the frozen bodies already stored keep their bytes.
UtcDateTime = Annotated[
    dt.datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ReportModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class EstablishmentRef(ReportModel):
    finess: str = Field(description="N° FINESS de l'établissement")
    name: str = Field(description="Raison sociale")
    region_code: str = Field(description="Code INSEE de la région")
    department_code: str = Field(description="Code du département")


class Period(ReportModel):
    code: str = Field(description="Période demandée (2025-Q1, 2025-03, 2025-W11, 2025, 2024-2025)")
    start: dt.date = Field(description="Début de période (inclus)")
    end: dt.date = Field(description="Fin de période (exclue)")
    timezone: str = Field(description="Fuseau horaire de l'établissement")


class ByModality(ReportModel):
    accueil_nuit: int = Field(description="Accueil de nuit")
    accueil_jour: int = Field(description="Accueil de jour")
    ambulatoire: int = Field(description="Ambulatoire / milieu ordinaire")


class ByStatus(ReportModel):
    pre_admission: int = Field(description="Pré-admission")
    accompagnement: int = Field(description="Accompagnement (de l'admission à la sortie)")
    suivi_post_sortie: int = Field(description="Suivi post-sortie (3 ans au plus)")
    ponctuel: int = Field(description="Accompagnement ponctuel (sans admission)")


class FileActive(ReportModel):
    total: int = Field(description="File active : jeunes distincts accompagnés sur la période")
    by_status: ByStatus = Field(description="File active par statut de parcours")
    by_modality: ByModality = Field(description="File active par modalité (séances directes)")


class MultiModality(ReportModel):
    youth: int = Field(description="Jeunes accompagnés dans au moins deux modalités")
    share: float = Field(description="Part de la file active en multi-modalité (0 à 1)")


class Transitions(ReportModel):
    count: int = Field(description="Changements de modalité principale d'un mois au suivant")
    youth: int = Field(description="Jeunes ayant changé de modalité principale")
    by_pair: dict[str, int] = Field(description="Changements par couple « modalité>modalité »")


class Scores(ReportModel):
    one: int = Field(alias="1", description="Semaines-jeune en unité 1 (0 à 3 h)")
    two: int = Field(alias="2", description="Semaines-jeune en unité 2 (3 à 12 h)")
    three: int = Field(alias="3", description="Semaines-jeune en unité 3 (12 à 30 h)")
    four: int = Field(alias="4", description="Semaines-jeune en unité 4 (plus de 30 h)")


class Surcharges(ReportModel):
    complexity: int = Field(description="Semaines-jeune avec majoration « situation complexe »")
    appui_ressources: int = Field(
        description="Semaines-jeune avec majoration « appui-ressources » lié au jeune"
    )


class Units(ReportModel):
    total: int = Field(description="Somme des unités hebdomadaires d'accompagnement (AIRe)")
    youth_weeks: int = Field(description="Semaines-jeune ayant une unité")
    by_score: Scores = Field(description="Semaines-jeune par niveau d'unité")
    lt_1h: int = Field(description="Semaines-jeune de moins d'une heure (tranche < 1 h)")
    surcharges: Surcharges = Field(description="Majorations")


class HoursByActivity(ReportModel):
    accueil_nuit: float = Field(description="Accueil de nuit (heures)")
    accueil_jour: float = Field(description="Accueil de jour (heures)")
    ambulatoire: float = Field(description="Ambulatoire (heures)")
    coordination: float = Field(description="Coordination de parcours (heures)")
    appui_ressources: float = Field(description="Appui-ressources lié à un jeune (heures)")


class BySetting(ReportModel):
    site: float = Field(description="Sur site (heures)")
    domicile: float = Field(description="Domicile (heures)")
    ecole: float = Field(description="École (heures)")
    exterieur: float = Field(description="Extérieur (heures)")
    soins: float = Field(description="Lieu de soins (heures)")
    distance: float = Field(description="À distance (heures)")
    inconnu: float = Field(description="Lieu inconnu (heures)")


class UnlinkedAppui(ReportModel):
    total: float = Field(description="Appui-ressources sans jeune rattaché (heures)")
    by_setting: BySetting = Field(description="Appui-ressources sans jeune, par lieu")


class Hours(ReportModel):
    direct: float = Field(description="Heures d'accompagnement direct (chevauchements fusionnés)")
    indirect: float = Field(description="Heures d'accompagnement indirect")
    total: float = Field(description="Heures d'accompagnement, direct et indirect")
    by_activity: HoursByActivity = Field(description="Heures par activité")
    by_setting: BySetting = Field(description="Heures par lieu de réalisation")
    appui_ressources_unlinked: UnlinkedAppui


class Journees(ReportModel):
    total: float = Field(description="Journées (deux demi-journées), toutes modalités")
    accueil_nuit: float = Field(description="Journées en accueil de nuit")
    accueil_jour: float = Field(description="Journées en accueil de jour")
    ambulatoire: float = Field(description="Journées en ambulatoire")


class Days(ReportModel):
    journees: Journees = Field(description="Journées (définition CNSA, par demi-journée)")
    nuits: int = Field(description="Nuits (journées d'internat)")
    absences: int = Field(description="Journées d'absence (absent, sans séance directe)")
    absent_sessions: int = Field(description="Séances où le jeune était absent")


class Acts(ReportModel):
    actes: int = Field(description="Actes ambulatoires (professionnels × jeunes)")
    seances: int = Field(description="Séances ambulatoires (une par jeune et par séance)")


class CapacityFigures(ReportModel):
    installed: int | None = Field(description="Places installées (autorisées)")
    occupied: int = Field(description="Places occupées dans la semaine de référence")
    available: int | None = Field(description="Places disponibles (installées − occupées)")


class Capacity(ReportModel):
    reference_week: dt.date | None = Field(description="Lundi de la semaine de référence")
    accueil_nuit: CapacityFigures = Field(description="Accueil de nuit")
    accueil_jour: CapacityFigures = Field(description="Accueil de jour")
    ambulatoire: CapacityFigures = Field(description="Ambulatoire")

    def for_modality(self, modality: Activity) -> CapacityFigures:
        figures: CapacityFigures = getattr(self, modality.value)
        return figures


class QualityCounts(ReportModel):
    received: int = Field(description="Séances reçues commençant dans la période")
    counted: int = Field(description="Séances comptées")
    unclassified: int = Field(description="Séances à classer (non comptées)")
    cancelled: int = Field(description="Séances annulées")
    absent: int = Field(description="Séances où le jeune était absent")
    not_validated: int = Field(
        description="Séances comptées mais non validées (planifiées passées)"
    )
    overlaps: int = Field(description="Séances d'un jeune qui en chevauchent une autre")
    without_participants: int = Field(description="Séances sans jeune ni professionnel")
    duplicates_merged: int = Field(
        description="Doublons fusionnés (même séance dans plusieurs agendas)"
    )


class _SourceId(ReportModel):
    source_id: int = Field(description="Source (flux d'agenda)")


class SourceQuality(QualityCounts, _SourceId):
    """One source's quality counts, ``source_id`` first."""


class Quality(QualityCounts):
    youth_without_pathway: int = Field(
        description="Jeunes sans période de parcours connue (comptés en accompagnement)"
    )
    by_source: list[SourceQuality] = Field(description="Qualité des données par source")


class Frozen(ReportModel):
    frozen_at: UtcDateTime = Field(description="Date du gel de la période")
    frozen_by: str = Field(description="Clé d'API ayant gelé la période")
    import_ids: list[int] = Field(description="Imports d'où viennent les séances comptées")


class ActivityFigures(ReportModel):
    """The figures of counting.md for a period: what the engine builds, the dry run's body."""

    period: Period
    profile_version: str = Field(description="Version du profil de comptage")
    rule_set_versions: list[str] = Field(description="Versions des règles de classement utilisées")
    file_active: FileActive
    multi_modality: MultiModality = Field(description="Multi-modalité")
    transitions: Transitions = Field(description="Transitions entre modalités")
    units: Units = Field(description="Unités hebdomadaires d'accompagnement")
    hours: Hours = Field(description="Heures d'accompagnement")
    days: Days = Field(description="Journées, nuits et absences")
    acts: Acts = Field(description="Actes et séances ambulatoires")
    capacity: Capacity = Field(description="Capacité, places occupées et disponibles (ROR)")
    quality: Quality = Field(description="Qualité des données")

    def json_body(self) -> dict[str, Any]:
        """The JSON-ready body (dates as ISO text, aliases as keys)."""
        return self.model_dump(mode="json", by_alias=True)


class _Identified(ReportModel):
    establishment: EstablishmentRef


class ActivityReport(ActivityFigures, _Identified):
    """An establishment's body (``establishment`` first, then the figures): the activity
    route's JSON, a frozen period as stored."""

    computed_at: UtcDateTime | None = Field(
        description="Date du calcul des cumuls servis (le plus ancien des semaines de la "
        "période ; null si aucun n'a encore été calculé)"
    )
    stale: bool = Field(
        default=False,
        description="Des données plus récentes attendent le recalcul (tâche de fond) : "
        "les chiffres servis sont ceux de computed_at",
    )
    frozen: Frozen | None = Field(description="Gel de la période (null si non gelée)")
