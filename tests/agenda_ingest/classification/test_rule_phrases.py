"""A rule's phrase holding an abbreviation or an English word is looked for as the agenda's
words are read: spelt out (docs/classification-rules.md, "Words")."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import (
    SessionFacts,
    compile_rule_set,
    default_rule_set,
)
from agenda_ingest.classification.normalise import spelt_phrase
from agenda_ingest.classification.schema import parse_rule_set
from ditep_core.nomenclatures import Activity, Nature

PHRASES = """
format: ditep-rules/1
rules:
  - id: vad-manquee
    explanation: Une visite à domicile manquée
    when: {words: ["visite a dom", "rdv manque"]}
    then: {activity: ambulatoire}
  - id: depart
    explanation: Le départ du week-end, sauf la visite
    when: {words: ["depart we"], unless_words: ["home visit"]}
    then: {activity: transport}
"""


def test_a_phrase_is_spelt_out_word_by_word_and_a_single_word_is_not() -> None:
    assert spelt_phrase(["rdv", "manque"]) == ["rendez", "vous", "manque"]
    assert spelt_phrase(["home", "visit"]) == ["domicile", "visite"]
    assert spelt_phrase(["rdv"]) == ["rdv"]
    assert spelt_phrase(["seance", "manquee"]) == ["seance", "manquee"]


@pytest.mark.parametrize("project", [True, False], ids=["projected", "reference"])
@pytest.mark.parametrize(
    ("summary", "rule_id"),
    [
        ("Visite à dom. Lucas", "vad-manquee"),
        ("Visite a domicile Lucas", "vad-manquee"),
        ("RDV manqué - Emma", "vad-manquee"),
        ("Rendez-vous manqué Emma", "vad-manquee"),
        ("Départ WE Tom", "depart"),
        ("Départ week-end Tom", "depart"),
        ("Départ WE - Home visit Tom", "none"),
        ("Départ", "none"),
    ],
)
def test_a_phrase_with_a_short_form_finds_both_spellings(
    summary: str, rule_id: str, project: bool
) -> None:
    rules = compile_rule_set(parse_rule_set(PHRASES), "test", project=project)
    assert rules.classify(SessionFacts(summary=summary)).rule_id == rule_id


def test_a_missed_appointment_in_the_default_no_show_words_takes_the_no_show_nature() -> None:
    # no_show.words names "rdv manque": a home visit whose young person did not come keeps the
    # nature of the session planned (round 4), whichever way the appointment is written.
    rules = default_rule_set()
    for summary in ("VAD Maëlys - RDV manqué", "VAD Maëlys - rendez-vous manqué"):
        facts = SessionFacts(summary=summary, location="domicile", youth=1, professionals=1)
        got = rules.classify(facts)
        assert (got.activity, got.nature) == (Activity.AMBULATOIRE, Nature.DIRECT), summary
