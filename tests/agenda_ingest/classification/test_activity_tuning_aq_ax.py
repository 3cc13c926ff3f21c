"""The rules whose structure changed after blind sets AQ to AX (activity side): an outing in a
young person's own agenda, the DITEP's group there without a professional, the UEE with and
without pupils, a short drive, a therapist's interview at the internat, a week-end in an
internat house."""

from __future__ import annotations

from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site}
  - {name: Maison des Saules, kind: house, aliases: [Saules]}
  - {name: Groupe Cigales, kind: group, aliases: [Cigales]}
  - {name: Bureau de la psychologue, kind: room, aliases: [bureau psy]}
partners: []
"""


def test_an_outing_in_a_young_person_s_own_agenda_is_the_day_group_s() -> None:
    # In his own agenda the young-people count is his own: the group size cannot be read.
    outing = {
        "summary": "Sortie luge",
        "youth": 1,
        "youth_present": 1,
        "professionals": 2,
        "functions": ["éducateur spécialisé", "moniteur éducateur"],
        "source_kind": "youth",
    }
    assert activity_and_rule(outing) == (Activity.ACCUEIL_JOUR, "sortie-de-groupe-agenda-du-jeune")
    # An individual support named stays ambulatoire.
    for summary in ("SESSAD - sortie médiathèque", "Accompagnement club de judo (inclusion)"):
        assert activity_and_rule({**outing, "summary": summary})[0] is Activity.AMBULATOIRE, summary
    # In a professional's agenda, one young person at the pool is an individual outing.
    alone = {**outing, "summary": "Piscine", "source_kind": "professional"}
    assert activity_and_rule(alone) == (Activity.AMBULATOIRE, "sortie-individuelle")


def test_the_ditep_s_own_group_in_a_young_person_s_agenda_without_a_professional() -> None:
    young = {"youth": 1, "youth_present": 1, "professionals": 0, "source_kind": "youth"}
    day = {**young, "start": "2026-01-12T09:00:00", "end": "2026-01-12T16:30:00"}
    assert activity_and_rule({**day, "summary": "Cigales"}, PLACES)[0] is Activity.ACCUEIL_JOUR
    assert activity_and_rule({**day, "summary": "Atelier poterie"})[0] is Activity.ACCUEIL_JOUR
    assert activity_and_rule({**day, "summary": "SI"})[0] is Activity.ACCUEIL_JOUR
    psy = {**young, "summary": "Psy", "location": "bureau psy"}
    assert activity_and_rule(psy, PLACES)[0] is Activity.AMBULATOIRE
    stay = {**young, "summary": "Séjour neige", "location": "Gîte du Lac"}
    assert activity_and_rule(stay)[0] is Activity.ACCUEIL_NUIT
    # The workshop of the vocational school, a stay with the family: his life outside.
    school = {**day, "summary": "Atelier mécanique", "location": "Lycée Jean Moulin"}
    assert activity_and_rule(school)[0] is Activity.HORS_PRESTATION
    family = {**day, "summary": "Séjour chez mamie"}
    assert activity_and_rule(family)[0] is Activity.HORS_PRESTATION


def test_the_uee_needs_pupils_and_is_not_the_drive_there() -> None:
    staff = {
        "summary": "Bilan de fonctionnement UEE",
        "location": "École Pasteur",
        "youth": 0,
        "youth_present": 0,
        "professionals": 2,
        "functions": ["enseignante spécialisée", "cheffe de service"],
    }
    assert activity_and_rule(staff)[0] is Activity.INSTITUTIONNEL
    drive = {
        "summary": "Conduite UEE Pasteur",
        "youth": 4,
        "youth_present": 4,
        "professionals": 1,
        "start": "2026-01-12T08:10:00",
        "end": "2026-01-12T08:30:00",
    }
    assert activity_and_rule(drive) == (Activity.TRANSPORT, "conduite-des-jeunes")
    lesson = {**drive, "summary": "UEE Pasteur", "end": "2026-01-12T11:30:00"}
    assert activity_and_rule(lesson) == (Activity.AMBULATOIRE, "uee")


def test_a_therapist_at_the_internat_and_a_week_end_in_an_internat_house() -> None:
    interview = {
        "summary": "Entretien Noé à l'internat",
        "youth": 1,
        "youth_present": 1,
        "professionals": 1,
        "functions": ["psychologue"],
        "start": "2026-01-12T18:30:00",
        "end": "2026-01-12T19:15:00",
    }
    assert activity_and_rule(interview)[0] is Activity.AMBULATOIRE
    week_end = {
        "summary": "Dimanche Saules : balade",
        "location": "Forêt domaniale",
        "youth": 4,
        "youth_present": 4,
        "professionals": 2,
        "functions": ["éducateur spécialisé", "moniteur éducateur"],
        "start": "2026-01-11T14:00:00",
        "end": "2026-01-11T17:00:00",
    }
    assert activity_and_rule(week_end, PLACES) == (
        Activity.ACCUEIL_NUIT,
        "week-end-en-maison-d-internat",
    )
    # A week-day group outing stays the day's.
    week_day = {**week_end, "summary": "Saules : balade"}
    assert activity_and_rule(week_day, PLACES)[0] is Activity.ACCUEIL_JOUR
