"""The place readings added after the blind sets AI to AP (December 2026): a MECS as the
young person's home, desk work's partners, a group's outing, a title's site word at a place
the registry does not know, professionals alone elsewhere, calls said in the description."""

from __future__ import annotations

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    default_rule_set,
    default_with_places,
)
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import setting_of

_PLACES = (
    "own:\n  - {name: DITEP Les Pins, kind: site, aliases: [Les Pins]}\n"
    "  - {name: Les Lucioles, kind: group, aliases: [Lucioles, gpe Lucioles]}\n"
    "  - {name: Internat Les Hérons, kind: house, aliases: [Hérons]}\n"
    "partners:\n  - {name: MECS Saint-Roch, kind: establishment, aliases: [St-Roch]}\n"
    "  - {name: IME Les Sources, kind: establishment, aliases: [IME Sources]}\n"
    "  - {name: MDPH 31, kind: social, aliases: [MDPH]}\n"
    "  - {name: CHU Purpan, kind: care, aliases: [Purpan]}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def test_a_mecs_is_the_young_person_s_home_when_he_is_there() -> None:
    rules = _rules()
    # Named by the registry's alias only ("St-Ex"), or by the words of the place.
    for place in ("St-Roch", "MECS Les Tamaris", "Foyer de l'enfance de Muret"):
        there = {"summary": "Entretien Léo", "location": place, "youth": 1, "professionals": 1}
        assert setting_of(rules, **there) == "domicile"
        # Without him (a meeting, the support to its educators): a partner's place.
        assert setting_of(rules, **{**there, "youth_present": 0}) == "exterieur"
    # A foyer de jeunes travailleurs is not a placement.
    fjt = {"summary": "Entretien Léo", "location": "Foyer de jeunes travailleurs", "youth": 1}
    assert setting_of(rules, **fjt, professionals=1) == "exterieur"


def test_desk_work_names_a_partner_not_the_place() -> None:
    rules = _rules()
    for summary in ("Rédaction rapport MDPH Léo", "Mail IME Sources pour Léo"):
        entry = {"summary": summary, "youth": 1, "youth_present": 0, "professionals": 1}
        assert setting_of(rules, **entry) == "site"
    # A meeting there is there.
    meeting = {"summary": "Réunion IME Sources pour Léo", "youth": 1, "youth_present": 0}
    assert setting_of(rules, **meeting, professionals=2) == "exterieur"


def test_a_group_s_outing_is_outside_and_an_unknown_place_is_not_the_site() -> None:
    rules = _rules()
    group = {"youth": 5, "professionals": 2}
    assert setting_of(rules, summary="Sortie gpe Lucioles", **group) == "exterieur"
    assert setting_of(rules, summary="Atelier Lucioles", **group) == "site"
    # A site word of the title ("internat") at a place the registry does not know.
    night = {**group, "start": "2026-03-10T17:00", "end": "2026-03-11T10:00"}
    assert setting_of(rules, summary="Transfert internat", location="Leucate", **night) == (
        "exterieur"
    )
    assert setting_of(rules, summary="Internat", location="Hérons", **night) == "site"


def test_an_everyday_place_is_outside_whatever_name_follows() -> None:
    rules = _rules()
    entry = {"summary": "Goûter avec Léo", "youth": 1, "professionals": 1}
    for place in ("McDo Purpan", "Snack Chez Ti Louis", "Salle des sports de Hem", "Pathé Wilson"):
        assert setting_of(rules, **entry, location=place) == "exterieur"
    assert setting_of(rules, **entry, location="Laboratoire Cerballiance") == "soins"
    # "École de surf" is a place of leisure, and no school visit.
    surf = {"summary": "Initiation surf", "location": "École de surf", "youth": 4}
    classified = rules.classify(facts_from_entry({**surf, "professionals": 2}))
    assert (classified.activity.value, classified.setting.value) != ("ambulatoire", "ecole")
    assert classified.setting.value == "exterieur"


def test_professionals_alone_at_an_unknown_place_are_elsewhere() -> None:
    rules = _rules()
    meeting = {"summary": "Réunion réseau", "location": "Carcassonne", "professionals": 2}
    assert setting_of(rules, **meeting) == "exterieur"
    assert setting_of(rules, **{**meeting, "youth": 1, "summary": "Séance"}) == "inconnu"
    # Another DITEP, by a name the registry does not know; the DITEP's own gym.
    assert setting_of(rules, **{**meeting, "location": "DITEP Le Phare, Agde"}) == "exterieur"
    gym = {"summary": "Tennis de table", "location": "Gymnase du DITEP", "youth": 4}
    assert setting_of(default_rule_set(), **gym, professionals=1) == "site"


def test_a_call_said_in_the_description_is_at_a_distance() -> None:
    assert cue_codes("par tél avec l'IDE du CMP") == ("cue|phone",)
    assert cue_codes("visio - lien envoyé (Teams)") == ("cue|video",)
    assert cue_codes("tél d'astreinte 06 00 00 00 00") == ()
    # The home said in the description; not the way home.
    assert cue_codes("(à domicile cette semaine)") == ("cue|home",)
    assert cue_codes("chez la grand-mère") == ("cue|home",)
    assert cue_codes("retour à domicile à 17 h, raccompagner chez sa mère") == ()
    rules = _rules()
    entry = {"summary": "Contact CMP pour Léo", "youth": 1, "youth_present": 0}
    codes = list(cue_codes("par téléphone avec la psychologue"))
    assert setting_of(rules, **entry, professionals=1, codes=codes) == "distance"
