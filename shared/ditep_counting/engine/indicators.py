"""Steering indicators (indicateurs de pilotage) from a period's figures. Pure.

Every indicator is a ratio, a count or a distribution statistic over figures the
counting already has: the activity body (file active, hours, units, quality...), read
as flat dotted paths, plus a few counts the body does not carry (``EXTRA_PATHS``:
admissions and exits, complex situations, weekly occupation, sources without a feed),
summed by ``ditep_counting.rollups.indicators``. The same function serves one
establishment (exact figures) and an area whose counts went through the statistical
secrecy (a count may then be ``None``: suppressed).

A ratio whose denominator is 0 is *undefined* (never 0); a value built from a
suppressed count is *suppressed*. Labels and definitions are French: users read them
beside the values (docs/transmission.md lists them).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ditep_counting.engine.periods import CountingPeriod, PeriodError, parse_period

UNDEFINED = "undefined"
SUPPRESSED = "suppressed"

MODALITY_LABELS = {
    "accueil_nuit": "Accueil de nuit",
    "accueil_jour": "Accueil de jour",
    "ambulatoire": "Ambulatoire",
}
STATUS_LABELS = {
    "pre_admission": "Pré-admission",
    "accompagnement": "Accompagnement",
    "suivi_post_sortie": "Suivi post-sortie",
    "ponctuel": "Accompagnement ponctuel",
}
SETTING_LABELS = {
    "site": "Sur site",
    "domicile": "Domicile",
    "ecole": "École",
    "exterieur": "Extérieur",
    "soins": "Lieu de soins",
    "distance": "À distance",
    "inconnu": "Lieu inconnu",
}
TRANSITION_PAIRS = tuple(
    f"{left}>{right}" for left in MODALITY_LABELS for right in MODALITY_LABELS if left != right
)

# The counts the indicators need beyond the activity body (per establishment, additive).
EXTRA_PATHS: tuple[str, ...] = (
    "pathway.admissions",
    "pathway.exits",
    "pathway.waiting_youth",
    "complex.youth",
    *(f"occupation.{m}.occupied_youth_weeks" for m in MODALITY_LABELS),
    *(f"occupation.{m}.place_weeks" for m in MODALITY_LABELS),
    "sources.total",
    "sources.stale",
)
# A source is stale when it received no feed for more than this many days.
STALE_SOURCE_DAYS = 7
# How long after the period the first direct session after an admission is looked for.
FIRST_SESSION_HORIZON_DAYS = 92


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    code: str
    label: str
    unit: str  # jeunes, part, heures, heures par jeune, jours, semaines-jeune, sources...


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    code: str
    label: str
    definition: str
    measures: tuple[MeasureSpec, ...]


@dataclass(frozen=True, slots=True)
class Value:
    """A measure's value, or ``None`` with the reason (undefined, suppressed)."""

    value: float | int | None
    reason: str | None = None


def _m(code: str, label: str, unit: str) -> MeasureSpec:
    return MeasureSpec(code, label, unit)


