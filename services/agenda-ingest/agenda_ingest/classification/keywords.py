"""A first, small rule list on the codes and words of DUI agendas.

Ordered rules, first match wins, each with an id so every stored session can
say why it was classified so. Codes a feed states come first (FHIR feeds: the
TDDUI "hors prestation" flag, then a SERAFIN-PH code, read by the table of the
domain's classification); iCal feeds carry none, so for them only words
decide. Words are compared without case or accents, on whole words. This list
is the day-one default; versioned rule sets that teams edit as data replace it
later without changing the callers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from ditep_core.nomenclatures import Activity, AgendaKind, Nature, Setting

RULE_SET_VERSION = "keywords-2025.2"
RULES_READ_TIME = False
"""These rules read no date or time: callers may cache a classification on the other facts."""


@dataclass(frozen=True, slots=True)
class SessionFacts:
    summary: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    youth: int = 0
    youth_present: int = 0
    professionals: int = 0
    functions: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    all_day: bool = False
    source_kind: AgendaKind = AgendaKind.ESTABLISHMENT


@dataclass(frozen=True, slots=True)
class Classification:
    activity: Activity
    setting: Setting
    nature: Nature
    rule_id: str
    serafin_code: str | None = None
    rule_set_version: str = RULE_SET_VERSION


def normalise_words(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, padded with spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " " + " ".join(re.findall(r"[a-z0-9]+", stripped.lower())) + " "


def _has(words: str, *phrases: str) -> bool:
    return any(f" {phrase} " in words for phrase in phrases)


_SCHOOL = ("ecole", "college", "lycee", "classe", "ulis", "uee", "segpa", "ime", "maternelle")
_HOME = ("domicile", "vad", "visite a domicile", "maison", "famille d accueil")
_CARE = ("cmp", "cmpp", "hopital", "chu", "clinique", "cabinet", "camsp", "pedopsychiatrie")
_DISTANCE = ("telephone", "telephonique", "visio", "visioconference", "teleconsultation", "appel")
_OUTSIDE = ("piscine", "gymnase", "stade", "sortie", "musee", "cinema", "equitation", "mediatheque")


def infer_setting(words: str, default: Setting) -> Setting:
    if _has(words, *_DISTANCE):
        return Setting.DISTANCE
    if _has(words, *_HOME):
        return Setting.DOMICILE
    if _has(words, *_SCHOOL):
        return Setting.ECOLE
    if _has(words, *_CARE):
        return Setting.SOINS
    if _has(words, *_OUTSIDE):
        return Setting.EXTERIEUR
    return default


def infer_nature(facts: SessionFacts) -> Nature:
    if facts.youth_present > 0:
        return Nature.DIRECT
    if facts.youth > 0:
        return Nature.INDIRECT
    return Nature.INSTITUTIONNEL


TDDUI_OUTSIDE_SERVICE_CODE = (
    "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-outside-service|true"
)
"""The code a feed states for "hors prestation" (the TDDUI event extension valued true)."""

# SERAFIN-PH codes of the classification table, by dotted prefix (the longest one wins).
_SERAFIN_ACTIVITIES: dict[str, Activity] = {
    "2.3.2.1": Activity.ACCUEIL_NUIT,
    "2.2.1": Activity.ACCUEIL_NUIT,
    "2.3.3.1": Activity.AMBULATOIRE,
    "2.4.1": Activity.COORDINATION,
    "3.1.5.2": Activity.APPUI_RESSOURCES,
    "3.2.4": Activity.TRANSPORT,
    "2.1": Activity.AMBULATOIRE,
    "2.2": Activity.ACCUEIL_JOUR,
    "2.3": Activity.ACCUEIL_JOUR,
    "3.1": Activity.INSTITUTIONNEL,
}


def serafin_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The SERAFIN-PH codes among a feed's ``system|code`` codes (any system naming SERAFIN)."""
    found: list[str] = []
    for code in codes:
        system, _, value = code.rpartition("|")
        if "serafin" in system.lower() and value.strip():
            found.append(value.strip())
    return tuple(found)


