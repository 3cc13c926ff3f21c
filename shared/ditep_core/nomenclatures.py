"""Closed code lists of the domain, with the French labels users see.

Codes are stable identifiers stored in the database and returned by the APIs;
labels are for display only.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a French label."""

    @property
    def label(self) -> str:
        return LABELS[self]


class Activity(LabelledEnum):
    ACCUEIL_NUIT = "accueil_nuit"
    ACCUEIL_JOUR = "accueil_jour"
    AMBULATOIRE = "ambulatoire"
    APPUI_RESSOURCES = "appui_ressources"
    COORDINATION = "coordination"
    TRANSPORT = "transport"
    HORS_PRESTATION = "hors_prestation"
    INSTITUTIONNEL = "institutionnel"
    UNCLASSIFIED = "unclassified"


MODALITIES: tuple[Activity, ...] = (
    Activity.ACCUEIL_NUIT,
    Activity.ACCUEIL_JOUR,
    Activity.AMBULATOIRE,
)
"""The three modalities of the 2017 decree."""

SUPPORT_ACTIVITIES: frozenset[Activity] = frozenset(
    {*MODALITIES, Activity.COORDINATION, Activity.APPUI_RESSOURCES}
)
"""Activities that make a young person part of the file active."""


class Setting(LabelledEnum):
    SITE = "site"
    DOMICILE = "domicile"
    ECOLE = "ecole"
    EXTERIEUR = "exterieur"
    SOINS = "soins"
    DISTANCE = "distance"
    INCONNU = "inconnu"


class Nature(LabelledEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    INSTITUTIONNEL = "institutionnel"


class SessionStatus(LabelledEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"
    ABSENT = "absent"


class PathwayStatus(LabelledEnum):
    PRE_ADMISSION = "pre_admission"
    ACCOMPAGNEMENT = "accompagnement"
    SUIVI_POST_SORTIE = "suivi_post_sortie"
    PONCTUEL = "ponctuel"


class PersonKind(LabelledEnum):
    YOUTH = "youth"
    PROFESSIONAL = "professional"


class Presence(LabelledEnum):
    """Whether one participant attends a session."""

    PRESENT = "present"
    ABSENT = "absent"
    NOT_EXPECTED = "not_expected"


class FeedFormat(LabelledEnum):
    ICAL = "ical"
    FHIR = "fhir"


class SourceMode(LabelledEnum):
    PUSH = "push"
    PULL = "pull"


class AgendaKind(LabelledEnum):
    """Whose agenda a source exports."""

    YOUTH = "youth"
    PROFESSIONAL = "professional"
    ESTABLISHMENT = "establishment"


class ImportStatus(LabelledEnum):
    # Stored, not yet applied (a process stopped here leaves it for a replay).
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    # A newer snapshot of the source was applied first: stored, never applied.
    SUPERSEDED = "superseded"
    # The mass-deletion guard held it: applied by POST /v1/imports/{id}/confirm.
    NEEDS_CONFIRMATION = "needs_confirmation"


class Scope(StrEnum):
    FEEDS_WRITE = "feeds:write"
    ACTIVITY_READ = "activity:read"
    # Regional aggregates (ARS): a key with this scope sees only its region(s), if bound.
    ARS_READ = "ars:read"
    # Transmit a quarter to the ARS (an establishment's director): an establishment scope.
    TRANSMIT = "activity:transmit"
    ADMIN = "admin"


LABELS: dict[LabelledEnum, str] = {
    Activity.ACCUEIL_NUIT: "Accueil de nuit",
    Activity.ACCUEIL_JOUR: "Accueil de jour",
    Activity.AMBULATOIRE: "Ambulatoire / milieu ordinaire",
    Activity.APPUI_RESSOURCES: "Appui-ressources",
    Activity.COORDINATION: "Coordination de parcours",
    Activity.TRANSPORT: "Transport lié au projet",
    Activity.HORS_PRESTATION: "Hors prestation",
    Activity.INSTITUTIONNEL: "Institutionnel",
    Activity.UNCLASSIFIED: "À classer",
    Setting.SITE: "Sur site",
    Setting.DOMICILE: "Domicile",
    Setting.ECOLE: "École",
    Setting.EXTERIEUR: "Extérieur",
    Setting.SOINS: "Lieu de soins",
    Setting.DISTANCE: "À distance",
    Setting.INCONNU: "Inconnu",
    Nature.DIRECT: "Direct (jeune présent)",
    Nature.INDIRECT: "Indirect (pour un jeune absent)",
    Nature.INSTITUTIONNEL: "Institutionnel (sans jeune)",
    SessionStatus.PLANNED: "Planifié",
    SessionStatus.DONE: "Réalisé",
    SessionStatus.CANCELLED: "Annulé",
    SessionStatus.ABSENT: "Absent",
    PathwayStatus.PRE_ADMISSION: "Pré-admission",
    PathwayStatus.ACCOMPAGNEMENT: "Accompagnement",
    PathwayStatus.SUIVI_POST_SORTIE: "Suivi post-sortie",
    PathwayStatus.PONCTUEL: "Accompagnement ponctuel",
    PersonKind.YOUTH: "Jeune",
    PersonKind.PROFESSIONAL: "Professionnel",
    Presence.PRESENT: "Présent",
    Presence.ABSENT: "Absent",
    Presence.NOT_EXPECTED: "Non attendu (séance pour le jeune)",
    FeedFormat.ICAL: "iCalendar",
    FeedFormat.FHIR: "FHIR JSON",
    SourceMode.PUSH: "Envoi (push)",
    SourceMode.PULL: "Collecte (pull)",
    AgendaKind.YOUTH: "Agenda d'un jeune",
    AgendaKind.PROFESSIONAL: "Agenda d'un professionnel",
    AgendaKind.ESTABLISHMENT: "Agenda de l'établissement",
    ImportStatus.RECEIVED: "Reçu",
    ImportStatus.PROCESSED: "Traité",
    ImportStatus.FAILED: "En échec",
    ImportStatus.SUPERSEDED: "Remplacé par un envoi plus récent",
    ImportStatus.NEEDS_CONFIRMATION: "En attente de confirmation (suppressions massives)",
}
