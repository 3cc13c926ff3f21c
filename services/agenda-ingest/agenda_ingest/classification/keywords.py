"""A first, small rule list on the words of DUI agendas.

Ordered rules, first match wins, each with an id so every stored session can
say why it was classified so. Words are compared without case or accents, on
whole words. This list is the day-one default; versioned rule sets that teams
edit as data replace it later without changing the callers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from ditep_core.nomenclatures import Activity, AgendaKind, Nature, Setting

RULE_SET_VERSION = "keywords-2025.1"
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


@dataclass(frozen=True, slots=True)
class KeywordRule:
    id: str
    explanation: str
    activity: Activity
    when: Callable[[str, SessionFacts], bool]
    default_setting: Setting = Setting.SITE
    serafin_code: str | None = None
    nature: Nature | None = field(default=None)


RULES: tuple[KeywordRule, ...] = (
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
        serafin_code="2.3.2.1",
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


def classify(facts: SessionFacts) -> Classification:
    words = normalise_words(" ".join((facts.summary, *facts.categories)))
    place = normalise_words(facts.location)
    for rule in RULES:
        if rule.when(words, facts):
            return Classification(
                activity=rule.activity,
                setting=infer_setting(words + place, rule.default_setting),
                # A session naming no young person takes the rule's nature (a
                # synthesis is indirect even when the DUI attaches nobody).
                nature=infer_nature(facts) if facts.youth or rule.nature is None else rule.nature,
                rule_id=rule.id,
                serafin_code=rule.serafin_code,
            )
    return Classification(
        activity=Activity.UNCLASSIFIED,
        setting=infer_setting(words + place, Setting.INCONNU),
        nature=infer_nature(facts),
        rule_id="none",
    )