def serafin_activity(code: str) -> Activity | None:
    """The activity of a SERAFIN-PH code: its longest known dotted prefix decides."""
    parts = code.split(".")
    for length in range(len(parts), 0, -1):
        activity = _SERAFIN_ACTIVITIES.get(".".join(parts[:length]))
        if activity is not None:
            return activity
    return None


def _serafin_says(activity: Activity) -> Callable[[str, SessionFacts], bool]:
    def when(_words: str, facts: SessionFacts) -> bool:
        # The first SERAFIN-PH code stated decides (a DUI states one per event).
        stated = serafin_codes(facts.codes)
        return bool(stated) and serafin_activity(stated[0]) is activity

    return when


@dataclass(frozen=True, slots=True)
class KeywordRule:
    id: str
    explanation: str
    activity: Activity
    when: Callable[[str, SessionFacts], bool]
    default_setting: Setting = Setting.SITE
    serafin_code: str | None = None
    nature: Nature | None = field(default=None)


_CODE_RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        "hors-prestation-flag",
        "Le DUI marque l'événement hors prestation (extension TDDUI) : non compté.",
        Activity.HORS_PRESTATION,
        lambda _words, facts: TDDUI_OUTSIDE_SERVICE_CODE in facts.codes,
        default_setting=Setting.INCONNU,
    ),
    KeywordRule(
        "serafin-transport",
        "Code SERAFIN-PH 3.2.4.x porté par le flux : transport lié au projet.",
        Activity.TRANSPORT,
        _serafin_says(Activity.TRANSPORT),
        default_setting=Setting.INCONNU,
    ),
    KeywordRule(
        "serafin-coordination",
        "Code SERAFIN-PH 2.4.1 porté par le flux : coordination de parcours.",
        Activity.COORDINATION,
        _serafin_says(Activity.COORDINATION),
        nature=Nature.INDIRECT,
    ),
    KeywordRule(
        "serafin-appui-ressources",
        "Code SERAFIN-PH 3.1.5.2 porté par le flux : appui-ressources.",
        Activity.APPUI_RESSOURCES,
        _serafin_says(Activity.APPUI_RESSOURCES),
    ),
    KeywordRule(
        "serafin-institutionnel",
        "Code SERAFIN-PH 3.1.x porté par le flux : temps institutionnel.",
        Activity.INSTITUTIONNEL,
        _serafin_says(Activity.INSTITUTIONNEL),
        nature=Nature.INSTITUTIONNEL,
    ),
    KeywordRule(
        "serafin-accueil-nuit",
        "Code SERAFIN-PH 2.2.1 ou 2.3.2.1 porté par le flux : accueil de nuit.",
        Activity.ACCUEIL_NUIT,
        _serafin_says(Activity.ACCUEIL_NUIT),
    ),
    KeywordRule(
        "serafin-ambulatoire",
        "Code SERAFIN-PH 2.1.x ou 2.3.3.1 porté par le flux : ambulatoire.",
        Activity.AMBULATOIRE,
        _serafin_says(Activity.AMBULATOIRE),
    ),
    KeywordRule(
        "serafin-accueil-jour",
        "Code SERAFIN-PH 2.2.x ou 2.3.x porté par le flux : accueil de jour.",
        Activity.ACCUEIL_JOUR,
        _serafin_says(Activity.ACCUEIL_JOUR),
    ),
)
"""Explicit codes of the feed come before words; iCal feeds carry none, so these never match."""

