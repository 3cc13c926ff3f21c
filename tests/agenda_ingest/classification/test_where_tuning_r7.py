"""Where, round 7 (December 2026): the day unit's group at a place the registry does not know
is out in the town (``day_unit_out``), unless the place is named as the DITEP's premises; a
natural site or fishing named in the title says outside, unless the word is the DITEP's own
place named there; « Ferme » alone in a title says no place; « à domicile » says where even
in desk work's words, the young person there. Decisions kept: a MECS or a foyer without the
young person, a vehicle at a garage."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Oliviers, kind: site, aliases: [Les Oliviers]}
  - {name: Maison du Puy Sancy, kind: house, aliases: [Puy Sancy]}
  - {name: Groupe Goélands, kind: group, aliases: [Goélands]}
  - {name: Groupe Calanques, kind: group, aliases: [gpe Calanques, Calanques]}
  - {name: Trafic 1, kind: room}
partners:
  - {name: MECS Les Pins, kind: establishment, aliases: [Les Pins]}
"""

_RULES = default_with_places(_PLACES)
_GROUP = ("éducatrice spécialisée", "moniteur éducateur")


def _read(
    summary: str,
    location: str = "",
    *,
    youth: int = 5,
    present: int | None = None,
    professionals: int = 2,
    times: tuple[str, str] = ("13:30", "16:30"),
) -> tuple[Activity, Setting, str]:
    entry = timed_entry(
        summary,
        location=location,
        youth=youth,
        present=youth if present is None else present,
        functions=_GROUP[:professionals],
        times=times,
    )
    result = _RULES.classify(facts_from_entry(entry))
    return result.activity, result.setting, result.rule_id


def test_the_day_unit_at_a_place_the_registry_does_not_know_is_out() -> None:
    # "Foot salle" at "Five de Bobigny" (CN:55), "Journée gorges de l'Allier - pêche" at a
    # town (CM:30): the group is out, not somewhere unknown.
    assert _read("Basket en salle", "Complexe Léo Valat") == (
        Activity.ACCUEIL_JOUR,
        Setting.EXTERIEUR,
        "groupe-educatif-par-fonction",
    )
    assert _read("Journée découverte", "Saint-Nectaire", times=("09:00", "16:30"))[1] is (
        Setting.EXTERIEUR
    )
    # The group at a vehicle (an own room the registry files) is out too (CK:45).
    assert _read("Sortie grande journée", "Trafic 1", times=("09:00", "16:30"))[1] is (
        Setting.EXTERIEUR
    )


def test_the_day_unit_at_premises_or_with_its_own_name_stays_unknown() -> None:
    # An antenna, an annex or a former school the registry does not know may be the DITEP's.
    assert _read("Jeux de société", "Antenne de Riom")[1] is Setting.INCONNU
    assert _read("Jeux de société", "ancienne école Pasteur")[1] is Setting.INCONNU
    # An own group named in the title with nothing else: where the group is is not said
    # (CM's "Repas + temps calme (Sucs)" at a town, read by another rule).
    assert _read("Goélands - temps calme", "Issoire")[1] is Setting.INCONNU
    # A session of one with a young person at a town stays unknown (his home? his school?).
    activity, setting, _ = _read("Accompagnement éducatif", "Issoire", youth=1, professionals=1)
    assert (activity, setting) == (Activity.AMBULATOIRE, Setting.INCONNU)


def test_a_natural_site_or_fishing_in_the_title_is_outside() -> None:
    # "Puy Mary" (CM:16), "Piton de la Fournaise" (CO:36), "Pêche bord de mer – Papangue"
    # (CO:65, an own house named): outside.
    assert _read("Puy de la Vache", times=("09:00", "16:30"))[1] is Setting.EXTERIEUR
    assert _read("Après-midi pêche – Goélands", "Issoire")[1] is Setting.EXTERIEUR
    assert _read("Piton des Neiges", times=("08:00", "16:00"))[1] is Setting.EXTERIEUR
    # The word inside an own place's name is that place: the house "Puy Sancy" is the site.
    assert _read("Puy Sancy - temps calme")[1] is Setting.SITE
    # Another outside word of the title still says where ("Musée - gpe Calanques").
    assert _read("Musée - gpe Calanques", "Mucem")[1] is Setting.EXTERIEUR
    assert _read("Calanques - après-midi")[1] is Setting.SITE


def test_a_farm_said_alone_in_the_title_is_no_place() -> None:
    # "Ferme : nettoyage box poneys" (CM:142), "Ferme" (CJ:58): the DITEP's farm for their
    # writers (3 of 3); a farm named as the place stays outside, a ferme pédagogique too.
    assert _read("Ferme : nettoyage des box")[1] is Setting.SITE
    assert _read("Atelier animaux", "Ferme de la Butte, Villemomble")[1] is Setting.EXTERIEUR
    assert _read("Ferme pédagogique")[1] is Setting.EXTERIEUR


def test_at_home_says_where_even_in_desk_words() -> None:
    # "Signature PPA à domicile – Yanis" at a town (CO:169), with him and his parents.
    entry = timed_entry(
        "Signature PPA à domicile – Tom", location="Issoire", times=("17:00", "18:00")
    )
    result = _RULES.classify(facts_from_entry(entry))
    assert (result.activity, result.setting) == (Activity.COORDINATION, Setting.DOMICILE)
    # Desk work without him: the title's subject, not the place.
    entry = timed_entry("Rédaction écrits à domicile", present=0, youth=0)
    assert _RULES.classify(facts_from_entry(entry)).setting is not Setting.DOMICILE


def test_decisions_kept_mecs_without_the_young_person_and_a_vehicle_at_a_garage() -> None:
    # A MECS without the young person is a partner's place (63 exterieur, 45 sets, against 17
    # domicile; second readers 21 against 9).
    entry = timed_entry("Synthèse MECS Les Pins – Noa", location="MECS Les Pins", present=0)
    assert _RULES.classify(facts_from_entry(entry)).setting is Setting.EXTERIEUR
    entry = timed_entry("Goûter MECS Les Pins – Noa", location="MECS Les Pins")
    assert _RULES.classify(facts_from_entry(entry)).setting is Setting.DOMICILE
    # A vehicle at a garage with no one: its writers split (4 exterieur, 5 inconnu).
    entry = timed_entry("Trafic 1 - révision", location="Garage Renault, Riom", youth=0, present=0)
    entry["professionals"], entry["functions"] = 0, []
    result = _RULES.classify(facts_from_entry(entry))
    assert (result.rule_id, result.setting) == (
        "vehicule-au-garage-sans-personne-r5",
        Setting.INCONNU,
    )