CATALOGUE: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "file_active",
        "File active",
        "Nombre de jeunes distincts ayant eu au moins une séance d'accompagnement comptée "
        "(directe ou indirecte) dans la période, au total et par statut de parcours (un jeune "
        "peut relever de deux statuts dans la période).",
        (
            _m("total", "File active", "jeunes"),
            *(_m(code, label, "jeunes") for code, label in STATUS_LABELS.items()),
        ),
    ),
    IndicatorSpec(
        "modality_mix",
        "Répartition par modalité",
        "Jeunes ayant eu au moins une séance directe de chaque modalité, et leur part de la "
        "file active (un jeune peut compter dans plusieurs modalités : les parts ne somment "
        "pas à 1).",
        (
            *(_m(f"youth.{code}", label, "jeunes") for code, label in MODALITY_LABELS.items()),
            *(
                _m(f"share.{code}", f"{label} (part)", "part")
                for code, label in MODALITY_LABELS.items()
            ),
        ),
    ),
    IndicatorSpec(
        "multi_modality",
        "Multi-modalité",
        "Jeunes accompagnés dans au moins deux modalités dans la période, divisés par la "
        "file active.",
        (_m("youth", "Jeunes en multi-modalité", "jeunes"), _m("share", "Part", "part")),
    ),
    IndicatorSpec(
        "direct_hours_per_youth",
        "Heures directes par jeune accompagné",
        "Heures d'accompagnement direct (chevauchements d'un même jeune fusionnés) divisées "
        "par la file active en statut « accompagnement ».",
        (_m("value", "Heures directes par jeune", "heures par jeune"),),
    ),
    IndicatorSpec(
        "indirect_share",
        "Part de l'indirect",
        "Heures d'accompagnement indirect (coordination, appui-ressources lié à un jeune) "
        "divisées par les heures directes et indirectes.",
        (_m("value", "Part des heures indirectes", "part"),),
    ),
    IndicatorSpec(
        "unit_profile",
        "Profil des unités hebdomadaires",
        "Semaines-jeune ayant une unité, réparties par niveau d'unité (1 à 4) et tranche de "
        "moins d'une heure, en parts du nombre de semaines-jeune.",
        (
            _m("youth_weeks", "Semaines-jeune ayant une unité", "semaines-jeune"),
            *(_m(f"share.{score}", f"Unité {score} (part)", "part") for score in "1234"),
            _m("share.lt_1h", "Moins d'une heure (part)", "part"),
        ),
    ),
    IndicatorSpec(
        "occupation_rate",
        "Taux d'occupation",
        "Par modalité : jeunes présents chaque semaine de la période (au moins une séance "
        "directe de la modalité dans la semaine ISO) divisés par les places installées, en "
        "moyenne sur les semaines de la période (celles dont le jeudi est dans la période). "
        "Non défini sans capacité déclarée.",
        tuple(_m(code, label, "taux") for code, label in MODALITY_LABELS.items()),
    ),
    IndicatorSpec(
        "entries_exits",
        "Entrées et sorties",
        "Admissions (début d'accompagnement) et sorties (fin d'accompagnement) datées dans "
        "la période.",
        (_m("admissions", "Admissions", "jeunes"), _m("exits", "Sorties", "jeunes")),
    ),
    IndicatorSpec(
        "waiting_time",
        "Délai d'attente",
        "Pour les jeunes admis dans la période : jours entre le début de la pré-admission "
        "et la première séance directe comptée après l'admission (cherchée jusqu'à "
        f"{FIRST_SESSION_HORIZON_DAYS} jours après la période) ; médiane et 90e centile "
        "(rang le plus proche). Jeunes sans pré-admission connue ou sans séance directe "
        "depuis l'admission non comptés.",
        (
            _m("youth", "Jeunes admis avec délai connu", "jeunes"),
            _m("median", "Médiane", "jours"),
            _m("p90", "90e centile", "jours"),
        ),
    ),
    IndicatorSpec(
        "length_of_support",
        "Durée d'accompagnement",
        "Pour les sorties de la période : jours entre l'admission et la sortie ; médiane.",
        (_m("exits", "Sorties", "jeunes"), _m("median", "Médiane", "jours")),
    ),
    IndicatorSpec(
        "complex_situations",
        "Situations complexes",
        "Jeunes de la file active signalés en situation complexe à un moment de la période, "
        "leur part de la file active, et les semaines-jeune portant la majoration "
        "« situation complexe ».",
        (
            _m("youth", "Jeunes en situation complexe", "jeunes"),
            _m("share", "Part de la file active", "part"),
            _m("units", "Semaines-jeune majorées", "semaines-jeune"),
        ),
    ),
    IndicatorSpec(
        "appui_ressources",
        "Appui-ressources",
        "Heures d'appui-ressources rattachées à un jeune, et heures non rattachées à un "
        "jeune, au total et par lieu.",
        (
            _m("linked_hours", "Heures rattachées à un jeune", "heures"),
            _m("unlinked_hours", "Heures non rattachées", "heures"),
            *(
                _m(f"unlinked.{code}", f"Non rattachées : {label}", "heures")
                for code, label in SETTING_LABELS.items()
            ),
        ),
    ),
    IndicatorSpec(
        "transitions",
        "Transitions entre modalités",
        "Changements de modalité principale (celle qui a le plus de minutes directes) d'un "
        "mois au suivant, par jeune, dans la période.",
        (
            _m("count", "Changements", "changements"),
            _m("youth", "Jeunes ayant changé", "jeunes"),
            *(
                _m(
                    f"pair.{pair}",
                    f"{MODALITY_LABELS[pair.split('>')[0]]} → "
                    f"{MODALITY_LABELS[pair.split('>')[1]]}",
                    "changements",
                )
                for pair in TRANSITION_PAIRS
            ),
        ),
    ),
    IndicatorSpec(
        "data_quality",
        "Qualité des données",
        "Parts des séances reçues à classer, des séances comptées non validées (planifiées "
        "passées), des séances reçues sans jeune ni professionnel ; sources sans flux reçu "
        f"depuis plus de {STALE_SOURCE_DAYS} jours à la fin de la période (ou aujourd'hui).",
        (
            _m("unclassified_share", "Séances à classer (part des reçues)", "part"),
            _m("not_validated_share", "Séances non validées (part des comptées)", "part"),
            _m("without_participants_share", "Séances sans participant (part des reçues)", "part"),
            _m("sources", "Sources", "sources"),
            _m(
                "stale_sources",
                f"Sources sans flux depuis plus de {STALE_SOURCE_DAYS} jours",
                "sources",
            ),
        ),
    ),
)

