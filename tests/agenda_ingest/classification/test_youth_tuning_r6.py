"""What is not DITEP support, sixth round (December 2026): a title made of one vague word only
("RDV", "Point", "x") is to classify whoever is there; a professional's recovery of night or
stay hours is leave, not a night; one young person walking or cycling with a professional is
ambulatoire; the educator said absent in a young person's own agenda leaves his time outside
the DITEP."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.schema import RuleSetInvalid, parse_rule_set
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import activity_and_rule, professional_entry


def _with(summary: str, functions: list[str], youth: int, location: str = "") -> dict[str, object]:
    return {
        "summary": summary,
        "location": location,
        "description": "",
        "youth": youth,
        "youth_present": youth,
        "professionals": len(functions),
        "functions": functions,
        "source_kind": "professional",
    }


def test_a_title_of_one_vague_word_only_is_to_classify() -> None:
    for summary in ("RDV", "Rdv", "rendez-vous", "POINT", "x", "XX", "?? ", "Bloqué"):
        # A therapist and a young person: no session said.
        entry = _with(summary, ["psychomotricienne"], 1)
        assert activity_and_rule(entry) == (Activity.UNCLASSIFIED, "intitule-vague-seul-r6"), (
            summary
        )
        # Two professionals, nobody else: no meeting said either.
        entry = _with(summary, ["éducatrice spécialisée", "cheffe de service"], 0)
        assert activity_and_rule(entry)[0] is Activity.UNCLASSIFIED, summary
    # A driver's bare "x" is no trip.
    assert activity_and_rule(_with("x", ["chauffeur"], 0))[0] is Activity.UNCLASSIFIED


def test_a_vague_word_with_anything_else_is_read_by_the_other_rules() -> None:
    for summary in ("RDV psy", "Point avec Maëlle", "Séance psychomot"):
        assert activity_and_rule(_with(summary, ["psychologue"], 1))[0] is Activity.AMBULATOIRE
    assert activity_and_rule(_with("Point direction", ["directeur", "cheffe de service"], 0))[
        0
    ] is (Activity.INSTITUTIONNEL)
    # A place that says where keeps the other rules: a bare "RDV" at home, a bare "Point" in
    # the meeting room.
    home = _with("RDV", ["éducateur spécialisé"], 1, location="Domicile")
    assert activity_and_rule(home)[0] is Activity.AMBULATOIRE
    room = _with("Point", ["éducateur spécialisé", "psychologue", "cheffe de service"], 0)
    room["location"] = "Salle de réunion"
    assert activity_and_rule(room)[0] is Activity.INSTITUTIONNEL


def test_only_words_takes_whole_words() -> None:
    text = (
        "format: ditep-rules/1\nrules:\n  - id: r\n    explanation: vague\n"
        "    when: {only_words: ['rdv*']}\n    then: {activity: unclassified}\n"
    )
    with pytest.raises(RuleSetInvalid):
        parse_rule_set(text)


def test_recovering_night_or_stay_hours_is_leave_not_a_night() -> None:
    for summary in ("Récup nuit", "récup heures internat", "Récupération heures séjour ski"):
        entry = _with(summary, ["surveillant de nuit"], 0)
        result = default_rule_set().classify(facts_from_entry(entry))
        assert (result.activity, result.setting) == (Activity.INSTITUTIONNEL, Setting.INCONNU)
        assert "leave" in result.flags, summary
    # Fetching a young person is still the trip.
    fetch = professional_entry("récup Lina gare -> internat")
    assert activity_and_rule(fetch)[0] is Activity.TRANSPORT


def test_one_young_person_walking_or_cycling_with_a_professional_is_ambulatoire() -> None:
    for summary in (
        "Marche avec Timothée",
        "Vélo - Léna (voie verte)",
        "Balade et discussion, Sami",
    ):
        result = default_rule_set().classify(facts_from_entry(professional_entry(summary)))
        assert (result.activity, result.setting) == (Activity.AMBULATOIRE, Setting.EXTERIEUR)
    # A group's walk stays the group's day.
    group = professional_entry(
        "Randonnée avec le groupe Mésanges", youth=5, present=5, professionals=2
    )
    assert activity_and_rule(group)[0] is not Activity.AMBULATOIRE


def test_the_educator_said_absent_in_a_youths_own_agenda_is_outside_the_ditep() -> None:
    for summary in ("Classe (sans éduc aujourd'hui)", "Collège - pas d'éducateur ce matin"):
        entry = professional_entry(summary, professionals=0, kind="youth")
        entry["location"] = "collège Jules Ferry"
        assert activity_and_rule(entry)[0] is Activity.HORS_PRESTATION, summary
    # The educator named is still the SESSAD's support.
    entry = professional_entry("Classe avec l'éduc", professionals=0, kind="youth")
    entry["location"] = "collège Jules Ferry"
    assert activity_and_rule(entry)[0] is Activity.AMBULATOIRE
