"""Eleventh round (December 2026): a class held in a room of the DITEP, a session said to be at a
distance or with a link to a video server the DITEP hosts, a car of the DITEP given as the place
of a short drive, a trip by pirogue. Entries in the tests' own words; each pins the activity, the
setting (and a rule where it tells) of one decision, and the neighbour it must not take
(docs/classification-rules.md, "Round 11").
"""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Saules, kind: site, aliases: [Les Saules]}
  - {name: Salle de classe UE, kind: room, aliases: [Classe interne Saules]}
  - {name: Clio bleue, kind: room, aliases: [Clio]}
  - {name: Duster Antenne, kind: room, aliases: [Duster]}
  - {name: Maison Les Roseaux, kind: house, aliases: [Roseaux]}
partners:
  - {name: Collège Jean Jaurès, kind: school, aliases: [clg Jaurès]}
  - {name: École Pablo Picasso, kind: school, aliases: [école Picasso]}
  - {name: CMP Les Tilleuls, kind: care, aliases: [CMP Tilleuls]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_a_class_in_a_room_of_the_ditep_is_its_internal_class() -> None:
    entry = timed_entry(
        "Classe",
        location="Salle de classe UE",
        functions=("professeure des écoles",),
        times=("09:00", "11:30"),
    )
    assert _read(entry) == ("accueil_jour", "site", "direct", "classe-dans-un-lieu-du-ditep-r11")
    # The same class at the partner's collège is the ordinary school.
    ordinary = timed_entry("Classe", location="clg Jaurès", functions=("éducatrice spécialisée",))
    assert _read(ordinary)[:2] == ("ambulatoire", "ecole")


def test_a_session_said_at_a_distance_is_at_a_distance() -> None:
    said = timed_entry("Séance à distance", functions=("psychologue",))
    assert _read(said)[:2] == ("ambulatoire", "distance")
    remote = timed_entry("Entretien Lou en distanciel", functions=("psychologue",))
    assert _read(remote)[:2] == ("ambulatoire", "distance")


def test_a_link_to_a_video_server_the_ditep_hosts_says_video() -> None:
    assert cue_codes("https://visio.ditep-saules.fr/rdv/12") == ("cue|video",)
    assert cue_codes("lien : https://meet.ght-ouest.fr/psy-lou") == ("cue|video",)
    assert cue_codes("https://jitsi.asso.org/x") == ("cue|video",)
    # A domain of its own is not a server's label: the link names nothing.
    assert cue_codes("https://www.visio.fr") == ()
    assert cue_codes("https://meet-up.fr/ateliers") == ()
    linked = timed_entry(
        "Séance Lou", "https://visio.ditep-saules.fr/rdv/12", functions=("psychologue",)
    )
    assert _read(linked)[:2] == ("ambulatoire", "distance")


def test_a_car_of_the_ditep_given_as_the_place_of_a_short_drive_is_the_drive() -> None:
    entry = timed_entry("Noé -> cabinet orthoptie", location="Clio bleue", times=("16:00", "16:30"))
    assert _read(entry)[:2] == ("transport", "inconnu")
    road = timed_entry("RN1 - rdv CMP", location="Duster Antenne", times=("07:00", "08:30"))
    assert _read(road) == ("transport", "inconnu", "direct", "vehicule-au-lieu-court-avec-jeune-r6")
    # A school named after a painter is not a car.
    school = timed_entry("[SESSAD] Lina - temps en classe", location="école Picasso")
    assert _read(school)[:2] == ("ambulatoire", "ecole")


def test_a_trip_by_pirogue_is_transport_but_a_visit_by_pirogue_is_the_visit() -> None:
    trip = timed_entry("Pirogue Apatou - antenne", times=("06:00", "07:30"))
    assert _read(trip)[:2] == ("transport", "inconnu")
    visit = timed_entry("VAD Apatou (pirogue)", location="Apatou")
    assert _read(visit)[:2] == ("ambulatoire", "domicile")


def test_a_call_or_a_home_visit_that_names_the_cfa_is_the_call_or_the_visit() -> None:
    call = timed_entry("Appel Enzo (il ne veut pas aller au CFA)", times=("07:15", "07:35"))
    assert _read(call)[:2] == ("ambulatoire", "distance")
    visit = timed_entry("Passer voir Chloé chez elle pour son dossier CFA", location="Chez Chloé")
    assert _read(visit)[:2] == ("ambulatoire", "domicile")
    # With him at the CFA, the CFA is his school.
    there = timed_entry("Stage découverte au CFA - Enzo")
    assert _read(there) == ("ambulatoire", "ecole", "direct", "cfa-avec-professionnel")


def test_a_point_with_a_partner_on_his_path_without_him_is_coordination() -> None:
    path = timed_entry("Visio Mission locale / DITEP sur le parcours d'Inès", present=0)
    assert _read(path) == ("coordination", "distance", "indirect", "coordination-partenaires")
    point = timed_entry("Appel au CFA pour faire le point sur les absences de Rayan", present=0)
    assert _read(point)[:3] == ("coordination", "distance", "indirect")
    # A visit at home without him stays the home visit.
    home = timed_entry("VAD point sur la semaine", present=0)
    assert _read(home)[:2] == ("ambulatoire", "domicile")


def test_his_return_to_class_is_not_a_trip() -> None:
    entry = timed_entry(
        "Retour en classe progressif (1h), accompagné",
        location="clg Jaurès",
        times=("09:00", "10:00"),
    )
    assert _read(entry)[:2] == ("ambulatoire", "ecole")
    trip = timed_entry("Retour clg Jaurès", times=("16:30", "17:00"))
    assert _read(trip)[0] == "transport"


def test_the_family_kaz_is_the_home() -> None:
    entry = timed_entry("Kaz famille D. - temps éducatif", location="Sinnamary")
    assert _read(entry)[:2] == ("ambulatoire", "domicile")
