"""Setting and time at the edges, round 9 (December 2026): a room of the DITEP named after a
natural place, with a word naming such a place or a car park; a home visit at a school partner
the registry names by its town alone; nights at the DITEP's own houses whose words say home, a
call or a foster family; a room of a house overnight; the morning rise before the taxi; a night
watcher's round of the flats in a town; a group held by video in the evening; a therapist's
session at a town the registry does not know. Decisions kept: the UEE stays ambulatoire, desk
work and supervision with no place keep their settings."""

from __future__ import annotations

from typing import Any

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Mélèzes, kind: site, aliases: [Les Mélèzes]}
  - {name: Antenne SESSAD Pontarlier, kind: site, aliases: [antenne Pontarlier, SESSAD Pontarlier]}
  - {name: Salle Risoux, kind: room, aliases: [Risoux]}
  - {name: Salle Jura, kind: room, aliases: [Jura, grande salle]}
  - {name: Chambre 2 Gentiane, kind: room, aliases: [ch2 Gentiane]}
  - {name: Maison de Morteau, kind: house, aliases: [maison Morteau]}
  - {name: Maison Gentiane, kind: house, aliases: [Gentiane]}
  - {name: Groupe Ados SESSAD, kind: group, aliases: [gpe ados]}
  - {name: Groupe Sapins, kind: group, aliases: [Sapins]}
partners:
  - {name: Collège Edgar Faure (Morteau), kind: school, aliases: [clg Faure, Villers]}
