"""The place readings added after the blind sets AQ to AX (December 2026): the DITEP's
generic unit words at a place the registry does not list, the young person's family time,
cues of a call or a home visit in the description."""

from __future__ import annotations

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    compile_rule_set,
    default_rules_text,
    default_with_places,
)
from agenda_ingest.classification.links import cue_codes
from agenda_ingest.classification.places import parse_place_registry
from agenda_ingest.classification.schema import parse_rule_set
from tests.agenda_ingest.classification.reading import setting_of

_PLACES = (
    "own:\n  - {name: DITEP Les Pins, kind: site, aliases: [Les Pins]}\n"
    "  - {name: Les Lucioles, kind: group, aliases: [Lucioles]}\n"
    "partners:\n  - {name: Collège Camus, kind: school, aliases: [clg Camus]}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def test_the_ditep_s_generic_unit_words_are_its_site() -> None:
    rules = _rules()
    meeting = {"summary": "Réunion d'équipe", "professionals": 3}
    # Only words the rules know, a site word among them: the DITEP's own unit.
    for place in ("Semi-internat", "Classe interne", "UE interne", "Salle de réunion"):
        assert setting_of(rules, **meeting, location=place) == "site", place
    # A name of its own: another place, read as before.
    assert setting_of(rules, **meeting, location="DITEP Le Phare") == "exterieur"
    assert setting_of(rules, **meeting, location="Semi-internat Ker Avel") == "exterieur"
    # A room named by a number says nothing of whose it is.
    seen = {"summary": "Entretien Léo", "youth": 1, "professionals": 1}
    assert setting_of(rules, **seen, location="Bureau 4") == "inconnu"


def test_the_teachers_of_the_unit_meet_where_the_place_says() -> None:
    rules = _rules()
    teachers = {"summary": "Réunion des enseignants de l'UE", "professionals": 2}
    assert setting_of(rules, **teachers, location="Classe interne") == "site"
    assert setting_of(rules, **teachers) == "site"
    # The externalised unit (UEE) is in an ordinary school: ``ecole`` (the specification).
    teachers = {"summary": "Réunion des enseignants UEE", "professionals": 2}
    assert setting_of(rules, **teachers) == "ecole"
    # The UEE's school, named or not in the registry: there.
    assert setting_of(rules, **teachers, location="clg Camus") == "ecole"
    assert setting_of(rules, **teachers, location="Collège Jules Ferry") == "ecole"


def test_a_town_named_after_a_group_is_not_the_group() -> None:
    rules = compile_rule_set(
        parse_rule_set(default_rules_text()),
        "test",
        parse_place_registry(
            "own:\n  - {name: Groupe Tille, kind: group, aliases: [Tille]}\n"
            "  - {name: Groupe Les Étangs, kind: group, aliases: [Etangs]}\n"
        ),
    )
    foster = {"summary": "Accueil familial Lou", "youth": 1, "professionals": 1}
    assert setting_of(rules, **foster, location="Is-sur-Tille") == "domicile"
    group = {"summary": "Repas", "youth": 5, "professionals": 2}
    assert setting_of(rules, **group, location="Tille") == "site"
    # The group named by a public word, followed by a name: another place.
    assert setting_of(rules, **group, location="Étangs de la Barette") == "exterieur"
    assert setting_of(rules, **group, location="Etangs") == "site"


def test_a_cafe_named_in_the_title_is_outside() -> None:
    rules = _rules()
    seen = {"youth": 1, "youth_present": 1, "professionals": 1}
    assert setting_of(rules, summary="Suivi Léo - café Le Balto", **seen) == "exterieur"
    # A café the DITEP holds, or the word alone: not a café of the town.
    assert setting_of(rules, summary="Accueil du matin (café parents)", **seen) != "exterieur"


def test_a_call_or_a_home_visit_said_in_the_description() -> None:
    assert cue_codes("tel référente MDPH") == ("cue|phone",)
    assert cue_codes("tél avec la mère + évaluatrice MDPH") == ("cue|phone",)
    # A number to call, an appointment's time, a call for projects: no call.
    assert cue_codes("tél mère 06 12 34 56 78") == ()
    assert cue_codes("tél à 14h") == ()
    assert cue_codes("Appel à projets") == ()
    assert cue_codes("VAD") == ("cue|home",)
    assert cue_codes("suite à la VAD de mardi") == ()
