"""The young person's own time outside the DITEP's service, tenth round (December 2026): a
hospital stay or an emergency visit with no professional (his agenda or the establishment's),
a group at a care place in his agenda, a bare unexcused absence or runaway, a bare « Journée »,
his class with the SESSAD cancelled, the day unit naming his return taxi, « E2C » as a school.
Entries in the tests' own words; each pins the activity, the setting (and a rule where it
tells) of one decision (docs/classification-rules.md, "Round 10: the young person's own time
outside the DITEP's service")."""

from __future__ import annotations

from agenda_ingest.classification.normalise import ABBREVIATIONS
from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    timed_entry,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aubépines, kind: site, aliases: [Les Aubépines]}
  - {name: Groupe Hirondelles, kind: group, aliases: [Hirondelles]}
partners:
  - {name: Maison des adolescents du Val, kind: care, aliases: [MDA Val, MDA]}
  - {name: Centre hospitalier de Vernon, kind: care, aliases: [CH Vernon, hôpital de Vernon]}
  - {name: Collège Jules Ferry, kind: school, aliases: [clg Ferry]}
  - {name: École de la 2e chance de Rouen, kind: training, aliases: [E2C Rouen]}
  - {name: Piscine des Tourelles, kind: leisure, aliases: [piscine Tourelles]}
"""


_youth = youth_agenda_entry


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_a_group_at_a_care_place_in_his_agenda_is_his_own_care() -> None:
    talk = _youth("Groupe ados - MDA", "MDA Val", times=("15:00", "16:30"))
    assert _read(talk)[:2] == ("hors_prestation", "soins")
    assert _read(talk)[3] == "lieu-de-soins-agenda-du-jeune-r10"
    # The day unit's group, at the DITEP or at a public pool, is still the day unit's.
    assert _read(_youth("Groupe Hirondelles", "Hirondelles"))[0] == "accueil_jour"
    pool = _youth("Piscine avec le groupe", "piscine Tourelles")
    assert _read(pool)[:2] == ("accueil_jour", "exterieur")


def test_an_emergency_visit_with_no_professional_is_outside_the_service() -> None:
    fall = _youth("Urgences CH Vernon (chute trottinette)", "CH Vernon", times=("17:00", "21:00"))
    assert _read(fall)[:2] == ("hors_prestation", "soins")


def test_a_hospital_stay_in_the_establishment_agenda_is_outside_the_service() -> None:
    stay = timed_entry(
        "HOSPITALISATION VERNON - L.",
        "",
        "hôpital de Vernon",
        functions=(),
        kind="establishment",
        start="2026-03-02T00:00:00",
        end="2026-03-09T00:00:00",
    )
    assert _read(stay)[:2] == ("hors_prestation", "soins")
    assert _read(stay)[3] == "hospitalisation-sans-professionnel-r10"
    # A visit to him in hospital by an educator is the DITEP's support, not read by it.
    visit = timed_entry("Visite à L. hospitalisé", "", "CH Vernon", times=("15:00", "16:00"))
    assert _read(visit)[0] == "ambulatoire"


def test_a_bare_unexcused_absence_or_runaway_is_outside_the_service() -> None:
    unexcused = _youth(
        "Absent non justifié", start="2026-03-10T00:00:00", end="2026-03-11T00:00:00"
    )
    assert _read(unexcused)[:2] == ("hors_prestation", "inconnu")
    assert _read(unexcused)[3] == "absence-ou-fugue-seule-agenda-du-jeune-r10"
    ran = _youth("En fugue", "", "partie vers 22h, ramenée le matin par la police")
    assert _read(ran)[:2] == ("hors_prestation", "inconnu")
    # A runaway noted on the DITEP's day group keeps the group's time.
    noted = _youth("Hirondelles - absent (fugue)", "Hirondelles", present=0)
    assert _read(noted)[0] == "accueil_jour"


def test_a_bare_day_in_his_agenda_is_to_classify() -> None:
    bare = _youth("Journée", start="2026-03-16T00:00:00", end="2026-03-17T00:00:00")
    assert _read(bare)[0] == "unclassified"
    assert _read(bare)[3] == "journee-seule-agenda-du-jeune-r10"
    # « Journée DITEP » says who: the day unit.
    assert _read(_youth("Journée DITEP", times=("09:00", "16:00")))[0] == "accueil_jour"


def test_his_class_with_the_sessad_cancelled_is_his_own_time() -> None:
    cls = _youth("Collège - cours de maths (SESSAD annulé)", "clg Ferry", times=("08:00", "10:00"))
    assert _read(cls)[:2] == ("hors_prestation", "ecole")
    assert _read(cls)[3] == "cours-sans-le-sessad-agenda-du-jeune-r10"
    # The SESSAD in class, not cancelled, is the DITEP's support.
    held = _youth("SESSAD en classe", "clg Ferry", times=("08:00", "10:00"))
    assert _read(held)[0] == "ambulatoire"


def test_the_day_unit_naming_his_return_taxi_is_the_day_unit() -> None:
    morning = _youth("Semi-internat matin + taxi retour midi", times=("08:45", "12:00"))
    assert _read(morning)[0] == "accueil_jour"
    assert _read(morning)[3] == "accueil-de-jour-puis-taxi-r10"
    # The taxi to the day unit alone is a trip.
    trip = _youth("Taxi retour semi-internat", times=("12:00", "12:40"))
    assert _read(trip)[0] == "transport"


def test_e2c_is_a_school() -> None:
    assert ABBREVIATIONS["e2c"][0] == "ecole"
    course = _youth("E2C", "E2C Rouen", times=("09:00", "16:00"))
    assert _read(course)[:2] == ("hors_prestation", "ecole")
