"""Transport runs and vehicles' agendas, eighth round (December 2026): an arrow between two
places read as a route, a vehicle named by its number plate, the Creole boat, a bus stop as the
place of a young person's trip, a vehicle booked for a professional's training or errand, a
vehicle with nobody attached, a vehicle named for a group's outing, and the vehicle at the
garage (decision kept)."""

from __future__ import annotations

from agenda_ingest.classification.engine import normalise_words
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Nature, Setting
from tests.agenda_ingest.classification.reading import rules_with, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aubépines, kind: site, aliases: [Les Aubépines, Aubépines]}
  - {name: Maison Les Saules, kind: house, aliases: [Saules]}
  - {name: Maison Le Verger, kind: house, aliases: [Verger]}
partners:
  - {name: Collège Paul Éluard, kind: school, aliases: [clg Éluard]}
  - {name: Piscine des Bains, kind: leisure}
"""

EDUCATOR = ("moniteur éducateur",)
TWO = ("éducatrice spécialisée", "moniteur éducateur")


def _read(entry: dict[str, object]) -> tuple[Activity, Setting, Nature, str]:
    got = rules_with(PLACES).classify(facts_from_entry(entry))
    return got.activity, got.setting, got.nature, got.rule_id


# --- the words as read: an arrow, a number plate ----------------------------------------------


def test_an_arrow_typed_or_drawn_is_one_word() -> None:
    for typed in (
        "Valmont → Saules",
        "Valmont -> Saules",
        "Valmont => Saules",
        "Valmont > Saules",
        "Valmont <> Saules",
        "Valmont ↔ Saules",
        "Valmont-->Saules",
        "Valmont ⇒ Saules",
    ):
        assert normalise_words(typed) == " valmont > saules ", typed
    # Other signs still only separate words; a run of arrows is one.
    assert normalise_words("Point » équipe – bilan") == " point equipe bilan "
    assert normalise_words("a >> b") == " a > b "


def test_a_number_plate_is_read_as_a_vehicle() -> None:
    assert normalise_words("HB-274-XK") == " vehicule "
    assert normalise_words("kl-903-af : matin") == " vehicule matin "
    # Not a plate: other shapes keep their words.
    assert normalise_words("RDV 14-16h") == " rdv 14 16h "
    assert normalise_words("AB-1234-CD") == " ab 1234 cd "


# --- an arrow between two places --------------------------------------------------------------


def test_an_arrow_between_two_places_with_young_people_is_the_trip() -> None:
    run = timed_entry(
        "Valmont → Les Aubépines",
        youth=4,
        present=4,
        functions=EDUCATOR,
        times=("07:40", "08:30"),
    )
    assert _read(run) == (Activity.TRANSPORT, Setting.INCONNU, Nature.DIRECT, "trajet-flechee-r8")
    # The return of the week, three hours with a driver and an educator.
    week = timed_entry(
        "Retour jeudi Saules -> familles",
        location="Maison Les Saules",
        youth=7,
        present=7,
        functions=("chauffeur", "moniteur éducateur"),
        times=("13:30", "16:30"),
    )
    assert _read(week)[0] is Activity.TRANSPORT
    # A young person's own agenda, nobody of the DITEP: his trip.
    own = timed_entry(
        "Retour foyer => studio", functions=(), kind="youth", times=("18:00", "18:40")
    )
    assert _read(own)[0] is Activity.TRANSPORT


def test_an_arrow_that_says_what_changed_or_a_night_is_not_a_trip() -> None:
    changed = timed_entry(
        "Atelier poterie annulé -> jeux de cartes",
        location="Les Aubépines",
        youth=4,
        present=4,
        functions=EDUCATOR,
    )
    assert _read(changed)[0] is Activity.ACCUEIL_JOUR
    night = timed_entry(
        "Verger lun→mar",
        youth=5,
        present=5,
        functions=TWO,
        start="2026-11-09T17:30",
        end="2026-11-10T08:30",
    )
    assert _read(night)[0] is Activity.ACCUEIL_NUIT
    # A session that says what it is keeps its rule.
    remote = timed_entry(
        "Psychomot Léo (grippe → en visio)",
        functions=("psychomotricienne",),
        times=("10:00", "10:45"),
    )
    assert _read(remote)[:2] == (Activity.AMBULATOIRE, Setting.DISTANCE)


# --- a number plate ---------------------------------------------------------------------------


def test_a_vehicle_named_by_its_plate_is_the_run() -> None:
    plate = timed_entry(
        "HB-274-XK", youth=1, present=1, functions=("IDE",), times=("08:00", "08:30")
    )
    assert _read(plate) == (
        Activity.TRANSPORT,
        Setting.INCONNU,
        Nature.DIRECT,
        "transport-par-voiture",
    )
    # The plate's last letters are no foster carer's « AF ».
    carer = timed_entry(
        "KL-903-AF : Valmont → Saules (Léo, accueil familial)",
        youth=1,
        present=1,
        functions=(),
        kind="establishment",
        times=("07:00", "07:45"),
    )
    assert _read(carer)[0] is Activity.TRANSPORT
    # At the garage with nobody it stays the vehicle's upkeep, unclassified.
    garage = timed_entry(
        "Révision Trafic HB-274-XK",
        location="Garage Peugeot Agde",
        youth=0,
        present=0,
        functions=(),
        kind="establishment",
        times=("08:00", "12:00"),
    )
    assert _read(garage)[0] is Activity.UNCLASSIFIED


# --- the boat ---------------------------------------------------------------------------------


def test_the_creole_boat_is_the_crossing() -> None:
    boat = timed_entry(
        "Bato Pointe-à-Pitre - Marie-Galante",
        description="ramener Kenzo chez sa mère pour le week-end",
        functions=EDUCATOR,
        times=("14:00", "15:30"),
    )
    assert _read(boat) == (
        Activity.TRANSPORT,
        Setting.INCONNU,
        Nature.DIRECT,
        "transport-par-bateau",
    )
    # A boat outing stays the outing.
    outing = timed_entry("Sortie bato à fond de verre", youth=5, present=5, functions=TWO)
    assert _read(outing)[0] is Activity.ACCUEIL_JOUR


# --- a bus stop as the place ------------------------------------------------------------------


def test_a_bus_trip_from_a_stop_with_one_young_person_is_learning_it() -> None:
    stop = timed_entry(
        "Trajet bus ligne 6 avec Léo",
        location="arrêt Mairie → clg Éluard",
        functions=EDUCATOR,
        times=("07:30", "08:20"),
    )
    assert _read(stop) == (
        Activity.AMBULATOIRE,
        Setting.EXTERIEUR,
        Nature.DIRECT,
        "trajet-depuis-un-arret-r8",
    )
    # Taking him there is the trip.
    drop = timed_entry(
        "Trajet bus - déposer Léo au collège",
        location="arrêt Mairie",
        functions=EDUCATOR,
        times=("07:30", "08:20"),
    )
    assert _read(drop)[0] is Activity.TRANSPORT


# --- a vehicle's agenda without young people --------------------------------------------------


def test_a_vehicle_booked_for_a_training_or_an_errand_is_that_work() -> None:
    training = timed_entry(
        "Kangoo 2 - formation Julie à Montpellier",
        youth=0,
        present=0,
        functions=("éducatrice spécialisée",),
        kind="establishment",
        times=("07:30", "18:00"),
    )
    assert _read(training) == (
        Activity.INSTITUTIONNEL,
        Setting.EXTERIEUR,
        Nature.INSTITUTIONNEL,
        "vehicule-pour-le-travail-institutionnel-r8",
    )
    errand = timed_entry(
        "Trafic 1 - courses internat (Paul)",
        youth=0,
        present=0,
        functions=EDUCATOR,
        kind="establishment",
        times=("09:00", "11:00"),
    )
    assert _read(errand)[0] is Activity.INSTITUTIONNEL
    # Booked for a home visit, it stays the professional's trip.
    visit = timed_entry(
        "Kangoo 2 - réservé Julie VAD Agde",
        youth=0,
        present=0,
        functions=("éducatrice spécialisée",),
        kind="establishment",
        times=("13:00", "17:00"),
    )
    assert _read(visit)[0] is Activity.TRANSPORT


def test_a_vehicle_with_nobody_attached_says_nothing() -> None:
    nobody = timed_entry(
        "Trafic 2 réservé",
        youth=0,
        present=0,
        functions=(),
        kind="establishment",
        times=("09:00", "12:00"),
    )
    assert _read(nobody) == (
        Activity.UNCLASSIFIED,
        Setting.INCONNU,
        Nature.INSTITUTIONNEL,
        "vehicule-sans-personne-r8",
    )
    # With the professional who booked it: his trip.
    booked = timed_entry(
        "Trafic 2 réservé",
        youth=0,
        present=0,
        functions=EDUCATOR,
        kind="establishment",
        times=("09:00", "12:00"),
    )
    assert _read(booked)[0] is Activity.TRANSPORT


# --- a vehicle named for a group's outing -----------------------------------------------------


def test_a_vehicle_named_for_a_two_hour_outing_is_the_outing() -> None:
    pool = timed_entry(
        "Minibus - piscine des Bains",
        location="Piscine des Bains",
        youth=5,
        present=5,
        functions=TWO,
        kind="establishment",
        times=("13:30", "15:30"),
    )
    assert _read(pool)[:2] == (Activity.ACCUEIL_JOUR, Setting.EXTERIEUR)
    trafic = timed_entry(
        "Trafic - sortie parc de la Tête d'Or",
        youth=5,
        present=5,
        functions=TWO,
        kind="establishment",
        times=("13:30", "16:00"),
    )
    assert _read(trafic) == (
        Activity.ACCUEIL_JOUR,
        Setting.EXTERIEUR,
        Nature.DIRECT,
        "vehicule-sortie-de-groupe-r8",
    )
    # The run to the pool, half an hour, stays the trip.
    run = timed_entry(
        "Trafic - aller piscine",
        youth=5,
        present=5,
        functions=EDUCATOR,
        kind="establishment",
        times=("13:30", "14:00"),
    )
    assert _read(run)[0] is Activity.TRANSPORT


# --- decision kept: the vehicle at the garage -------------------------------------------------


def test_a_vehicle_at_the_garage_with_nobody_stays_unclassified() -> None:
    garage = timed_entry(
        "Kangoo 1 - contrôle technique",
        location="Autosur Agde",
        youth=0,
        present=0,
        functions=(),
        kind="establishment",
        times=("08:00", "12:00"),
    )
    assert _read(garage) == (
        Activity.UNCLASSIFIED,
        Setting.INCONNU,
        Nature.INSTITUTIONNEL,
        "vehicule-au-garage-sans-personne-r5",
    )
    # With the professional who takes it there, it is his time.
    driver = timed_entry(
        "Kangoo 1 - contrôle technique",
        location="Autosur Agde",
        youth=0,
        present=0,
        functions=("chauffeur",),
        kind="establishment",
        times=("08:00", "12:00"),
    )
    assert _read(driver)[0] is Activity.INSTITUTIONNEL
