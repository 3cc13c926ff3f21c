"""Evenings and nights at their edges, eighth round (December 2026): the internat's young
people out in the evening before the night window, an own name inside a public place's name,
a vehicle's agenda carrying a group's outing, "la nuit" in a day activity's title, a typo of
the semi-internat, a place that is an own name without its article, and a night noted without
a place whose log names a call or an outing."""

from __future__ import annotations

from agenda_ingest.classification.engine import compile_rule_set, default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.places import parse_place_registry
from agenda_ingest.classification.schema import PlaceReading, parse_rule_set
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts, Genêts]}
  - {name: Antenne de Villefort, kind: site, aliases: [antenne Villefort]}
  - {name: Maison La Fontaine, kind: house, aliases: [la Fontaine]}
  - {name: Le Moulin, kind: house, aliases: [maison du Moulin]}
  - {name: Groupe Hirondelles, kind: group, aliases: [Hirondelles]}
  - {name: Salle Bruyère, kind: room, aliases: [Bruyère]}
partners:
  - {name: Piscine municipale de Villefort, kind: leisure, aliases: [piscine Villefort]}
"""

EVENING, MORNING = "2026-02-10T21:00", "2026-02-11T07:15"


def _pros(count: int = 2) -> tuple[str, ...]:
    return ("moniteur éducateur", "éducatrice spécialisée")[:count]


def test_the_internat_young_people_in_the_evening_before_the_night_window() -> None:
    # « internes » in the title, an evening slot: the internat's evening, even outside.
    pool = timed_entry(
        "Patinoire avec les internes",
        location="Patinoire de Mende",
        youth=5,
        present=5,
        functions=_pros(),
        times=("18:15", "20:00"),
    )
    assert labels_and_rule(pool, PLACES) == (
        "accueil_nuit",
        "exterieur",
        "direct",
        "soiree-des-internes-r8",
    )
    # « soir » in the title, a group from 18:00.
    evening = timed_entry(
        "Piscine du mardi soir",
        location="piscine Villefort",
        youth=4,
        present=4,
        functions=_pros(),
        times=("18:00", "19:30"),
    )
    assert labels_and_rule(evening, PLACES)[::3] == ("accueil_nuit", "soir-d-un-groupe-r8")
    # A day group of the registry from 18:00: the day unit has ended.
    group = timed_entry(
        "Jeux", location="Hirondelles", youth=5, present=5, times=("18:00", "19:00")
    )
    assert labels_and_rule(group, PLACES)[::3] == (
        "accueil_nuit",
        "soir-dans-un-groupe-du-ditep-r8",
    )
    late = timed_entry("Jeux", location="Hirondelles", youth=5, present=5, times=("17:30", "18:30"))
    assert labels_and_rule(late, PLACES)[0] == "accueil_nuit"
    # The same group in the afternoon, or at 17:00, stays the day unit; the evening alone says
    # nothing.
    for times in (("14:00", "15:30"), ("17:00", "18:00")):
        afternoon = timed_entry("Jeux", location="Hirondelles", youth=5, present=5, times=times)
        assert labels_and_rule(afternoon, PLACES)[0] == "accueil_jour", times
    crepes = timed_entry("Soirée gaufres", youth=6, present=6, times=("18:00", "20:30"))
    assert labels_and_rule(crepes, PLACES)[0] == "accueil_jour"
    # A show with the families, a SESSAD group, a run home are not the internat's evening.
    show = timed_entry(
        "Spectacle de fin d'année - les familles invitées",
        location="Salle Bruyère",
        youth=6,
        present=6,
        functions=_pros(),
        times=("18:30", "20:30"),
    )
    assert labels_and_rule(show, PLACES)[0] == "accueil_jour"
    run = timed_entry("Navette soir internes -> gare", youth=3, present=3, times=("18:00", "18:40"))
    assert labels_and_rule(run, PLACES)[0] == "transport"


def test_an_own_group_named_inside_a_public_place_is_that_place() -> None:
    bowling = timed_entry(
        "Bowling",
        location="Mende Hirondelles bowling",
        youth=5,
        present=5,
        functions=_pros(),
        times=("19:00", "21:30"),
    )
    assert labels_and_rule(bowling, PLACES)[:2] == ("accueil_nuit", "exterieur")
    # Without another name the public word says what is done in the own room.
    climbing = timed_entry("Grimpe", location="Bruyère - escalade", youth=4, present=4)
    assert labels_and_rule(climbing, PLACES)[:2] == ("accueil_jour", "site")
    # The premises as a whole keep their garage.
    garage = timed_entry("Atelier vélo", location="antenne Villefort - garage", youth=3, present=3)
    assert labels_and_rule(garage, PLACES)[1] == "site"


def test_a_vehicle_booked_for_a_groups_outing_is_the_outing() -> None:
    outing = timed_entry(
        "Minibus - sortie lac de Naussac Hirondelles",
        youth=6,
        present=6,
        functions=_pros(),
        kind="establishment",
        times=("13:30", "16:00"),
    )
    assert labels_and_rule(outing, PLACES)[::3] == ("accueil_jour", "vehicule-sortie-de-groupe-r8")
    # The half-hour run to the pool, the way back, the van booked: the trip.
    for summary, times in (
        ("Minibus - piscine", ("13:30", "14:00")),
        ("Minibus - retour sortie parc", ("16:00", "17:45")),
        ("Minibus réservé - sortie parc", ("13:30", "16:00")),
    ):
        trip = timed_entry(
            summary, youth=6, present=6, functions=_pros(), kind="establishment", times=times
        )
        assert labels_and_rule(trip, PLACES)[0] == "transport", summary


def test_the_night_in_a_day_activitys_title_and_a_typo_of_the_semi_internat() -> None:
    for summary in ("Atelier dessin « La nuit des comètes »", "Lecture « la nuit au zoo »"):
        workshop = timed_entry(summary, location="Salle Bruyère", youth=5, present=5)
        assert labels_and_rule(workshop, PLACES)[0] == "accueil_jour", summary
    day = timed_entry(
        "Sem-internat Hirondelles",
        functions=_pros(),
        kind="youth",
        times=("09:00", "16:30"),
    )
    assert labels_and_rule(day, PLACES)[0] == "accueil_jour"
    # A real night keeps its words.
    night = timed_entry("Nuit au Moulin", youth=4, present=4, start=EVENING, end=MORNING)
    assert labels_and_rule(night, PLACES)[:2] == ("accueil_nuit", "site")


def test_a_place_that_is_an_own_name_without_its_article() -> None:
    watch = timed_entry(
        "RAS, tous couchés 22h",
        location="Moulin",
        youth=6,
        present=6,
        functions=("veilleur de nuit",),
        start=EVENING,
        end=MORNING,
    )
    assert labels_and_rule(watch, PLACES)[:2] == ("accueil_nuit", "site")
    # In a longer place the article stays needed: a mill of the town.
    mill = timed_entry("Visite", location="Moulin de Chabrits", youth=4, present=4)
    assert labels_and_rule(mill, PLACES)[1] != "site"
    # Without the place_reading section the reading is not made: a place it does not know.
    assert PlaceReading().name_articles == []
    plain = compile_rule_set(
        parse_rule_set(
            "rules:\n  - {id: nuit, explanation: la nuit, when: {youth: {min: 1}},"
            " then: {activity: accueil_nuit}}\n"
        ),
        "plain",
        parse_place_registry(PLACES),
    )
    assert plain.classify(facts_from_entry(watch)).setting is Setting.INCONNU


def test_a_night_noted_without_a_place_is_at_the_ditep() -> None:
    for summary in (
        "Nuit Moulin : Kylian malade - appel maman 6h30",
        "La Fontaine (retour 19h du cinéma)",
        "Internat - Lou absente (restée en famille)",
    ):
        night = timed_entry(
            summary, youth=5, present=5, functions=_pros(), start="2026-02-10T18:00", end=MORNING
        )
        assert labels_and_rule(night, PLACES)[::3] == (
            "accueil_nuit",
            "nuit-sans-lieu-au-ditep-r8",
        ), summary
        assert labels_and_rule(night, PLACES)[1] == "site", summary
    # The night watcher's call in the night window, no place: the night, at the DITEP.
    call = timed_entry(
        "Nuit agitée - appel cadre d'astreinte 1h30",
        youth=1,
        present=1,
        functions=("surveillante de nuit",),
        start="2026-02-11T01:20",
        end="2026-02-11T02:00",
    )
    assert labels_and_rule(call, PLACES)[:2] == ("accueil_nuit", "site")
    # A stay named, or a place given, keeps its reading.
    stay = timed_entry(
        "Séjour neige - nuit", youth=5, present=5, functions=_pros(), start=EVENING, end=MORNING
    )
    assert labels_and_rule(stay, PLACES)[:2] == ("accueil_nuit", "exterieur")
    lodge = timed_entry(
        "Veille", location="Gîte du Mont Lozère", youth=5, present=5, start=EVENING, end=MORNING
    )
    assert labels_and_rule(lodge, PLACES)[:2] == ("accueil_nuit", "exterieur")


def test_the_located_condition_needs_a_word_in_the_place() -> None:
    rules = default_rule_set()
    entry = timed_entry("Nuit", youth=3, present=3, start=EVENING, end=MORNING)
    assert rules.classify(facts_from_entry(entry)).rule_id == "nuit-sans-lieu-au-ditep-r8"
    located = {**entry, "location": "Gîte des Bouviers"}
    got = rules.classify(facts_from_entry(located))
    assert (got.activity, got.setting) == (Activity.ACCUEIL_NUIT, Setting.EXTERIEUR)