INDICATOR_CODES = tuple(spec.code for spec in CATALOGUE)


@dataclass(frozen=True, slots=True)
class IndicatorInputs:
    """A period's counts as flat dotted paths (the body's and ``EXTRA_PATHS``; ``None``:
    suppressed, a missing path is 0), and the durations behind the medians (``None``:
    not published)."""

    figures: Mapping[str, float | int | None]
    waiting_days: Sequence[int] | None
    support_days: Sequence[int] | None


def _count(figures: Mapping[str, float | int | None], path: str) -> Value:
    value = figures.get(path, 0)
    return Value(None, SUPPRESSED) if value is None else Value(value)


def _ratio(numerator: Value, denominator: Value, digits: int = 4) -> Value:
    if numerator.value is None or denominator.value is None:
        return Value(None, SUPPRESSED)
    if denominator.value == 0:
        return Value(None, UNDEFINED)
    return Value(round(numerator.value / denominator.value, digits))


def _sum(*values: Value) -> Value:
    if any(value.value is None for value in values):
        return Value(None, SUPPRESSED)
    return Value(sum(value.value or 0 for value in values))


def nearest_rank(values: Sequence[int], fraction: float) -> int:
    """The nearest-rank percentile: the ``ceil(fraction × n)``-th smallest value."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def _distribution(
    population: Value, durations: Sequence[int] | None, *, p90: bool
) -> dict[str, Value]:
    """Median (and 90th percentile) of durations whose population count is ``population``:
    suppressed with it, undefined when nobody is in it."""
    if population.value is None or durations is None:
        result = {"median": Value(None, SUPPRESSED)}
        if p90:
            result["p90"] = Value(None, SUPPRESSED)
        return result
    if not durations:
        result = {"median": Value(None, UNDEFINED)}
        if p90:
            result["p90"] = Value(None, UNDEFINED)
        return result
    median = statistics.median(durations)
    result = {"median": Value(int(median) if float(median).is_integer() else float(median))}
    if p90:
        result["p90"] = Value(nearest_rank(durations, 0.9))
    return result


def compute_indicators(inputs: IndicatorInputs) -> dict[str, dict[str, Value]]:
    """Every measure of ``CATALOGUE``: indicator code → measure code → value."""
    f = inputs.figures

    def count(path: str) -> Value:
        return _count(f, path)

    file_active = count("file_active.total")
    result: dict[str, dict[str, Value]] = {}
    result["file_active"] = {
        "total": file_active,
        **{status: count(f"file_active.by_status.{status}") for status in STATUS_LABELS},
    }
    mix: dict[str, Value] = {}
    for modality in MODALITY_LABELS:
        mix[f"youth.{modality}"] = count(f"file_active.by_modality.{modality}")
    for modality in MODALITY_LABELS:
        mix[f"share.{modality}"] = _ratio(mix[f"youth.{modality}"], file_active)
    result["modality_mix"] = mix
    multi = count("multi_modality.youth")
    result["multi_modality"] = {"youth": multi, "share": _ratio(multi, file_active)}
    direct, indirect = count("hours.direct"), count("hours.indirect")
    result["direct_hours_per_youth"] = {
        "value": _ratio(direct, count("file_active.by_status.accompagnement"), 2)
    }
    result["indirect_share"] = {"value": _ratio(indirect, _sum(direct, indirect))}
    youth_weeks = count("units.youth_weeks")
    result["unit_profile"] = {
        "youth_weeks": youth_weeks,
        **{f"share.{s}": _ratio(count(f"units.by_score.{s}"), youth_weeks) for s in "1234"},
        "share.lt_1h": _ratio(count("units.lt_1h"), youth_weeks),
    }
    result["occupation_rate"] = {
        modality: _ratio(
            count(f"occupation.{modality}.occupied_youth_weeks"),
            count(f"occupation.{modality}.place_weeks"),
        )
        for modality in MODALITY_LABELS
    }
    admissions, exits = count("pathway.admissions"), count("pathway.exits")
    result["entries_exits"] = {"admissions": admissions, "exits": exits}
    waiting_youth = count("pathway.waiting_youth")
    result["waiting_time"] = {
        "youth": waiting_youth,
        **_distribution(waiting_youth, inputs.waiting_days, p90=True),
    }
    result["length_of_support"] = {
        "exits": exits,
        **_distribution(exits, inputs.support_days, p90=False),
    }
    complex_youth = count("complex.youth")
    result["complex_situations"] = {
        "youth": complex_youth,
        "share": _ratio(complex_youth, file_active),
        "units": count("units.surcharges.complexity"),
    }
    result["appui_ressources"] = {
        "linked_hours": count("hours.by_activity.appui_ressources"),
        "unlinked_hours": count("hours.appui_ressources_unlinked.total"),
        **{
            f"unlinked.{setting}": count(f"hours.appui_ressources_unlinked.by_setting.{setting}")
            for setting in SETTING_LABELS
        },
    }
    result["transitions"] = {
        "count": count("transitions.count"),
        "youth": count("transitions.youth"),
        **{f"pair.{pair}": count(f"transitions.by_pair.{pair}") for pair in TRANSITION_PAIRS},
    }
    received = count("quality.received")
    result["data_quality"] = {
        "unclassified_share": _ratio(count("quality.unclassified"), received),
        "not_validated_share": _ratio(count("quality.not_validated"), count("quality.counted")),
        "without_participants_share": _ratio(count("quality.without_participants"), received),
        "sources": count("sources.total"),
        "stale_sources": count("sources.stale"),
    }
    return result


def year_before(period: CountingPeriod) -> CountingPeriod:
    """The same period one year earlier: 2025-Q1 → 2024-Q1, 2024-2025 → 2023-2024."""
    code = period.code
    try:
        if len(code) == 9 and code[4] == "-" and code[:4].isdigit() and code[5:].isdigit():
            earlier = f"{int(code[:4]) - 1}-{int(code[5:]) - 1}"  # school year
        else:
            earlier = f"{int(code[:4]) - 1}{code[4:]}"
        return parse_period(earlier)
    except (PeriodError, ValueError) as error:
        raise PeriodError(f"no period one year before {code}") from error


def stale_reference(period: CountingPeriod, now: dt.datetime) -> dt.datetime:
    """When sources are judged stale: the period's end, or now for a period not over."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=dt.UTC)
    return min(end, now)
