"""Vehicles and trips, tenth round (December 2026): a vehicle's agenda with nobody attached whose
description says who takes it or where to (``cue|named``), a vehicle named alone in a
professional's agenda, going to fetch a young person whose title says why he leaves early, the
drive to or from a stay, a professional's "travel time" written in English; and what is not a
trip: the care paths (« circuits d'orientation ») of a partners' meeting."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts, Genêts]}
  - {name: Maison Ithurria, kind: house, aliases: [Ithurria]}
  - {name: Kangoo 3, kind: room, aliases: [K3]}
  - {name: Berlingo gris, kind: room, aliases: [Berlingo]}
partners:
  - {name: Collège Jean Jaurès, kind: school, aliases: [clg Jaurès]}
"""

EDUCATOR = ("éducatrice spécialisée",)
TWO = ("éducatrice spécialisée", "moniteur éducateur")


def _read(entry: dict[str, object]) -> tuple[Activity, str]:
    return activity_and_rule(entry, PLACES)


def _vehicle(summary: str, description: str = "", location: str = "") -> dict[str, object]:
    """An entry of the vehicles' agenda (the establishment's), nobody attached."""
    return timed_entry(
        summary,
        description,
        location,
        youth=0,
        present=0,
        functions=(),
        kind="establishment",
        times=("13:30", "16:30"),
    )


# --- a vehicle's agenda: who takes it, or where to, said in the description -------------------


def test_a_description_that_opens_with_a_name() -> None:
    for named in ("Iker", "Ainhoa - judo Bayonne", "Txomin, Peio", "Ustaritz (VAD)"):
        assert "cue|named" in cue_codes(named), named
    for not_named in (
        "Iker accompagne",
        "révision garage",
        "Garage Citroën Anglet",
        "Indispo toute la journée",
        "prévoir le plein",
        "",
    ):
        assert "cue|named" not in cue_codes(not_named), not_named


def test_a_vehicle_with_nobody_and_a_first_name_in_the_description_is_the_trip() -> None:
    assert _read(_vehicle("Kangoo 3", "Iker")) == (
        Activity.TRANSPORT,
        "vehicule-dit-dans-la-description-r10",
    )
    # A home visit said in the description, the car named by its model.
    visit = _vehicle("Clio service - Amaia", "VAD Sare")
    assert _read(visit)[0] is Activity.TRANSPORT


def test_a_vehicle_given_as_the_place_with_a_name_in_the_description_is_the_trip() -> None:
    assert _read(_vehicle("K3", "Ainhoa - judo Bayonne", "Kangoo 3")) == (
        Activity.TRANSPORT,
        "vehicule-au-lieu-dit-dans-la-description-r10",
    )


def test_a_vehicle_with_nobody_and_no_description_still_says_nothing() -> None:
    for summary in ("Kangoo 3", "Kangoo 3 - réservé", "Berlingo indispo"):
        assert _read(_vehicle(summary))[0] is Activity.UNCLASSIFIED, summary
    # The description says its upkeep, not who takes it; the title says not to book it.
    assert _read(_vehicle("Ne pas réserver", "révision garage", "Kangoo 3"))[0] is (
        Activity.UNCLASSIFIED
    )
    assert _read(_vehicle("Kangoo 3 - révision", "Garage Peugeot Anglet"))[0] is (
        Activity.UNCLASSIFIED
    )


# --- a vehicle named alone in a professional's agenda ------------------------------------------


def test_a_vehicle_alone_in_a_professionals_agenda_says_nothing() -> None:
    car = timed_entry("Véhicule de service", youth=0, present=0, times=("09:00", "10:00"))
    assert _read(car) == (Activity.UNCLASSIFIED, "vehicule-seul-agenda-du-professionnel-r10")
    # With a destination it is the drive, as before.
    drive = timed_entry("Voiture - Hendaye", youth=0, present=0, times=("09:00", "10:00"))
    assert _read(drive)[0] is Activity.TRANSPORT


# --- going to fetch a young person ---------------------------------------------------------------


def test_fetching_a_young_person_who_leaves_school_early_is_the_trip() -> None:
    fetch = timed_entry(
        "Aller chercher Peio au clg (sortie anticipée)",
        location="clg Jaurès",
        times=("11:00", "11:40"),
    )
    assert _read(fetch) == (Activity.TRANSPORT, "aller-chercher-un-jeune-r10")


def test_fetching_is_not_a_search_or_a_session() -> None:
    # Looking for a work placement with the young person is not fetching him (round 9's
    # transport-aller-retour, further down, still reads « chercher » alone).
    search = timed_entry("Chercher un stage avec Peio (mission locale)", times=("14:00", "15:30"))
    assert _read(search)[1] != "aller-chercher-un-jeune-r10"
    visit = timed_entry("VAD - venir chercher Amaia pour le CMP", times=("14:00", "15:00"))
    assert _read(visit)[1] != "aller-chercher-un-jeune-r10"


# --- the drive to or from a stay ------------------------------------------------------------------


def test_the_drive_to_a_stay_is_the_trip_not_the_night() -> None:
    drive = timed_entry(
        "Trafic - séjour montagne départ",
        "rdv 7h30 devant les Genêts",
        "Trafic",
        youth=5,
        present=5,
        functions=TWO,
        kind="establishment",
        times=("07:30", "11:15"),
    )
    assert _read(drive) == (Activity.TRANSPORT, "trajet-de-sejour-r10")


def test_a_stay_itself_is_not_the_drive() -> None:
    # The stay's day (longer than four hours) and its evening (a « veillée ») are not read as
    # its drive.
    day = timed_entry(
        "Séjour montagne - retour au chalet après la rando",
        youth=5,
        present=5,
        functions=TWO,
        times=("09:00", "17:30"),
    )
    assert _read(day)[1] != "trajet-de-sejour-r10"
    evening = timed_entry(
        "Séjour montagne - veillée, retour des jeunes au dortoir",
        youth=5,
        present=5,
        functions=TWO,
        times=("20:00", "22:30"),
    )
    assert _read(evening)[1] != "trajet-de-sejour-r10"


# --- a professional's travel time written in English, and care paths that are no run -----------


def test_travel_time_in_english_is_the_professionals_drive() -> None:
    travel = timed_entry(
        "Travel time to Ciboure (home visit)", youth=0, present=0, times=("10:00", "10:30")
    )
    assert _read(travel)[0] is Activity.TRANSPORT


def test_care_paths_of_a_partners_meeting_are_no_run() -> None:
    meeting = timed_entry(
        "Réunion CMPEA / DITEP - circuits d'orientation des ados",
        location="CMPEA Bayonne",
        youth=0,
        present=0,
        functions=("cheffe de service", "psychiatre"),
        times=("14:00", "16:00"),
    )
    assert _read(meeting)[0] is Activity.INSTITUTIONNEL
    # A run named by its circuit stays the run.
    run = timed_entry(
        "Circuit Anglet / Biarritz",
        youth=4,
        present=4,
        functions=("chauffeur",),
        times=("07:40", "08:50"),
    )
    assert _read(run)[0] is Activity.TRANSPORT
