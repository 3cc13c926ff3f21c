"""Trips told in prose or by their route, ninth round (December 2026): the drive said in the
description (``cue|drive``), going to fetch young people or taking them back down, "A/R", a car
named by its model and booked for a home visit; and what is not a trip: a group's outing that
gives its return time, a professional who takes a young person somewhere and stays, a talk held
in a parked van, a round of home visits, a group's day that names a late taxi, the getting up
and breakfast of a house named like a shuttle."""

from __future__ import annotations

from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.links import cue_codes
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import rules_with, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes, Aulnes]}
  - {name: Maison Le Relais, kind: house, aliases: [Relais]}
  - {name: Maison La Navette, kind: house, aliases: [Navette]}
  - {name: Berline grise, kind: room, aliases: [Clio]}
partners:
  - {name: Collège Jean Rostand, kind: school, aliases: [clg Rostand]}
  - {name: Cabinet d'orthoptie Martin, kind: care, aliases: [cabinet Martin]}
"""

EDUCATOR = ("moniteur éducateur",)
TWO = ("éducatrice spécialisée", "moniteur éducateur")


def _read(entry: dict[str, object]) -> tuple[Activity, Setting, str]:
    got = rules_with(PLACES).classify(facts_from_entry(entry))
    return got.activity, got.setting, got.rule_id


# --- the drive said in the description --------------------------------------------------------


def test_the_description_says_the_drive() -> None:
    for said in (
        "je dépose Lou et Nino au collège",
        "déposées devant l'école à 8h20",
        "aller-retour depuis la maison",
        "A/R en fin de journée",
        "conduite en voiture, j'attends sur le parking",
        "train de 9h pour Limoges",
        "retours 17h : Aulnes -> domiciles",
        "trajet collège -> Relais",
    ):
        assert "cue|drive" in cue_codes(said), said
    for not_said in (
        "déposé par sa mère ce matin",
        "dépôt de plainte au commissariat",
        "en train de ranger la salle",
        "il apprend le trajet collège -> maison seul",
        "trajet Gare -> centre en autonomie",
    ):
        assert "cue|drive" not in cue_codes(not_said), not_said


def test_a_trip_named_by_its_goal_with_the_drive_in_the_description() -> None:
    care = timed_entry(
        "Accomp. orthoptiste",
        "aller-retour depuis le Relais, rendez-vous à 16h",
        functions=EDUCATOR,
        times=("15:40", "17:00"),
    )
    assert _read(care)[0] is Activity.TRANSPORT
    # The place is the practice: the educator waits outside, still the trip.
    practice = timed_entry(
        "A/R orthoptie",
        "emmené en voiture, l'éducatrice attend dehors",
        location="Cabinet d'orthoptie Martin",
        functions=EDUCATOR,
        times=("16:00", "17:15"),
    )
    assert _read(practice)[0] is Activity.TRANSPORT
    # A route to a school with the pupils dropped off, read in the description.
    school = timed_entry(
        "Relais -> clg Rostand",
        "dépose des trois collégiens",
        youth=3,
        present=3,
        functions=EDUCATOR,
        times=("07:45", "08:20"),
    )
    assert _read(school)[0] is Activity.TRANSPORT
    # A long train journey with one young person, under four hours.
    train = timed_entry(
        "Voyage vers Brive avec N.",
        "train de 9h, retour le soir",
        functions=EDUCATOR,
        times=("09:00", "12:30"),
    )
    assert _read(train)[0] is Activity.TRANSPORT


def test_the_drive_in_the_description_does_not_undo_a_session_or_a_morning() -> None:
    session = timed_entry(
        "Séance psychomotricité Eliott",
        "déposé au Relais par l'éducateur",
        location="Les Aulnes",
        functions=("psychomotricienne",),
        times=("10:00", "10:45"),
    )
    assert _read(session)[0] is Activity.AMBULATOIRE
    morning = timed_entry(
        "Lever / p'tit déj / départ collège",
        "réveil 6h50, les deux collégiens déposés au clg Rostand",
        location="Navette",
        youth=4,
        present=4,
        functions=EDUCATOR,
        times=("06:50", "08:20"),
    )
    assert _read(morning)[:2] == (Activity.ACCUEIL_NUIT, Setting.SITE)


# --- trips told in prose ----------------------------------------------------------------------


def test_fetching_young_people_or_taking_them_back_down_is_the_trip() -> None:
    fetch = timed_entry(
        "Je passe prendre puis je vais chercher les 2 du Relais",
        youth=2,
        present=2,
        functions=EDUCATOR,
        times=("08:10", "08:45"),
    )
    assert _read(fetch)[0] is Activity.TRANSPORT
    down = timed_entry(
        "En fin de journée je redescends les 3 jusqu'au bourg",
        youth=3,
        present=3,
        functions=EDUCATOR,
        times=("16:45", "17:45"),
    )
    assert _read(down)[0] is Activity.TRANSPORT


def test_a_return_abbreviated_a_r_is_the_trip() -> None:
    alone = timed_entry(
        "Kilomètres A/R Tulle - Ussel", youth=0, present=0, times=("10:00", "10:30")
    )
    assert _read(alone)[0] is Activity.TRANSPORT


def test_a_car_named_by_its_model_booked_for_a_home_visit() -> None:
    booked = timed_entry(
        "Clio - réservée par Amandine (VAD Meymac)",
        location="Berline grise",
        youth=0,
        present=0,
        kind="establishment",
        times=("13:30", "16:30"),
    )
    assert _read(booked)[0] is Activity.TRANSPORT
    named = timed_entry(
        "Duster – VAD Égletons (Paul)",
        youth=0,
        present=0,
        kind="establishment",
        times=("09:00", "11:00"),
    )
    assert _read(named)[0] is Activity.TRANSPORT


# --- what is not a trip -----------------------------------------------------------------------


def test_an_outing_that_gives_its_return_time_is_the_outing() -> None:
    sledge = timed_entry(
        "Sortie raquettes au plateau avec le groupe, retour 16h",
        location="Plateau de Millevaches",
        youth=5,
        present=5,
        functions=TWO,
        times=("13:30", "16:00"),
    )
    assert _read(sledge)[0] is Activity.ACCUEIL_JOUR
    walk = timed_entry(
        "Promenade au bord du lac avec les grands, retour pour le goûter",
        youth=4,
        present=4,
        functions=TWO,
        times=("14:00", "16:15"),
    )
    assert _read(walk)[0] is Activity.ACCUEIL_JOUR


def test_taking_a_young_person_somewhere_and_staying_is_the_support() -> None:
    stay = timed_entry(
        "J'emmène L. à son cours de judo et je reste",
        location="dojo Ussel",
        functions=EDUCATOR,
        times=("17:00", "18:30"),
    )
    assert _read(stay)[0] is Activity.AMBULATOIRE


def test_a_talk_in_a_parked_van_is_the_talk() -> None:
    talk = timed_entry(
        "Entretien avec K. dans le Trafic sur le parking du supermarché",
        functions=EDUCATOR,
        times=("18:00", "18:40"),
    )
    assert _read(talk)[:2] == (Activity.AMBULATOIRE, Setting.EXTERIEUR)


def test_a_round_of_home_visits_is_the_visits() -> None:
    visits = timed_entry(
        "SESSAD - tournée VAD (deux familles)",
        youth=2,
        present=2,
        functions=EDUCATOR,
        times=("13:30", "16:30"),
    )
    assert _read(visits)[:2] == (Activity.AMBULATOIRE, Setting.DOMICILE)


def test_a_group_day_that_names_a_late_taxi_is_the_day() -> None:
    day = timed_entry(
        "Accueil Aulnes – Inès arrivée 10h (taxi en retard)",
        location="Les Aulnes",
        youth=6,
        present=6,
        functions=TWO,
        times=("09:00", "16:30"),
    )
    assert _read(day)[0] is Activity.ACCUEIL_JOUR


def test_getting_up_and_breakfast_before_a_taxi_is_the_end_of_the_night() -> None:
    taxi = timed_entry(
        "Lever / petit déj / départ taxis",
        location="Maison Le Relais",
        youth=5,
        present=5,
        functions=EDUCATOR,
        times=("07:00", "08:30"),
    )
    # The night's routine at a house, or the morning rise before the trip (round 9).
    assert _read(taxi)[:2] == (Activity.ACCUEIL_NUIT, Setting.SITE)
