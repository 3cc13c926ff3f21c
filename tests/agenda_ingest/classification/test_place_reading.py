"""The rule file's ``place_reading`` section: the words of the finer readings of a place are
data (a numbered room, a workshop place, a team preparing an outing…), none without it."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    compile_rule_set,
    default_rules_text,
)
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.places import parse_place_registry
from agenda_ingest.classification.schema import RuleSetInvalid, parse_rule_set

_CUSTOM = """\
format: ditep-rules/1
places:
  - setting: site
    words: [bureau, salle]
rules:
  - id: tout
    explanation: Toute séance
    when: {youth: {min: 0}}
    then: {activity: accueil_jour}
"""
_READING = """\
place_reading:
  numbered_rooms: true
  number_signs: [n, "no"]
  workshop_places: [atelier]
  workshop_words: [menuiserie, de, la]
"""
_REGISTRY = parse_place_registry("own:\n  - {name: Les Tilleuls, kind: site}\n")


def _compiled(text: str) -> CompiledRuleSet:
    return compile_rule_set(parse_rule_set(text), "test", _REGISTRY)


def _read(rules: CompiledRuleSet, location: str, summary: str = "Séance") -> tuple[str, str]:
    explained = rules.explain(
        facts_from_entry({"summary": summary, "location": location, "youth": 2})
    )
    return explained.classification.setting.value, explained.setting_evidence or ""


def test_a_rule_file_without_the_section_reads_no_numbered_room_nor_workshop_place() -> None:
    rules = _compiled(_CUSTOM)
    assert not parse_rule_set(_CUSTOM).place_reading.workshop_places
    # "Bureau 3" is read as any room the place starts with ("Bureau psy"), not as a
    # numbered room whose owner is unknown.
    assert (
        _read(rules, "Bureau 3")
        == _read(rules, "Bureau psy")
        == (
            "site",
            "location word «bureau»",
        )
    )
    # "Atelier menuiserie" is a place the registry does not know, not a workshop of the house.
    setting, evidence = _read(rules, "Atelier menuiserie")
    assert setting == "inconnu"
    assert "workshop" not in evidence


def test_the_section_of_a_custom_file_gives_the_readings() -> None:
    rules = _compiled(_CUSTOM.replace("rules:\n", _READING + "rules:\n"))
    assert _read(rules, "Bureau 3") == ("inconnu", "a numbered room or an address («bureau»)")
    assert _read(rules, "Bureau n° 3")[0] == "inconnu"
    assert _read(rules, "Bureau psy") == ("site", "location word «bureau»")
    assert _read(rules, "Atelier menuiserie") == ("site", "a workshop place")
    assert _read(rules, "Atelier poterie")[0] == "inconnu"  # not a workshop word here


def test_a_word_added_to_the_default_section_changes_the_reading() -> None:
    text = default_rules_text()
    added = text.replace("workshop_words: [menuiserie,", "workshop_words: [soudure, menuiserie,")
    assert added != text
    assert _read(_compiled(text), "Atelier soudure") != ("site", "a workshop place")
    assert _read(_compiled(added), "Atelier soudure") == ("site", "a workshop place")
    # The team words and the outing words too: without "preparation", a séjour the team
    # prepares is read where the séjour is.
    summary = "Préparation séjour"
    team = {"summary": summary, "location": "", "youth": 0, "professionals": 3}
    without = text.replace("team_words: [preparation, ", "team_words: [")
    assert without != text
    assert (
        _compiled(text).explain(facts_from_entry(team)).setting_evidence
        != _compiled(without).explain(facts_from_entry(team)).setting_evidence
    )


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("place_reading: {street_words: [rue de]}", "place_reading.street_words"),
        ("place_reading: {team_words: [equipe*]}", "place_reading.team_words"),
        ("place_reading: {number_signs: [n, no]}", "place_reading.number_signs.1"),
        ("place_reading: {negations: ['pas*']}", "place_reading.negations"),
        ("place_reading: {contractions: {le: [de la]}}", "place_reading.contractions"),
        ("place_reading: {teams_words: [equipe]}", "place_reading.teams_words"),
        ("place_reading: {numbered_rooms: peut-etre}", "place_reading.numbered_rooms"),
    ],
)
def test_a_bad_section_is_an_error_naming_the_field(section: str, field: str) -> None:
    with pytest.raises(RuleSetInvalid) as raised:
        parse_rule_set(_CUSTOM.replace("rules:\n", section + "\nrules:\n"))
    assert [error.field for error in raised.value.errors] == [field]
    assert f"field {field}:" in str(raised.value)
