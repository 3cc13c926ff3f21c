"""The words of the registry's place names and of the DITEP's towns, round 7 (December 2026):
a registry place's name in the title says where, not a trip (« clg Ligne Verte », « école de
la Gare »: no bus line, no station); a place made only of the words of an own site's name
(« Muret » of « Antenne SESSAD de Muret ») or of the own place the title names is the town it
is in: the house or group named in the title is there (``site``)."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import professional_entry, timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes]}
  - {name: Antenne SESSAD de Saint-Gaudens, kind: site, aliases: [antenne Saint-Gaudens]}
  - {name: Groupe Hérons, kind: group, aliases: [Hérons]}
  - {name: Le Studio, kind: house, aliases: [studio, studio Jolimont]}
  - {name: Trafic 1, kind: room, aliases: [Trafic blanc]}
partners:
  - {name: Collège Ligne Verte, kind: school, aliases: [clg Ligne Verte]}
  - {name: École de la Gare, kind: school, aliases: [école Gare]}
"""

_RULES = default_with_places(_PLACES)


def _read(entry: dict[str, object]) -> tuple[Activity, Setting, str]:
    result = _RULES.classify(facts_from_entry(entry))
    return result.activity, result.setting, result.rule_id


def test_a_school_named_line_is_no_bus_line() -> None:
    entry = {
        **professional_entry("ESS clg Ligne Verte - Sacha", present=0, professionals=3),
        "location": "Collège Ligne Verte",
    }
    assert _read(entry)[:2] == (Activity.COORDINATION, Setting.ECOLE)
    # The young person there too: still the meeting, not a trip on a line.
    entry = {**entry, "youth_present": 1}
    assert _read(entry)[0] is not Activity.TRANSPORT


def test_a_school_named_station_is_no_station() -> None:
    entry = {
        **professional_entry("Réunion équipe éducative école de la Gare - Tom", present=0),
        "location": "École de la Gare",
    }
    assert _read(entry)[:2] == (Activity.COORDINATION, Setting.ECOLE)
    # A station the registry does not name stays a trip.
    entry = professional_entry("Aller-retour gare Matabiau - Tom")
    assert _read(entry)[0] is Activity.TRANSPORT


def test_a_vehicle_of_the_registry_keeps_its_trip() -> None:
    entry = {
        **professional_entry("Trafic 1 - ramassage du matin", youth=4, present=4),
        "location": "Trafic 1",
    }
    assert _read(entry)[0] is Activity.TRANSPORT


def test_a_group_in_the_town_of_an_own_antenna_is_there() -> None:
    entry = timed_entry(
        "Groupe Hérons", location="Saint-Gaudens", youth=4, present=4, times=("09:30", "16:00")
    )
    activity, setting, _rule = _read(entry)
    assert (activity, setting) == (Activity.ACCUEIL_JOUR, Setting.SITE)
    assert _RULES.explain(facts_from_entry(entry)).setting_evidence == (
        "summary place «groupe herons», location its town «saint gaudens»"
    )


def test_a_house_at_a_word_of_its_own_alias_is_there() -> None:
    entry = timed_entry(
        "studio", location="Jolimont", kind="youth", functions=(), times=("17:30", "08:15")
    )
    entry["end"] = "2026-03-13T08:15:00"
    assert _read(entry)[:2] == (Activity.ACCUEIL_NUIT, Setting.SITE)


def test_a_town_says_nothing_without_an_own_place_in_the_title() -> None:
    # No house or group named: the town of the antenna is not the antenna ("Suivi" in town).
    entry = timed_entry("Suivi Enzo", location="Saint-Gaudens")
    assert _read(entry)[1] is Setting.INCONNU
    # Another town: the group is out, where is not said.
    entry = timed_entry(
        "Groupe Hérons", location="Montréjeau", youth=4, present=4, times=("09:30", "16:00")
    )
    assert _read(entry)[1] is Setting.INCONNU
