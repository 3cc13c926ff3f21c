"""Where, round 8 (December 2026), for entries whose activity is right: the DITEP's own name
after a room's use ("self Arcades", "bureau 2 Arcades") or a public kind of place ("terrain de
sport des Arcades"); a care phrase before an own alias naming a district; a supervisor's office;
a room booked for a video meeting against a training about the tool; shopping and forums in
town; the destination of an outing the team prepares; a river named in the title; a group that
no word classifies, out in a town; « SESSAD maison », "<name> maison", « maison » in a young
person's agenda; a missed home visit at a MECS; a home visit in a district named after an own
house; « St » read « saint ». Decision kept: a MECS or a foyer without the young person."""

from __future__ import annotations

from typing import Any

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Arcades, kind: site, aliases: [Les Arcades]}
  - {name: Antenne de Rochefort, kind: site, aliases: [antenne Rochefort]}
  - {name: DITEP Saint-Roch, kind: site, aliases: [St Roch]}
  - {name: Site de Bellevue, kind: site, aliases: [Bellevue]}
  - {name: Maison Capucins, kind: house, aliases: [Capucins]}
  - {name: Groupe Hérons, kind: group, aliases: [Hérons]}
  - {name: Salle Vauban, kind: room, aliases: [Vauban]}
partners:
  - {name: Zoo de la Palmyre, kind: leisure, aliases: [Palmyre]}
  - {name: MECS Les Glycines, kind: establishment, aliases: [Glycines]}