_KEYWORD_RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        "transport",
        "Trajet (taxi, navette, VSL) : temps de transport, pas de l'accompagnement.",
        Activity.TRANSPORT,
        lambda words, _facts: _has(words, "taxi", "transport", "trajet", "navette", "vsl"),
        default_setting=Setting.INCONNU,
        serafin_code="3.2.4.1",
    ),
    KeywordRule(
        "coordination",
        "Synthèse, ESS, réunion de projet pour un jeune : coordination de parcours.",
        Activity.COORDINATION,
        lambda words, _facts: (
            _has(words, "synthese", "ess", "equipe de suivi", "mdph", "reunion de projet", "ppa")
            and not _has(words, "appui")
        ),
        serafin_code="2.4.1",
        nature=Nature.INDIRECT,
    ),
    KeywordRule(
        "appui-ressources",
        "Appui aux acteurs de l'environnement du jeune (enseignants, loisirs, ASE).",
        Activity.APPUI_RESSOURCES,
        lambda words, _facts: _has(words, "appui", "appui ressources", "sensibilisation"),
        serafin_code="3.1.5.2",
    ),
    KeywordRule(
        "institutionnel",
        "Réunion d'équipe ou formation sans jeune : temps institutionnel.",
        Activity.INSTITUTIONNEL,
        lambda words, facts: (
            facts.youth == 0
            and _has(words, "reunion", "formation", "analyse des pratiques", "supervision", "cvs")
        ),
        nature=Nature.INSTITUTIONNEL,
    ),
    KeywordRule(
        "hors-prestation",
        "Temps du jeune sans professionnel du dispositif (classe ordinaire, ULIS, week-end).",
        Activity.HORS_PRESTATION,
        lambda words, facts: (
            facts.professionals == 0
            and _has(
                words, "ulis", "classe ordinaire", "week end", "retour en famille", "inclusion"
            )
        ),
        default_setting=Setting.ECOLE,
    ),
    KeywordRule(
        "accueil-jour",
        "Semi-internat, externat, groupe ou atelier sur site : accueil de jour.",
        Activity.ACCUEIL_JOUR,
        lambda words, _facts: _has(
            words,
            "semi internat",
            "externat",
            "accueil de jour",
            "atelier",
            "groupe",
            "unite d enseignement",
        ),
        # No single SERAFIN-PH code for day care (2.2.x / 2.3.x): left to the feed's own.
        serafin_code=None,
    ),
    KeywordRule(
        "accueil-nuit",
        "Internat, nuit, coucher, accueil familial : accueil de nuit.",
        Activity.ACCUEIL_NUIT,
        lambda words, _facts: _has(
            words, "internat", "nuit", "coucher", "cafs", "accueil familial", "famille d accueil"
        ),
        serafin_code="2.2.1",
    ),
    KeywordRule(
        "ambulatoire",
        "SESSAD, visite à domicile, séance de soin ou de rééducation : ambulatoire.",
        Activity.AMBULATOIRE,
        lambda words, _facts: _has(
            words,
            "sessad",
            "vad",
            "visite a domicile",
            "orthophonie",
            "psychomotricite",
            "seance",
            "psychologue",
            "consultation",
            "accompagnement en classe",
            "entretien",
            "suivi",
        ),
        serafin_code="2.1.1",
    ),
)

RULES: tuple[KeywordRule, ...] = _CODE_RULES + _KEYWORD_RULES


def classify(facts: SessionFacts) -> Classification:
    words = normalise_words(" ".join((facts.summary, *facts.categories)))
    place = normalise_words(facts.location)
    stated = serafin_codes(facts.codes) if facts.codes else ()
    for rule in RULES:
        if rule.when(words, facts):
            return Classification(
                activity=rule.activity,
                setting=infer_setting(words + place, rule.default_setting),
                # A session naming no young person takes the rule's nature (a
                # synthesis is indirect even when the DUI attaches nobody).
                nature=infer_nature(facts) if facts.youth or rule.nature is None else rule.nature,
                rule_id=rule.id,
                # The feed's own SERAFIN-PH code, when it states one, is kept as it is.
                serafin_code=stated[0][:16] if stated else rule.serafin_code,
            )
    return Classification(
        activity=Activity.UNCLASSIFIED,
        setting=infer_setting(words + place, Setting.INCONNU),
        nature=infer_nature(facts),
        rule_id="none",
        serafin_code=stated[0][:16] if stated else None,
    )
