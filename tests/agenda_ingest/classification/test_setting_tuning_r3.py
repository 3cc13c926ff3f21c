"""The place readings added in round 3 on the setting side (December 2026)."""

from __future__ import annotations

from agenda_ingest.classification.engine import CompiledRuleSet, default_with_places
from agenda_ingest.classification.places import parse_place_registry
from tests.agenda_ingest.classification.reading import setting_of

_PLACES = (
    "own:\n  - {name: DITEP Les Quatre Vents, kind: site, aliases: [4V, ITEP Quatre Vents]}\n"
    "  - {name: DITEP Saint-Brieuc, kind: site}\n"
    "  - {name: DITEP Brest, kind: site, aliases: [site Brest]}\n"
    "partners:\n  - {name: Collège Camus, kind: school, aliases: [clg Camus]}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def test_the_site_is_known_without_the_word_naming_the_ditep() -> None:
    rules = _rules()
    meeting = {"summary": "Réunion institutionnelle", "professionals": 6}
    assert setting_of(rules, **meeting, location="Les Quatre Vents") == "site"
    assert setting_of(rules, **meeting, location="Quatre Vents") == "site"
    seen = {"summary": "Ortho Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    assert setting_of(rules, **seen, location="Les Quatre Vents") == "site"
    # A single word left is a town's name as much as the site's: not read so.
    assert setting_of(rules, **seen, location="Brest") == "inconnu"
    assert setting_of(rules, **seen, location="Saint-Brieuc") == "inconnu"


def test_the_forms_without_the_own_word_are_given_once() -> None:
    registry = parse_place_registry(_PLACES)
    names = {
        place_names[0]: place_names
        for _kind, _owner, _setting, place_names in registry.entries(
            None, frozenset({"ditep", "itep"})
        )
    }
    assert names["DITEP Les Quatre Vents"] == (
        "DITEP Les Quatre Vents",
        "4V",
        "ITEP Quatre Vents",
        "Les Quatre Vents",
        "Quatre Vents",
    )
    assert names["DITEP Brest"] == ("DITEP Brest", "site Brest")
    assert names["DITEP Saint-Brieuc"] == ("DITEP Saint-Brieuc",)
    # Without the rule set's own names, nothing is added.
    assert len(registry.entries()[0][3]) == 3


def test_a_place_starting_with_an_outside_word_is_no_school() -> None:
    rules = _rules()
    visit = {"summary": "Visite de stage Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    # A garage in a town whose name says "École": the placement, outside.
    assert setting_of(rules, **visit, location="Garage Peugeot École-Valentin") == "exterieur"
    # A school named as such stays the school.
    assert setting_of(rules, **visit, location="Collège Jean Moulin") == "ecole"


def test_occupational_health_and_a_home_visit_abbreviation() -> None:
    rules = _rules()
    medical = {"summary": "Visite médecine du travail", "professionals": 1}
    assert setting_of(rules, **medical) == "soins"
    assert setting_of(rules, **medical, location="Service de santé au travail Brest") == "soins"
    visit = {"summary": "VD Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    assert setting_of(rules, **visit, location="8 allée des Lilas, Brest") == "domicile"


def test_a_class_going_out_is_where_it_goes() -> None:
    rules = _rules()
    outing = {"summary": "Sortie classe ULIS (château)", "youth": 8, "youth_present": 8}
    assert setting_of(rules, **outing, professionals=2) == "exterieur"
    # A lesson of the school held at a public place stays the school's.
    lesson = {"summary": "Collège - EPS gymnase", "youth": 1, "youth_present": 1}
    assert setting_of(rules, **lesson, source_kind="youth") == "ecole"


def test_a_public_hall_at_a_street_address_is_outside() -> None:
    rules = _rules()
    climbing = {"summary": "Escalade groupe", "youth": 4, "youth_present": 4, "professionals": 2}
    assert setting_of(rules, **climbing, location="Salle Vertigo, 5 rue du Port") == "exterieur"
    # A room at an address without an outside activity stays nobody's in particular.
    meeting = {"summary": "Réunion", "professionals": 3}
    assert setting_of(rules, **meeting, location="Bureau 12, 4 rue Lakanal") == "inconnu"


def test_a_named_market_and_a_walking_talk_are_outside() -> None:
    rules = _rules()
    shopping = {"summary": "Marché des Lices - courses atelier", "youth": 3, "youth_present": 3}
    assert setting_of(rules, **shopping, professionals=1) == "exterieur"
    walk = {"summary": "Entretien en marchant - Léo", "youth": 1, "youth_present": 1}
    assert setting_of(rules, **walk, professionals=1) == "exterieur"
    # A "point marché" names no market.
    assert setting_of(rules, summary="Point marché", professionals=2) != "exterieur"


def test_a_foyer_filed_as_a_social_partner_is_the_young_person_s_home() -> None:
    rules = default_with_places(
        _PLACES + "  - {name: Foyer ASE Les Cèdres, kind: social, aliases: [foyer Cèdres]}\n"
    )
    visit = {"summary": "Visite Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    assert setting_of(rules, **visit, location="Foyer ASE Les Cèdres") == "domicile"
    support = {"summary": "Appui éducs foyer Cèdres", "youth": 1, "youth_present": 0}
    assert setting_of(rules, **support, professionals=1, location="foyer Cèdres") == "exterieur"


def test_cp_alone_in_a_title_is_no_school_class() -> None:
    rules = _rules()
    # "CP" in a professional's agenda: paid leave, no place said.
    assert setting_of(rules, summary="CP", professionals=1) == "inconnu"
    # The class of CP in the place is a school's.
    seen = {"summary": "Inclusion Léo", "youth": 1, "youth_present": 1, "professionals": 1}
    assert setting_of(rules, **seen, location="École Jaurès, CP") == "ecole"


def test_a_form_without_the_own_word_never_takes_a_partner_s_name() -> None:
    registry = parse_place_registry(
        "own:\n  - {name: DITEP Les Tilleuls, kind: site}\n"
        "partners:\n  - {name: Les Tilleuls, kind: establishment}\n"
    )
    own = registry.entries(None, frozenset({"ditep"}))[0][3]
    assert own == ("DITEP Les Tilleuls",)


def test_a_negated_place_word_leaves_the_title_s_other_place_words() -> None:
    rules = _rules()
    evening = {"summary": "Soirée à la maison (pas d'internat)", "youth": 1, "youth_present": 1}
    assert setting_of(rules, **evening, source_kind="youth") == "domicile"
    # The negated word alone still says nothing.
    strike = {"summary": "Pas de collège (grève)", "youth": 1, "youth_present": 1}
    assert setting_of(rules, **strike, source_kind="youth") != "ecole"
