"""Coordination against ambulatoire around a young person, and transport, fifth round
(December 2026): a session cancelled by a transport strike stays the planned session, a
no-show said in English is a missed session, a nurse's follow-up or a PPA goal named in an
activity is not a project meeting, and a missed "visite famille" is the home visit."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Nature
from tests.agenda_ingest.classification.reading import activity_and_rule
from tests.agenda_ingest.classification.reading import professional_entry as _entry


def test_a_strike_cancelling_a_session_is_not_transport() -> None:
    night = _entry("Soirée internat annulée - grève des bus", present=0, professionals=2)
    assert activity_and_rule(night)[0] is Activity.ACCUEIL_NUIT
    day = _entry("Accueil de jour ANNULÉ, grève du transport scolaire", youth=4, present=0)
    assert activity_and_rule(day)[0] is Activity.ACCUEIL_JOUR
    # Without the strike, the taxi or the shuttle is still the trip.
    assert activity_and_rule(_entry("Navette Marius vers le collège"))[0] is Activity.TRANSPORT


def test_a_no_show_said_in_english_is_the_missed_session() -> None:
    missed = _entry("RV Hugo - cancelled by mum", present=0)
    assert activity_and_rule(missed) == (Activity.AMBULATOIRE, "seance-manquee-un-jeune")
    moved = _entry("Séance Hugo - no show", "mum called", present=0)
    result = default_rule_set().classify(facts_from_entry(moved))
    assert result.nature is Nature.DIRECT
    # A meeting with the parents that is cancelled stays coordination.
    parents = _entry("Synthèse Hugo - cancelled", present=0, professionals=3)
    assert activity_and_rule(parents)[0] is Activity.COORDINATION


def test_a_nurse_follow_up_or_a_ppa_goal_is_the_session_itself() -> None:
    nurse = _entry("PAP - suivi infirmier de Jade")
    assert activity_and_rule(nurse)[0] is Activity.AMBULATOIRE
    swim = _entry("Escalade avec Noé (objectif du PPA : confiance en soi)")
    assert activity_and_rule(swim)[0] is not Activity.COORDINATION
    # The PPA meeting with the young person and the parents stays coordination.
    meeting = _entry("Bilan PPA avec Noé et ses parents", professionals=2)
    assert activity_and_rule(meeting)[0] is Activity.COORDINATION


def test_a_missed_family_visit_is_the_home_visit() -> None:
    missed = _entry("Visite famille Lilou - pas de réponse", present=0)
    assert activity_and_rule(missed) == (Activity.AMBULATOIRE, "vad-annulee-pour-un-jeune")
    # A visit to the parents that took place, without the young person, stays coordination.
    held = _entry("Visite famille Lilou (parents seuls)", present=0)
    assert activity_and_rule(held)[0] is Activity.COORDINATION