"""

_GROUP = ("éducatrice spécialisée", "moniteur éducateur")
_NIGHT = {"start": "2026-03-12T17:30:00", "end": "2026-03-13T08:30:00"}


def _read(summary: str, location: str = "", **entry: Any) -> tuple[str, str, str, str]:
    return labels_and_rule(timed_entry(summary, location=location, **entry), _PLACES)


def test_a_room_named_after_a_natural_place_with_such_a_word_is_that_place() -> None:
    group: dict[str, Any] = {
        "youth": 5,
        "present": 5,
        "functions": _GROUP,
        "times": ("09:00", "16:00"),
    }
    # The valley itself, not the room named after it.
    assert _read("Balade raquettes", "Risoux (vallée)", **group)[:2] == (
        "accueil_jour",
        "exterieur",
    )
    assert _read("Sortie col", "Risoux (col)", **group)[1] == "exterieur"
    # A car park at the foot of the place, a name of its own after it.
    assert _read("Randonnée", "Jura - parking des Rousses", **group)[1] == "exterieur"
    # The room alone, or named with its own words, stays the DITEP's.
    assert _read("Atelier peinture", "Salle Risoux", **group)[1] == "site"
    assert _read("Atelier peinture", "grande salle", **group)[1] == "site"


def test_a_home_visit_at_a_school_partner_named_by_its_town_is_at_home() -> None:
    visit = _read("VAD famille de N.", "Villers")
    assert visit[:2] == ("ambulatoire", "domicile")
    assert visit[3] == "vad-a-une-ecole-nommee-par-sa-commune-r9"
    assert _read("Visite à domicile - R.", "Villers")[1] == "domicile"
    # The school named as a school stays the school; so does a session there without a home word.
    assert _read("Accompagnement en classe N.", "clg Faure")[:2] == ("ambulatoire", "ecole")
    assert _read("Accompagnement en classe N.", "Villers")[1] == "ecole"


def test_a_night_at_an_own_house_whose_words_say_home_a_call_or_a_foster_family() -> None:
    night: dict[str, Any] = {"youth": 3, "present": 3, "functions": ("éducateur spécialisé",)}
    # « à la maison » holding the house's own name, at the town the house is in.
    at_home = _read("Veillée puis nuit à la maison de Morteau", "Morteau", **night, **_NIGHT)
    assert at_home[:2] == ("accueil_nuit", "site")
    assert at_home[3] == "nuit-en-maison-du-ditep-r9"
    # A call to the manager on duty during the night is not a session at a distance.
    called = _read(
        "Maison de Morteau - soirée et nuit, appel astreinte 23h", "Morteau", **night, **_NIGHT
    )
    assert called[:2] == ("accueil_nuit", "site")
    # A week-end there for young people the foster carers cannot take: a night, not coordination.
    weekend = _read(
        "Week-end à la Gentiane pour 2 jeunes (pas de famille d'accueil ce WE, ASE)",
        "Gentiane",
        youth=2,
        present=2,
        functions=_GROUP,
        start="2026-03-13T17:00:00",
        end="2026-03-15T18:00:00",
    )
    assert weekend[:2] == ("accueil_nuit", "site")
    # A stay away keeps its own reading.
    away = _read("Séjour gîte - groupe Gentiane", "Gîte des Cerneux", **night, **_NIGHT)
    assert away[:2] == ("accueil_nuit", "exterieur")


def test_a_room_of_a_house_overnight_is_the_night_there() -> None:
    room = _read(
        "Ch2 Gentiane - L.", "Chambre 2 Gentiane", functions=(), kind="establishment", **_NIGHT
    )
    assert room[:2] == ("accueil_nuit", "site")
    assert room[3] == "nuit-en-chambre-du-ditep-r9"


def test_the_morning_rise_before_the_taxi_at_a_house_ends_the_night() -> None:
    morning = _read(
        "Lever / petit déj / taxi collège",
        "Maison Gentiane",
        youth=4,
        present=4,
        functions=("moniteur éducateur",),
        times=("07:00", "08:20"),
    )
    assert morning[:2] == ("accueil_nuit", "site")
    assert morning[3] == "lever-et-depart-en-maison-r9"


def test_a_night_watcher_s_round_of_the_flats_in_a_town_is_at_the_ditep() -> None:
    watch = _read(
        "Ronde de nuit apparts",
        "Pontarlier centre",
        youth=6,
        present=6,
        functions=("veilleur de nuit",),
        start="2026-03-12T21:00:00",
        end="2026-03-13T07:00:00",
    )
    assert watch[:2] == ("accueil_nuit", "site")


def test_a_group_held_by_video_in_the_evening_is_ambulatoire_at_a_distance() -> None:
    group: dict[str, Any] = {
        "youth": 4,
        "present": 4,
        "functions": _GROUP,
        "times": ("18:00", "19:00"),
    }
    assert _read("Visio gpe ados", "Teams", **group)[:2] == ("ambulatoire", "distance")
    assert _read("Groupe d'expression (zoom)", "", **group)[:2] == ("ambulatoire", "distance")
    # The internat's evening with a call in it stays the evening.
    evening = _read("Soirée Sapins, appel Teams avec un parent", "Sapins", **group)
    assert evening[0] == "accueil_nuit"


def test_a_therapist_s_session_at_a_town_the_registry_does_not_know_is_at_the_office() -> None:
    ortho = _read(
        "Orthophonie T.", "Pontarlier", functions=("orthophoniste",), times=("10:00", "10:45")
    )
    assert ortho[:2] == ("ambulatoire", "site")
    assert ortho[3] == "seance-de-therapeute-a-une-commune-r9"
    # An educator's session there says nothing of where; a practice named is care.
    assert _read("Suivi T.", "Pontarlier", times=("10:00", "10:45"))[1] == "inconnu"
    practice = _read("Psychomot T.", "Cabinet de Mme Roy", functions=("psychomotricienne",))
    assert practice[1] == "soins"


def test_decisions_kept() -> None:
    # The UEE stays ambulatoire at school (writers: 48 entries against 35).
    uee = _read("UEE collège", "clg Faure", youth=5, present=5, times=("08:30", "11:30"))
    assert uee[:2] == ("ambulatoire", "ecole")
    # Desk work and supervision with no place keep the DITEP's office (writers and second
    # readers split: no majority without losing entries).
    desk = _read("Rédaction des écrits", "", youth=0, present=0)
    assert desk[:2] == ("institutionnel", "site")
    supervision = _read("Supervision d'équipe", "", youth=0, present=0, functions=_GROUP)
    assert supervision[:2] == ("institutionnel", "site")
