"""The place readings added in round 6 on the setting side (December 2026): the SESSAD named in
the title says who, not where; a home visit at a street address is at home whatever registry
name the address holds; a departmental foyer is where a young person placed lives; "chez
elle" in the description; two outside words (cinoche, boulodrome)."""

from __future__ import annotations

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    default_rule_set,
    default_with_places,
)
from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import professional_entry, setting_of

_PLACES = (
    "own:\n"
    "  - {name: SESSAD Val d'Orge, kind: site, aliases: [SESSAD, antenne Orge]}\n"
    "  - {name: Maison Bellevue, kind: house, aliases: [Bellevue]}\n"
    "  - {name: Studio Marronniers, kind: house, aliases: [Marronniers]}\n"
    "partners:\n"
    "  - {name: Collège Paul Éluard, kind: school}\n"
    "  - {name: Centre hospitalier Sud, kind: care, aliases: [Grigny Sud]}\n"
    "  - {name: Foyer départemental Les Saules, kind: establishment, aliases: [foyer Saules]}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def test_the_sessad_in_the_title_says_who_not_where() -> None:
    rules = _rules()
    # The registry's own alias "SESSAD" and the places word alike: no place said.
    assert setting_of(rules, **professional_entry("SESSAD - Timothée"), location="") == "inconnu"
    assert setting_of(rules, **professional_entry("Educ sessad Noé"), location="") == "inconnu"
    # Another word of the title says where.
    at_school = professional_entry("Sessad Maëva collège")
    assert setting_of(rules, **at_school, location="") == "ecole"
    # The place says where, as before.
    office = professional_entry("SESSAD - Timothée")
    assert setting_of(rules, **office, location="antenne Orge") == "site"
    # The team's meeting (no young person) is at the SESSAD's premises.
    meeting = professional_entry("Réunion équipe SESSAD", youth=0, present=0, professionals=3)
    assert setting_of(rules, **meeting, location="") == "site"


def test_without_a_registry_the_sessad_is_its_premises() -> None:
    # Without a registry, "SESSAD" is the only name of its premises the rules have.
    entry = professional_entry("SESSAD - Timothée")
    assert setting_of(default_rule_set(), **entry, location="") == "site"


def test_a_home_visit_at_a_street_address_is_at_home() -> None:
    rules = _rules()
    # A house of the DITEP named after the district, a care partner's district name.
    district = professional_entry("VAD famille Renaud")
    assert setting_of(rules, **district, location="Bellevue, allée des Cerisiers") == "domicile"
    street = professional_entry("Visite à domicile Lenny")
    assert setting_of(rules, **street, location="rue des Marronniers, Évry") == "domicile"
    care = professional_entry("VAD annulée - Lenny absent", present=0)
    assert setting_of(rules, **care, location="Grigny Sud, avenue Lénine") == "domicile"
    # Without a home word, the registry's place stays; a stay "chez" a baker is the baker's.
    assert setting_of(rules, **professional_entry("Soirée"), location="Bellevue") == "site"
    baker = professional_entry("Stage chez le boulanger")
    assert setting_of(rules, **baker, location="Bellevue, rue du Four") == "site"


def test_a_departmental_foyer_is_where_he_lives() -> None:
    rules = _rules()
    visit = professional_entry("Passage voir Kenzo au foyer")
    assert setting_of(rules, **visit, location="foyer Saules") == "domicile"
    # Without him, a meeting with its educators is at a partner's place.
    meeting = professional_entry("Point éducs foyer - Kenzo", present=0)
    assert setting_of(rules, **meeting, location="foyer Saules") == "exterieur"


def test_chez_elle_in_the_description_is_at_home() -> None:
    assert cue_codes("chez elle, lecture + devoirs") == ("cue|home",)
    assert cue_codes("séance chez lui à Corbeil") == ("cue|home",)
    # Calling from home is not a session there; a way home neither.
    assert cue_codes("il appelle de chez lui") == ()
    assert cue_codes("raccompagné chez lui") == ()
    rules = _rules()
    homework = professional_entry("Aide aux devoirs Inaya", "chez elle, maths")
    assert setting_of(rules, **homework, location="") == "domicile"


def test_cinoche_and_boulodrome_are_outside() -> None:
    rules = _rules()
    films = professional_entry("Cinoche avec le groupe", present=5, youth=5, professionals=2)
    assert setting_of(rules, **films, location="") == "exterieur"
    boules = professional_entry("Boulodrome - les petits", present=4, youth=4)
    assert setting_of(rules, **boules, location="") == "exterieur"
