"""The activity responses. Field descriptions carry the French labels users know."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ditep_core.web.parameters import DAY_SCHEMA, ReadDay


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class EstablishmentRef(_Model):
    finess: str = Field(description="N° FINESS de l'établissement")
    name: str = Field(description="Raison sociale")
    region_code: str = Field(description="Code INSEE de la région")
    department_code: str = Field(description="Code du département")


class Period(_Model):
    code: str = Field(description="Période demandée (2025-Q1, 2025-03, 2025-W11, 2025, 2024-2025)")
    start: dt.date = Field(description="Début de période (inclus)")
    end: dt.date = Field(description="Fin de période (exclue)")
    timezone: str = Field(description="Fuseau horaire de l'établissement")


class ByModality(_Model):
    accueil_nuit: int = Field(description="Accueil de nuit")
    accueil_jour: int = Field(description="Accueil de jour")
    ambulatoire: int = Field(description="Ambulatoire / milieu ordinaire")


class ByStatus(_Model):
    pre_admission: int = Field(description="Pré-admission")
    accompagnement: int = Field(description="Accompagnement (de l'admission à la sortie)")
    suivi_post_sortie: int = Field(description="Suivi post-sortie (3 ans au plus)")
    ponctuel: int = Field(description="Accompagnement ponctuel (sans admission)")


class FileActive(_Model):
    total: int = Field(description="File active : jeunes distincts accompagnés sur la période")
    by_status: ByStatus = Field(description="File active par statut de parcours")
    by_modality: ByModality = Field(description="File active par modalité (séances directes)")


class MultiModality(_Model):
    youth: int = Field(description="Jeunes accompagnés dans au moins deux modalités")
    share: float = Field(description="Part de la file active en multi-modalité (0 à 1)")


class Transitions(_Model):
    count: int = Field(description="Changements de modalité principale d'un mois au suivant")
    youth: int = Field(description="Jeunes ayant changé de modalité principale")
    by_pair: dict[str, int] = Field(description="Changements par couple « modalité>modalité »")


class Scores(_Model):
    one: int = Field(alias="1", description="Semaines-jeune en unité 1 (0 à 3 h)")
    two: int = Field(alias="2", description="Semaines-jeune en unité 2 (3 à 12 h)")
    three: int = Field(alias="3", description="Semaines-jeune en unité 3 (12 à 30 h)")
    four: int = Field(alias="4", description="Semaines-jeune en unité 4 (plus de 30 h)")


class Surcharges(_Model):
    complexity: int = Field(description="Semaines-jeune avec majoration « situation complexe »")
    appui_ressources: int = Field(
        description="Semaines-jeune avec majoration « appui-ressources » lié au jeune"
    )


class Units(_Model):
    total: int = Field(description="Somme des unités hebdomadaires d'accompagnement (AIRe)")
    youth_weeks: int = Field(description="Semaines-jeune ayant une unité")
    by_score: Scores = Field(description="Semaines-jeune par niveau d'unité")
    lt_1h: int = Field(description="Semaines-jeune de moins d'une heure (tranche < 1 h)")
    surcharges: Surcharges = Field(description="Majorations")


class HoursByActivity(_Model):
    accueil_nuit: float = Field(description="Accueil de nuit (heures)")
    accueil_jour: float = Field(description="Accueil de jour (heures)")
    ambulatoire: float = Field(description="Ambulatoire (heures)")
    coordination: float = Field(description="Coordination de parcours (heures)")
    appui_ressources: float = Field(description="Appui-ressources lié à un jeune (heures)")


class BySetting(_Model):
    site: float = Field(description="Sur site (heures)")
    domicile: float = Field(description="Domicile (heures)")
    ecole: float = Field(description="École (heures)")
    exterieur: float = Field(description="Extérieur (heures)")
    soins: float = Field(description="Lieu de soins (heures)")
    distance: float = Field(description="À distance (heures)")
    inconnu: float = Field(description="Lieu inconnu (heures)")


class UnlinkedAppui(_Model):
    total: float = Field(description="Appui-ressources sans jeune rattaché (heures)")
    by_setting: BySetting = Field(description="Appui-ressources sans jeune, par lieu")


class Hours(_Model):
    direct: float = Field(description="Heures d'accompagnement direct (chevauchements fusionnés)")
    indirect: float = Field(description="Heures d'accompagnement indirect")
    total: float = Field(description="Heures d'accompagnement, direct et indirect")
    by_activity: HoursByActivity = Field(description="Heures par activité")
    by_setting: BySetting = Field(description="Heures par lieu de réalisation")
    appui_ressources_unlinked: UnlinkedAppui


class Journees(_Model):
    total: float = Field(description="Journées (deux demi-journées), toutes modalités")
    accueil_nuit: float = Field(description="Journées en accueil de nuit")
    accueil_jour: float = Field(description="Journées en accueil de jour")
    ambulatoire: float = Field(description="Journées en ambulatoire")


class Days(_Model):
    journees: Journees = Field(description="Journées (définition CNSA, par demi-journée)")
    nuits: int = Field(description="Nuits (journées d'internat)")
    absences: int = Field(description="Journées d'absence (absent, sans séance directe)")
    absent_sessions: int = Field(description="Séances où le jeune était absent")


class Acts(_Model):
    actes: int = Field(description="Actes ambulatoires (professionnels × jeunes)")
    seances: int = Field(description="Séances ambulatoires (une par jeune et par séance)")


class CapacityFigures(_Model):
    installed: int | None = Field(description="Places installées (autorisées)")
    occupied: int = Field(description="Places occupées dans la semaine de référence")
    available: int | None = Field(description="Places disponibles (installées − occupées)")


class Capacity(_Model):
    reference_week: dt.date | None = Field(description="Lundi de la semaine de référence")
    accueil_nuit: CapacityFigures = Field(description="Accueil de nuit")
    accueil_jour: CapacityFigures = Field(description="Accueil de jour")
    ambulatoire: CapacityFigures = Field(description="Ambulatoire")


class QualityCounts(_Model):
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


class SourceQuality(QualityCounts):
    source_id: int = Field(description="Source (flux d'agenda)")


class Quality(QualityCounts):
    youth_without_pathway: int = Field(
        description="Jeunes sans période de parcours connue (comptés en accompagnement)"
    )
    by_source: list[SourceQuality] = Field(description="Qualité des données par source")


class Frozen(_Model):
    frozen_at: dt.datetime = Field(description="Date du gel de la période")
    frozen_by: str = Field(description="Clé d'API ayant gelé la période")
    import_ids: list[int] = Field(description="Imports d'où viennent les séances comptées")


class ActivityReport(_Model):
    establishment: EstablishmentRef
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
    computed_at: dt.datetime = Field(description="Date du calcul")
    frozen: Frozen | None = Field(description="Gel de la période (null si non gelée)")


class WeekSurcharges(_Model):
    complexity: bool = Field(description="Majoration situation complexe")
    appui_ressources: bool = Field(description="Majoration appui-ressources")


class YouthWeekDetail(_Model):
    youth: str = Field(description="Pseudonyme du jeune")
    week: str = Field(description="Semaine ISO")
    week_start: dt.date = Field(description="Lundi de la semaine")
    minutes_direct: float = Field(description="Minutes d'accompagnement direct")
    minutes_indirect: float = Field(description="Minutes d'accompagnement indirect")
    minutes_total: float = Field(description="Minutes d'accompagnement")
    score: int | None = Field(description="Unité hebdomadaire (1 à 4)")
    lt_1h: bool = Field(description="Moins d'une heure")
    surcharges: WeekSurcharges


class TransitionDetail(_Model):
    youth: str = Field(description="Pseudonyme du jeune")
    from_month: str = Field(description="Mois quitté (AAAA-MM)")
    from_: str = Field(alias="from", description="Modalité principale du mois quitté")
    to: str = Field(description="Modalité principale du mois suivant")


class WeeklyReport(_Model):
    establishment: EstablishmentRef
    period: Period
    profile_version: str = Field(description="Version du profil de comptage")
    weeks: list[YouthWeekDetail] = Field(description="Détail par jeune et par semaine")
    transitions: list[TransitionDetail] = Field(description="Transitions par jeune")


class PeriodChange(_Model):
    figure: str = Field(description="Chemin de l'indicateur")
    frozen: float | int | str | None = Field(description="Valeur gelée")
    recomputed: float | int | str | None = Field(description="Valeur recalculée")


class PeriodDiff(_Model):
    period: str = Field(description="Période gelée")
    frozen_at: dt.datetime = Field(description="Date du gel")
    profile_version: dict[str, str] = Field(description="Profil au gel et aujourd'hui")
    changed: bool = Field(description="Un recalcul changerait-il les chiffres ?")
    changes: list[PeriodChange] = Field(description="Indicateurs qui changeraient")


class PathwayIn(_Model):
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


class ComplexityIn(_Model):
    youth_id: str = Field(description="Identifiant du jeune tel que dans les flux, pseudonymisé")
    start: Annotated[dt.date, ReadDay] = Field(
        description="Début de la situation complexe", json_schema_extra=DAY_SCHEMA
    )
    end: Annotated[dt.date | None, ReadDay] = Field(
        default=None, description="Fin incluse, vide si en cours", json_schema_extra=DAY_SCHEMA
    )
    criteria: list[str] = Field(default_factory=list, description="Critères de complexité")


class ImportSummary(_Model):
    received: int = Field(description="Lignes reçues")
    replaced: int = Field(description="Lignes importées par l'API remplacées")
    youth: int = Field(description="Jeunes concernés")
