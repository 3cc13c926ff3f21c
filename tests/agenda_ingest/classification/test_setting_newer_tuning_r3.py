"""Own places named by a function and a town, vehicles filed as rooms, registry names in
parts, a home visit in a town named after an outside word (round 3, newer sets)."""

from __future__ import annotations

from typing import Any

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Setting

_PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Alizés - Site de Vierzon, kind: site, aliases: [Alizés]}
  - {name: Site de Bourges - Externat, kind: site, aliases: [Externat Bourges]}
  - {name: Minibus Jumper, kind: room, aliases: [Jumper 8 places]}
  - {name: Atelier mécanique, kind: room, aliases: [garage]}
partners:
  - {name: Auto-école du Cher, kind: training, aliases: [auto-école]}
"""


def _entry(summary: str, location: str, youth: int, professionals: int = 1) -> dict[str, Any]:
    return {
        "summary": summary,
        "location": location,
        "description": "",
        "start": "2026-03-10T14:00:00",
        "end": "2026-03-10T15:30:00",
        "youth": youth,
        "youth_present": youth,
        "professionals": professionals,
        "functions": ["éducateur spécialisé"] * professionals,
        "source_kind": "professional",
    }


def _setting(summary: str, location: str, youth: int, professionals: int = 1) -> Setting:
    rules = default_with_places(_PLACES)
    return rules.classify(facts_from_entry(_entry(summary, location, youth, professionals))).setting


def test_an_office_named_by_its_function_and_an_own_town_is_the_site() -> None:
    assert _setting("Réunion de cadres", "direction Vierzon", 0, 3) is Setting.SITE
    assert _setting("Réunion de cadres", "secrétariat Vierzon", 0, 3) is Setting.SITE
    # A partner's office, by words the own names do not have: not the site.
    assert _setting("Réunion de cadres", "direction Enfance Famille", 0, 3) is not Setting.SITE


def test_a_vehicle_filed_as_an_own_room_is_no_place() -> None:
    assert _setting("Sortie au lac - groupe", "Minibus Jumper", 5, 2) is Setting.EXTERIEUR


def test_an_own_name_in_parts_is_found_by_each_part() -> None:
    assert _setting("Atelier bois", "Site de Bourges", 4, 2) is Setting.SITE


def test_a_home_visit_in_a_town_named_after_an_outside_word_is_at_home() -> None:
    assert _setting("VAD Lou", "Saint-Pierre-la-Mer", 1) is Setting.DOMICILE
    assert _setting("Balade Lou", "Saint-Pierre-la-Mer", 1) is Setting.EXTERIEUR


def test_a_training_partner_named_as_a_driving_school_is_outside() -> None:
    assert _setting("Code de la route avec Lou", "auto-école", 1) is Setting.EXTERIEUR


def test_an_own_room_named_by_a_public_word_then_a_town_is_another_one() -> None:
    # The own workshop "garage"; "Garage du Port, Mehun" is a garage of the town.
    assert _setting("Visite de stage Lou", "Garage du Port, Mehun", 1) is Setting.EXTERIEUR
    assert _setting("Mécanique vélos", "garage", 3, 1) is Setting.SITE