"""

_GROUP = ("éducatrice spécialisée", "moniteur éducateur")


def _read(summary: str, location: str = "", **entry: Any) -> tuple[str, str, str, str]:
    return labels_and_rule(timed_entry(summary, location=location, **entry), _PLACES)


def _setting(summary: str, location: str = "", **entry: Any) -> str:
    return _read(summary, location, **entry)[1]


def test_a_room_named_by_its_use_and_the_ditep_s_name_is_the_site() -> None:
    # "self Micocouliers", "bureau 4 Micocouliers" (CU): a room of the DITEP, whose name
    # without its article ("Arcades" of "Les Arcades") the registry does not list alone.
    assert _read("Temps de repas", "cantine Arcades", youth=10, present=10, functions=_GROUP)[
        :2
    ] == ("accueil_jour", "site")
    assert _read("Réunion de service", "self Arcades", youth=0, present=0, functions=_GROUP)[
        :2
    ] == ("institutionnel", "site")
    assert _setting("Entretien individuel Noé", "bureau 2 Arcades") == "site"
    # A numbered room alone says a room, nobody's in particular; another name, another place.
    assert _setting("Entretien individuel Noé", "Bureau 2") == "inconnu"
    assert _setting("Réunion de service", "self Lycée Camus", youth=0, present=0) != "site"


def test_a_public_kind_of_place_named_after_the_ditep_s_premises_is_its_own() -> None:
    # "plateau sportif Kalbas", "Garage Penn ar Bed" (CR, BR): the DITEP's sports ground.
    group: dict[str, Any] = {"youth": 6, "present": 6, "functions": _GROUP}
    assert _setting("Atelier sport", "terrain de sport des Arcades", **group) == "site"
    # More words: another place; a group's name in a public place's is a district's.
    assert _setting("Atelier sport", "terrain de sport des Arcades, Royan", **group) == "exterieur"
    assert _setting("Atelier sport", "Piscine des Hérons", **group) == "exterieur"


def test_a_care_phrase_before_an_own_alias_is_that_care_place() -> None:
    # "cabinet dentaire Metz-Queuleu" (CQ:122), the site's alias naming its district.
    assert _read("Accompagnement chez le dentiste - Noé", "maison de santé Bellevue")[:2] == (
        "ambulatoire",
        "soins",
    )
    # "cabinet" alone may be the DITEP's own practice ("cabinet ortho Kalbas", CR:126).
    assert _setting("Séance psy Noé", "cabinet psy Bellevue", functions=("psychologue",)) == "site"
    # The municipal health centre is a care place.
    assert _setting("Consultation dentaire Noé", "Centre municipal de santé Saintes") == "soins"


def test_a_supervisor_s_office_is_outside_not_care() -> None:
    # "cabinet du superviseur, Metz" (CQ:236): professional supervision is not care.
    team: dict[str, Any] = {"youth": 0, "present": 0, "functions": _GROUP}
    assert _setting("Supervision des éducateurs", "cabinet du superviseur, Niort", **team) == (
        "exterieur"
    )
    # A doctor's practice stays a care place (round 6: AP's writer, the specification).
    assert _setting("Supervision des éducateurs", "Cabinet Dr Martin", **team) == "soins"


def test_a_room_booked_for_a_video_meeting_is_at_a_distance() -> None:
    # "Réservation salle – ESS Adam (Teams)" (CS:146): the booking says nothing of the session.
    absent: dict[str, Any] = {"present": 0, "functions": _GROUP}
    assert _read("Résa salle - ESS Noé (visio)", "Salle Vauban", **absent)[:2] == (
        "coordination",
        "distance",
    )
    assert _setting("Réservation salle – synthèse Noé", "Salle Vauban", **absent) == "site"


def test_a_training_about_the_video_tool_in_an_own_room_is_there() -> None:
    # "Formation Teams/visio (interne)" at an own room (CS:207).
    team: dict[str, Any] = {"youth": 0, "present": 0, "functions": _GROUP}
    assert _read("Formation visio (en interne)", "Salle Vauban", **team)[:2] == (
        "institutionnel",
        "site",
    )
    # Without a place the tool still says a distance training.
    assert _setting("Formation Zoom – logiciel DUI", **team) == "distance"


def test_shopping_and_a_forum_in_town_are_outside() -> None:
    # "Bus de ville avec les grands - courses au Leclerc" at the town of an antenna (CT:68).
    group: dict[str, Any] = {"youth": 4, "present": 4}
    assert _setting("Tram avec les Hérons - courses au Carrefour", "Rochefort", **group) == (
        "exterieur"
    )
    assert _setting("Hérons - goûter", "Rochefort", **group) == "site"
    # "Accomp. Mathis forum des métiers" at a town (BO:250, BQ:72); a forum theatre is not one.
    assert _setting("Accompagnement forum des métiers - Noé", "Saintes") == "exterieur"
    assert _setting("Théâtre forum", youth=6, present=6, functions=_GROUP) == "site"


def test_the_destination_of_an_outing_the_team_prepares_is_not_its_place() -> None:
    # "Préparation sortie Cerza (résa, devis car)" (CT:231), the zoo a registry partner.
    assert _read("Préparation sortie Palmyre (devis car)", youth=0, present=0)[:2] == (
        "institutionnel",
        "site",
    )
    assert _setting("Sortie Palmyre - Hérons", youth=6, present=6, functions=_GROUP) == (
        "exterieur"
    )


def test_a_river_named_in_the_title_is_outside_a_surname_is_not() -> None:
    # "Rivière Moustique - Jahyan", "Rivière Corossol - Mabouya" at a town (CR:96, CR:41).
    assert _read("Rivière Charente - Noé", "Saintes", description="sortie indiv SESSAD")[:2] == (
        "ambulatoire",
        "exterieur",
    )
    assert _setting("Rivière Charente - Hérons", "Saintes", youth=5, present=5) == "exterieur"
    # "Mme Rivière" is a name; "Trois-Rivières" a town (not corrected to the river).
    assert _setting("ESS Noé avec Mme Rivière", present=0) == "site"
    assert _read("Trajet Trois-Rivières - Saintes")[:2] == ("transport", "inconnu")


def test_a_group_no_word_classifies_at_a_town_is_out() -> None:
    # "Saut de la Lézarde" at "Petit-Bourg" (CR:63): the group fallback's day unit, out.
    assert _read("Anse Caritan", "Sainte-Anne", youth=6, present=6, functions=("agent",)) == (
        "accueil_jour",
        "exterieur",
        "direct",
        "repli-groupe-de-jeunes",
    )


def test_the_home_said_in_few_words() -> None:
    # "SESSAD maison" in the young person's agenda (CU:87).
    assert _read("SESSAD maison", kind="youth")[:2] == ("ambulatoire", "domicile")
    # A town as the title, "<name> maison" as the description (CP:114).
    assert _read("Rochefort", description="Lucas maison") == (
        "ambulatoire",
        "domicile",
        "direct",
        "repli-un-jeune-lieu-connu",
    )
    # « maison » as the place of the young person's agenda (BX:181, CR:207); in a
    # professional's agenda it may be one of the DITEP's houses.
    assert _setting("Rencontre éducatrice", "maison", kind="youth") == "domicile"
    assert _setting("Réunion d'équipe", "maison", youth=0, present=0) != "domicile"


def test_a_missed_home_visit_at_a_mecs_is_at_his_home() -> None:
    # "ANNULÉ VAD Sofiane" at "MECS Le Relais" (CS:95): the visit planned at his home.
    assert _read("VAD Noé annulée", "MECS Les Glycines", present=0) == (
        "ambulatoire",
        "domicile",
        "direct",
        "vad-annulee-pour-un-jeune",
    )
    # Without him and no word of a missed session: a partner's place (rounds 3 to 7).
    assert _setting("Entretien Noé", "MECS Les Glycines", present=0) == "exterieur"
    assert _setting("Entretien Noé", "MECS Les Glycines") == "domicile"


def test_a_home_visit_in_a_district_named_after_an_own_house() -> None:
    # "VAD Inès ❌ personne (porte close)" at "Villeurbanne Tonkin" (CS:93), the house
    # "Tonkin" named after the district; the closed door says he was not there.
    assert _read("VAD Noé - porte close", "Niort Capucins", present=0)[1:3] == (
        "domicile",
        "direct",
    )
    assert _setting("Hérons - soirée", "Capucins", youth=5, present=5, functions=_GROUP) == "site"


def test_st_is_read_saint() -> None:
    # "Saint-Clément" for the alias "St Clément" (CQ:75), and the other way round.
    for place in ("Saint-Roch", "St-Roch"):
        assert _setting("Journée Noé", place, kind="youth", functions=_GROUP) == "site"
