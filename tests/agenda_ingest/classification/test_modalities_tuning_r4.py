"""Round 4, the edges between the modalities: an evening that runs into the night window with
young people and a professional is the internat's evening; the nurse's evening care at an
internat house is part of the night stay; the service de suite (SDS) follows young people
who left, ambulatoire; an outing with the social centre in the young person's own agenda is
his life outside the DITEP."""

from __future__ import annotations

from typing import Any

import pytest

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry

_PLACES = """\
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes, site des Aulnes]}
  - {name: Maison Les Hêtres, kind: house, aliases: [Hêtres, internat Hêtres]}
  - {name: Local du service de suite, kind: site, aliases: [local suite]}
partners:
  - {name: Collège Camus, kind: school, aliases: [clg Camus]}
"""
_RULES = default_with_places(_PLACES)


def _entry(
    summary: str,
    location: str = "",
    times: tuple[str, str] = ("14:00", "16:00"),
    youth: int = 1,
    functions: tuple[str, ...] = ("éducateur spécialisé",),
    source_kind: str = "professional",
) -> dict[str, Any]:
    return {
        "summary": summary,
        "location": location,
        "start": f"2026-03-10T{times[0]}:00",
        "end": f"2026-03-10T{times[1]}:00",
        "youth": youth,
        "youth_present": youth,
        "professionals": len(functions),
        "functions": list(functions),
        "source_kind": source_kind,
    }


def _read(entry: dict[str, Any]) -> tuple[str, str]:
    got = _RULES.classify(facts_from_entry(entry))
    return got.activity.value, got.rule_id


@pytest.mark.parametrize(
    ("summary", "location", "times", "activity"),
    [
        # An outing from the evening into the night window: the internat's evening.
        ("Sortie cinéma", "Cinéma Le Rex", ("20:15", "22:45"), "accueil_nuit"),
        ("Match de hand en nocturne", "Palais des sports", ("19:00", "21:40"), "accueil_nuit"),
        # The same outing ending before the night window: no such reading.
        ("Sortie cinéma", "Cinéma Le Rex", ("14:00", "16:30"), "accueil_jour"),
        # A trip home in the evening stays a transport.
        ("Trajet retour famille", "", ("19:30", "21:30"), "transport"),
    ],
)
def test_evening_into_the_night(
    summary: str, location: str, times: tuple[str, str], activity: str
) -> None:
    got = _read(_entry(summary, location, times, youth=4, functions=("moniteur éducateur",) * 2))
    assert got[0] == activity, got


def test_evening_into_the_night_names_its_rule() -> None:
    got = _read(_entry("Bowling", "Bowling du Lac", ("19:30", "21:30"), youth=5))
    assert got == ("accueil_nuit", "soiree-jusque-dans-la-nuit")


@pytest.mark.parametrize(
    ("summary", "location", "times", "functions", "activity"),
    [
        # The nurse at an internat house in the evening: the evening care of the night stay.
        ("Soins IDE - traitement", "Hêtres", ("19:00", "19:20"), ("infirmier",), "accueil_nuit"),
        (
            "Point infirmière",
            "internat Hêtres",
            ("18:15", "18:45"),
            ("infirmière",),
            "accueil_nuit",
        ),
        # A therapist's interview at the internat stays a session (earlier decision).
        (
            "Entretien psy à l'internat",
            "Hêtres",
            ("18:00", "18:45"),
            ("psychologue",),
            "ambulatoire",
        ),
    ],
)
def test_evening_care_at_an_internat_house(
    summary: str, location: str, times: tuple[str, str], functions: tuple[str, ...], activity: str
) -> None:
    got = _read(_entry(summary, location, times, functions=functions))
    assert got[0] == activity, got


@pytest.mark.parametrize(
    ("summary", "location", "youth"),
    [
        ("Permanence service de suite - Lucas", "local suite", 1),
        ("SDS - goûter en ville avec Inès", "Salon de thé des Arts", 1),
        ("Sortie SDS au bowling", "Bowling du Lac", 3),
    ],
)
def test_service_de_suite_is_ambulatoire(summary: str, location: str, youth: int) -> None:
    got = _read(_entry(summary, location, youth=youth))
    assert got == ("ambulatoire", "service-de-suite")


def test_service_de_suite_meeting_without_youth_is_not_a_session() -> None:
    entry = _entry("Réunion de service SDS", "local suite", youth=0, functions=("chef de service",))
    assert _read(entry)[0] == "institutionnel"


@pytest.mark.parametrize(
    ("summary", "activity"),
    [
        # With the social centre: his life outside the DITEP.
        ("Piscine avec le centre social", "hors_prestation"),
        # Without: the day care's outing (earlier decision).
        ("Piscine", "accueil_jour"),
    ],
)
def test_youth_agenda_outing_with_the_social_centre(summary: str, activity: str) -> None:
    entry = _entry(summary, "Piscine municipale", functions=(), source_kind="youth")
    assert _read(entry)[0] == activity


@pytest.mark.parametrize(
    "summary",
    ["Sortie cinéma SESSAD", "SDS - match en nocturne", "Amb. théâtre avec Léo"],
)
def test_an_ambulatory_evening_into_the_night_is_no_night_at_the_ditep(summary: str) -> None:
    # A young person of the SESSAD goes home after the outing: reading it as the internat's
    # evening would count him a nuit he never spent at the DITEP.
    activity, rule = _read(_entry(summary, "Cinéma Le Rex", ("20:15", "22:45"), youth=2))
    assert activity != "accueil_nuit"
    assert rule != "soiree-jusque-dans-la-nuit"
