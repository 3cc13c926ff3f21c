"""Vehicles, trips and professionals' own travel, round 4 (December 2026): a vehicle named
with young people is the run when short, the outing or the home visit otherwise; a vehicle
booked by a professional is his trip; its upkeep is institutional time; a youth-less trip
for institutional work is that work; a short "transfert" is the move."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import activity_and_rule


def _vehicle(
    summary: str,
    start: str,
    end: str,
    youth: int = 0,
    professionals: int = 1,
    kind: str = "establishment",
) -> dict[str, object]:
    return {
        "summary": summary,
        "description": "",
        "start": f"2026-03-10T{start}:00",
        "end": f"2026-03-10T{end}:00",
        "youth": youth,
        "youth_present": youth,
        "professionals": professionals,
        "functions": ["moniteur éducateur"] * professionals,
        "source_kind": kind,
    }


def test_a_short_run_with_young_people_is_transport() -> None:
    run = _vehicle("Berlingo - retour Lou et Enzo", "16:20", "17:05", youth=2)
    assert activity_and_rule(run) == (Activity.TRANSPORT, "vehicule-court-avec-jeune")
    # An outing named with the vehicle, under an hour: the run to the outing.
    short = _vehicle("Jumpy - sortie médiathèque", "13:30", "14:10", youth=4)
    assert activity_and_rule(short) == (Activity.TRANSPORT, "vehicule-court-avec-jeune")


def test_a_long_day_out_named_with_the_vehicle_is_the_outing() -> None:
    day = _vehicle(
        "Trafic 2 - luge au col (groupe Mésanges)", "09:00", "16:30", youth=5, professionals=2
    )
    activity, rule = activity_and_rule(day)
    assert activity is Activity.ACCUEIL_JOUR
    assert not rule.startswith("transport")
    assert not rule.startswith("vehicule")
    result = default_rule_set().classify(facts_from_entry(day))
    assert result.setting is Setting.EXTERIEUR


def test_a_home_visit_made_with_the_vehicle_is_the_visit() -> None:
    visit = _vehicle("MASTER - VAD Nolhan", "10:00", "11:45", youth=1)
    result = default_rule_set().classify(facts_from_entry(visit))
    assert result.activity is Activity.AMBULATOIRE
    assert result.setting is Setting.DOMICILE


def test_a_vehicle_booked_without_young_people_is_the_trip() -> None:
    booked = _vehicle("Kangoo 3 - résa Julie", "08:30", "12:30")
    assert activity_and_rule(booked) == (Activity.TRANSPORT, "vehicule-reserve-sans-jeune")


def test_vehicle_upkeep_or_unavailability_is_no_trip() -> None:
    for summary in (
        "Vérification des véhicules avant les vacances",
        "Minibus plein gazole",
        "Trafic 1 - pneus à changer",
    ):
        activity, rule = activity_and_rule(_vehicle(summary, "09:00", "10:00"))
        assert (activity, rule) == (Activity.INSTITUTIONNEL, "logistique-sans-jeune"), summary
    # Unavailable, nobody on it: nothing to count, left for review.
    idle = _vehicle("Jumpy en panne", "08:00", "17:00", professionals=0)
    assert activity_and_rule(idle)[0] is not Activity.TRANSPORT


def test_a_trip_for_institutional_work_is_that_work() -> None:
    meeting = _vehicle(
        "Trajet antenne -> siège (réunion cadres)", "12:30", "13:15", kind="professional"
    )
    assert activity_and_rule(meeting) == (
        Activity.INSTITUTIONNEL,
        "trajet-pour-le-travail-institutionnel",
    )
    mail = _vehicle("Navette sites (courrier)", "08:00", "09:00", kind="professional")
    assert activity_and_rule(mail)[0] is Activity.INSTITUTIONNEL
    # A trip with no purpose said, or to a home visit, stays transport (the writers' majority).
    plain = _vehicle("Trajet Vierzon -> Bourges", "13:00", "13:45", kind="professional")
    assert activity_and_rule(plain) == (Activity.TRANSPORT, "transport")
    to_visit = _vehicle("Trajet VAD Mehun", "13:00", "13:30", kind="professional")
    assert activity_and_rule(to_visit)[0] is Activity.TRANSPORT


def test_a_short_transfert_is_the_move_a_long_one_the_stay() -> None:
    move = _vehicle("Transfert maison -> école à pied", "08:25", "08:45", youth=6)
    assert activity_and_rule(move) == (Activity.TRANSPORT, "transfert-court")
    stay = _vehicle("Transfert gîte des Cévennes", "09:00", "17:00", youth=6, professionals=3)
    assert activity_and_rule(stay)[0] is not Activity.TRANSPORT
