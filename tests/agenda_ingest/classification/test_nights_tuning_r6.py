"""Nights, evenings and transport edges, sixth round (December 2026): an evening-to-morning
session with a young person and a professional is the night whatever its words, the foster
carer's night is at the carer's home, one young person's wake-up at home or by phone is the
SESSAD's morning support, the bus accompaniment of one young person is learning the trip, a
vehicle given as the place or booked is the trip, "retours" is a return run, a working group
or a room named after transport is not a trip, and a care appointment of an internat young
person is the care."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import activity_and_rule
from tests.agenda_ingest.classification.reading import professional_entry as _entry


def _at(entry: dict[str, object], start: str, end: str, **more: object) -> dict[str, object]:
    return {**entry, "start": start, "end": end, **more}


def _setting(entry: dict[str, object]) -> Setting:
    return default_rule_set().classify(facts_from_entry(entry)).setting


def test_an_evening_to_morning_session_is_the_night_whatever_its_words() -> None:
    evening, morning = "2026-11-05T18:00", "2026-11-06T08:15"
    # A house named like a run, a runaway, a cancelled night: the night planned.
    for summary, present in (
        ("Le Circuit - soirée", 4),
        ("Acacias - Rayan absent (fugue signalée)", 0),
        ("Nuit Hêtres annulée (panne de chauffage) - jeunes rentrés en famille", 0),
    ):
        night = _at(_entry(summary, youth=4, present=present, professionals=2), evening, morning)
        # Round 8: noted without a place, the night is read (at the DITEP) by the rule just
        # before, nuit-sans-lieu-au-ditep-r8; the activity is unchanged.
        assert activity_and_rule(night)[0] is Activity.ACCUEIL_NUIT
        assert activity_and_rule(night)[1] in (
            "nuit-du-soir-au-lendemain-r6",
            "nuit-sans-lieu-au-ditep-r8",
        )
    # The same words by day keep their rules: the run is a trip, the runaway a coordination.
    run = _at(
        _entry("Circuit Vallée (ramassage)", youth=4, present=4),
        "2026-11-05T07:30",
        "2026-11-05T08:30",
    )
    assert activity_and_rule(run)[0] is Activity.TRANSPORT
    # An hour of on-call duty past midnight about a runaway is not a night.
    call = _at(
        _entry("Astreinte - fugue de Rayan (appel gendarmerie)", present=0),
        "2026-11-05T23:30",
        "2026-11-06T00:30",
    )
    assert activity_and_rule(call)[0] is Activity.COORDINATION
    # A young person's weekend at home, no professional, stays out of the DITEP's time.
    home = _at(
        _entry("Week-end chez papa", professionals=0, kind="youth"),
        "2026-11-07T17:00",
        "2026-11-09T18:00",
    )
    assert activity_and_rule(home)[0] is Activity.HORS_PRESTATION


def test_the_foster_carers_night_is_at_the_carers_home() -> None:
    cancelled = _at(
        _entry("Noa chez Mme Petit", "annulé, reste en famille", present=0),
        "2026-11-07T17:00",
        "2026-11-08T09:00",
        functions=["assistante familiale"],
    )
    assert activity_and_rule(cancelled) == (
        Activity.ACCUEIL_NUIT,
        "accueil-familial-du-soir-au-lendemain-r6",
    )
    assert _setting(cancelled) is Setting.DOMICILE
    # Named as the foster care, without the carer's function: its own rule, at home too.
    named = _at(_entry("Accueil familial CAFS - Noa"), "2026-11-07T19:00", "2026-11-08T07:45")
    assert activity_and_rule(named)[0] is Activity.ACCUEIL_NUIT
    assert _setting(named) is Setting.DOMICILE


def test_one_young_persons_wake_up_at_home_or_by_phone_is_ambulatoire() -> None:
    morning = "2026-11-05T07:15", "2026-11-05T08:00"
    call = _at(_entry("Appel Inès (réveil, départ collège)"), *morning)
    assert activity_and_rule(call) == (Activity.AMBULATOIRE, "reveil-par-appel-r6")
    assert _setting(call) is Setting.DISTANCE
    home = _at(_entry("Passage chez Timéo - lever et départ école"), *morning)
    assert activity_and_rule(home) == (Activity.AMBULATOIRE, "lever-d-un-jeune-chez-lui-r6")
    assert _setting(home) is Setting.DOMICILE
    # The internat's wake-up, with the group or named, stays the night.
    group = _at(_entry("Lever + départ collège", youth=6, present=6), *morning)
    assert activity_and_rule(group)[0] is Activity.ACCUEIL_NUIT
    named = _at(_entry("Lever internat - départ Timéo"), *morning)
    assert activity_and_rule(named)[0] is Activity.ACCUEIL_NUIT


def test_one_young_persons_bus_accompaniment_is_learning_the_trip() -> None:
    bus = _at(_entry("Accompagnement bus ligne 7 - Léna"), "2026-11-05T07:30", "2026-11-05T08:15")
    assert activity_and_rule(bus) == (Activity.AMBULATOIRE, "accompagnement-bus-d-un-jeune-r6")
    assert _setting(bus) is Setting.EXTERIEUR
    # Taking him by train to his family is the trip.
    train = _at(
        _entry("Accompagnement train Léna (retour famille)"), "2026-11-07T16:00", "2026-11-07T17:30"
    )
    assert activity_and_rule(train)[0] is Activity.TRANSPORT


def test_a_vehicle_as_the_place_or_booked_is_the_trip() -> None:
    place = _at(
        _entry("Accompagnement orthoptiste / Zoé", present=1),
        "2026-11-05T09:30",
        "2026-11-05T10:00",
        location="Trafic 2",
    )
    assert activity_and_rule(place) == (Activity.TRANSPORT, "vehicule-au-lieu-court-avec-jeune-r6")
    booked = _at(
        _entry("Partner 2 réservé - Malo (VAD Pontivy)", present=0, kind="establishment"),
        "2026-11-05T13:00",
        "2026-11-05T17:30",
    )
    assert activity_and_rule(booked) == (Activity.TRANSPORT, "vehicule-reserve-r6")
    # A vehicle in upkeep is not a trip, booked or not.
    garage = _entry("Kangoo 1 réservé garage (révision)", youth=0, present=0)
    assert activity_and_rule(garage)[0] is not Activity.TRANSPORT
    # A long outing with the vehicle as its place is the outing.
    outing = _at(
        _entry("Sortie ski (Bouquetins)", youth=5, present=5, professionals=2),
        "2026-11-05T08:30",
        "2026-11-05T17:00",
        location="Minibus 9 places",
    )
    assert activity_and_rule(outing)[0] is not Activity.TRANSPORT


def test_returns_in_the_plural_are_a_return_run() -> None:
    run = _at(
        _entry("Retours Montbrison", youth=5, present=5), "2026-11-05T16:30", "2026-11-05T17:30"
    )
    assert activity_and_rule(run)[0] is Activity.TRANSPORT


def test_a_working_group_or_a_room_named_after_transport_is_no_trip() -> None:
    group = _entry("GT transports et sorties", youth=0, present=0, professionals=3)
    assert activity_and_rule(group)[0] is Activity.INSTITUTIONNEL
    room = {
        **_entry("Salle La Navette - séance psychomot Inès"),
        "functions": ["psychomotricienne"],
    }
    assert activity_and_rule(room)[0] is Activity.AMBULATOIRE
    # The shuttle itself stays a trip.
    assert activity_and_rule(_entry("Navette Inès vers le CMP"))[0] is Activity.TRANSPORT


def test_an_internat_young_persons_care_appointment_is_the_care() -> None:
    care = _at(
        {
            **_entry("Accompagnement CMP / Enzo (internat)", professionals=2),
            "functions": ["pédopsychiatre", "éducateur spécialisé"],
        },
        "2026-11-05T11:00",
        "2026-11-05T11:45",
    )
    assert activity_and_rule(care)[0] is Activity.AMBULATOIRE
    # The internat's evening with the psychologist's talk group stays the night.
    group = _at(
        _entry("Groupe de parole internat (psy)", youth=6, present=6, professionals=2),
        "2026-11-05T19:30",
        "2026-11-05T20:30",
    )
    assert activity_and_rule(group)[0] is Activity.ACCUEIL_NUIT
