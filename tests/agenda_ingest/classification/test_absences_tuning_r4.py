"""No-shows, cancellations and desk work, round 4 (December 2026): a session planned with a
young person who did not come, or cancelled, keeps the nature ``direct`` (the rule set's
``no_show`` section: title words, the description's ``cue|absent``) and the activity of the
session planned; desk work with no place gets its activity."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import compiled_from_text, default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.links import cue_codes
from agenda_ingest.classification.schema import RuleSetInvalid, parse_rule_set
from ditep_core.nomenclatures import Activity, Nature
from tests.agenda_ingest.classification.reading import activity_and_rule


def _entry(
    summary: str,
    description: str = "",
    *,
    location: str = "",
    youth: int = 1,
    present: int = 0,
    function: str = "éducatrice spécialisée",
    kind: str = "professional",
) -> dict[str, object]:
    return {
        "summary": summary,
        "location": location,
        "description": description,
        "youth": youth,
        "youth_present": present,
        "professionals": 1 if function else 0,
        "functions": [function] if function else [],
        "source_kind": kind,
    }


def _nature(entry: dict[str, object]) -> Nature:
    return default_rule_set().classify(facts_from_entry(entry)).nature


def test_the_description_says_a_no_show() -> None:
    assert cue_codes("pas venue, le taxi n'est pas passé") == ("cue|absent",)
    assert cue_codes("Lou ne s'est pas présentée") == ("cue|absent",)
    assert cue_codes("séance annulée par le père") == ("cue|absent",)
    # At home too: the visit planned there.
    assert cue_codes("personne au domicile, mot laissé") == ("cue|home", "cue|absent")
    assert cue_codes("pas rentrée du week-end, fugue") == ("cue|absent",)
    # A description that says nothing of it.
    assert cue_codes("travail sur les émotions") == ()
    assert cue_codes("Noé présent toute la séance") == ()


@pytest.mark.parametrize(
    ("summary", "description", "location"),
    [
        ("Psychomot Lila - ABS", "", "salle de psychomotricité"),
        ("Séance ortho Noé", "absent, papa a prévenu", "SESSAD"),
        ("VAD famille Martin - annulée", "", "domicile"),
        ("Semi-internat", "absente (rendez-vous dentiste)", "groupe"),
    ],
)
def test_a_no_show_keeps_the_nature_direct(summary: str, description: str, location: str) -> None:
    entry = _entry(summary, description, location=location)
    assert _nature(entry) is Nature.DIRECT


def test_without_a_no_show_word_the_young_person_absent_is_indirect() -> None:
    # A talk with the parents, the young person not there: held, about him.
    assert _nature(_entry("Entretien parents de Lila (sans Lila)")) is Nature.INDIRECT
    # Coordination is never made direct by a cancellation.
    assert _nature(_entry("Synthèse Noé - annulée")) is Nature.INDIRECT


def test_a_missed_session_keeps_its_planned_activity() -> None:
    therapy = _entry("RDV Malo - pas venu", location="bureau", function="psychologue")
    assert activity_and_rule(therapy) == (Activity.AMBULATOIRE, "seance-manquee-un-jeune")
    visit = _entry("Passage domicile Lila (personne)", "porte close")
    assert activity_and_rule(visit) == (Activity.AMBULATOIRE, "vad-annulee-pour-un-jeune")
    school = _entry("SESSAD en classe - Noé - annulé (sortie scolaire)", location="collège")
    assert activity_and_rule(school)[0] is Activity.AMBULATOIRE
    outing = _entry("ANNULÉ - bowling Castors (absents)", youth=5, location="Bowling")
    assert activity_and_rule(outing) == (Activity.ACCUEIL_JOUR, "sortie-annulee-groupe")


def test_desk_work_with_no_place_has_its_activity() -> None:
    writing = _entry("Rédac bilan psychomot L.", youth=0, function="psychomotricienne")
    assert activity_and_rule(writing) == (Activity.INSTITUTIONNEL, "ecrits-sans-jeune")
    files = _entry("Lecture dossiers admission", youth=0, function="cheffe de service")
    assert activity_and_rule(files) == (Activity.INSTITUTIONNEL, "dossiers-sans-jeune")


_SMALL = """
format: ditep-rules/1
no_show:
  activities: [ambulatoire]
  words: [absent]
rules:
  - id: seance
    explanation: une séance
    when: {words: [seance]}
    then: {activity: ambulatoire}
  - id: reunion
    explanation: une réunion
    when: {words: [reunion]}
    then: {activity: coordination}
"""


def test_the_no_show_section_is_data() -> None:
    rules = compiled_from_text(_SMALL, "t")

    def nature(summary: str) -> Nature:
        return rules.classify(facts_from_entry(_entry(summary))).nature

    assert nature("Seance Lou - absent") is Nature.DIRECT
    assert nature("Seance Lou") is Nature.INDIRECT
    # Only the listed activities.
    assert nature("Reunion Lou - absent") is Nature.INDIRECT
    # Without the section, who is present decides.
    without = _SMALL.replace("no_show:\n  activities: [ambulatoire]\n  words: [absent]\n", "")
    plain = compiled_from_text(without, "t")
    assert plain.classify(facts_from_entry(_entry("Seance Lou - absent"))).nature is Nature.INDIRECT


def test_a_no_show_section_needs_words_or_cues() -> None:
    with pytest.raises(RuleSetInvalid):
        parse_rule_set(_SMALL.replace("  words: [absent]\n", ""))
