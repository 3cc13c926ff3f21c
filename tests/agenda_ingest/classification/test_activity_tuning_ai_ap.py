"""The rules whose structure changed after blind sets AI to AP (activity side): the workshop
rule by function, a young person's agenda without a professional, transport named by its
direction, leave."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule


def test_a_moniteur_educateur_is_an_educator_not_a_workshop_technician() -> None:
    alone = {"summary": "Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    # A workshop technician with one young person, nothing else said: the workshop.
    for function in ("moniteur d'atelier", "éducateur technique spécialisé"):
        assert activity_and_rule({**alone, "functions": [function]}) == (
            Activity.ACCUEIL_JOUR,
            "atelier-par-fonction",
        )
    # A moniteur éducateur's home visit is a home visit.
    visit = {**alone, "summary": "VAD Léo", "functions": ["moniteur éducateur"]}
    assert activity_and_rule(visit)[0] is Activity.AMBULATOIRE
    # A daytime group with an educator, nothing else said: the accueil de jour group.
    group = {"summary": "Léo Tom Inès", "youth": 3, "youth_present": 3, "professionals": 1}
    for function in ("moniteur éducateur", "éducatrice spécialisée"):
        assert activity_and_rule({**group, "functions": [function]}) == (
            Activity.ACCUEIL_JOUR,
            "groupe-educatif-par-fonction",
        )
    # At the end of the night (lever, petit déjeuner), the group is not the day's.
    morning = {
        **group,
        "summary": "lever + petit déj",
        "functions": ["moniteur éducateur"],
        "start": "2026-01-12T06:45:00",
        "end": "2026-01-12T08:30:00",
    }
    assert activity_and_rule(morning)[0] is Activity.ACCUEIL_NUIT


def test_a_young_person_s_agenda_without_a_professional() -> None:
    young = {"youth": 1, "youth_present": 1, "professionals": 0, "source_kind": "youth"}
    # The DITEP's own service named: that modality, not hors prestation.
    assert activity_and_rule({**young, "summary": "[SEMI] Journée Lou"})[0] is Activity.ACCUEIL_JOUR
    assert activity_and_rule({**young, "summary": "[SESSAD] Ortho"})[0] is Activity.AMBULATOIRE
    at_sessad = {**young, "summary": "Psychomot", "location": "SESSAD Les Lilas"}
    assert activity_and_rule(at_sessad)[0] is Activity.AMBULATOIRE
    # A place said, or a word of the young person's life outside: hors prestation.
    dentist = {**young, "summary": "Dentiste", "location": "Cabinet Dr Roux"}
    assert activity_and_rule(dentist)[0] is Activity.HORS_PRESTATION
    assert (
        activity_and_rule({**young, "summary": "Anniversaire Noé"})[0] is Activity.HORS_PRESTATION
    )
    # Nothing said, no place: nothing is invented.
    for vague in ("RAS", "xx", "RDV", "A DEPLACER"):
        assert activity_and_rule({**young, "summary": vague})[0] is Activity.UNCLASSIFIED, vague
    # A vague word at a place is still vague.
    moved = {**young, "summary": "à décaler", "location": "Cabinet Dr Roux"}
    assert activity_and_rule(moved)[0] is Activity.UNCLASSIFIED


def test_transport_named_by_its_direction() -> None:
    run = {
        "summary": "Retour Étretat",
        "youth": 5,
        "youth_present": 5,
        "professionals": 2,
        "start": "2026-01-12T16:00:00",
        "end": "2026-01-12T17:30:00",
    }
    assert activity_and_rule(run) == (Activity.TRANSPORT, "transport-aller-retour")
    # Long, it is not a run; calm, a review of the week or an exclusion are no runs either.
    long_day = {
        **run,
        "summary": "Matinée groupe puis retour domicile",
        "end": "2026-01-12T20:00:00",
    }
    assert activity_and_rule(long_day)[0] is not Activity.TRANSPORT
    assert activity_and_rule({**run, "summary": "Retour au calme"})[0] is not Activity.TRANSPORT
    # Without a professional, "retour" needs a means: going home is not a run.
    young = {"youth": 1, "youth_present": 1, "professionals": 0, "source_kind": "youth"}
    assert (
        activity_and_rule({**young, "summary": "Retour en famille"})[0] is Activity.HORS_PRESTATION
    )
    assert activity_and_rule({**young, "summary": "Bus retour - Noah"})[0] is Activity.TRANSPORT


def test_leave_is_institutional_time_flagged_leave_not_a_session_to_review() -> None:
    # Round 3 (docs/classification-rules.md): leave left unclassified filled the review queue.
    alone = {"youth": 0, "professionals": 1, "source_kind": "professional"}
    for leave in ("Congés", "Congé", "RTT", "Récupération", "Arrêt maladie", "CP", "Férié"):
        activity, rule = activity_and_rule({**alone, "summary": leave})
        assert (activity, rule) == (Activity.INSTITUTIONNEL, "conges-et-absences-du-professionnel")
    rtt = default_rule_set().classify(facts_from_entry({**alone, "summary": "RTT"}))
    assert "leave" in rtt.flags
    # A meeting about the CP class or a training stays what it is (read before leave).
    # "Pont" alone is a word of many towns' names, not a bridge day.
    assert activity_and_rule({**alone, "summary": "Visite Pont-Aven"})[1] != rtt.rule_id
    meeting = activity_and_rule({**alone, "professionals": 2, "summary": "Réunion CP"})
    assert meeting == (Activity.INSTITUTIONNEL, "institutionnel")
    work = {**alone, "summary": "Temps administratif / saisie DUI"}
    assert activity_and_rule(work)[0] is Activity.INSTITUTIONNEL
