"""Evenings and nights, tenth round (December 2026): what the clock says and what it does not. The
internat named in an evening session (in the title, "INT", or in the description only:
``cue|internat``) or in a week-end noted in whole days is the night service; the SESSAD named in
the evening, a party with the families, a day of camp and a farm group's animal care are not
nights; a night planned in the young person's own agenda keeps its place when he stayed at home.
Entries in the tests' own words; each pins the activity, the setting (and the rule where it tells)
of one decision, with a case the new rule must not read (docs/classification-rules.md, "Round 10:
evenings and nights — what the clock says and what it does not")."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    timed_entry,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Bruyères, kind: site, aliases: [Les Bruyères]}
  - {name: Maison Le Phare, kind: house, aliases: [Phare, INT Phare]}
  - {name: Maison Les Embruns, kind: house, aliases: [Embruns]}
  - {name: Unité de jour Les Dunes, kind: group, aliases: [UJ Dunes, Dunes]}
  - {name: Bureau infirmier, kind: room, aliases: [infirmerie, bureau IDE]}
  - {name: Salle Goémon, kind: room, aliases: [Goémon]}
partners:
  - {name: Collège Anita Conti, kind: school, aliases: [clg Conti]}
"""

EDUCS = ("éducateur spécialisé", "monitrice éducatrice")


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def _group(
    summary: str,
    location: str = "",
    description: str = "",
    *,
    times: tuple[str, str] = ("18:00", "19:30"),
    youth: int = 5,
    functions: tuple[str, ...] = EDUCS,
    kind: str = "professional",
) -> dict[str, object]:
    return timed_entry(
        summary,
        description,
        location,
        youth=youth,
        present=youth,
        functions=functions,
        kind=kind,
        times=times,
    )


def test_the_internat_named_in_the_evening_is_the_night_whatever_is_done() -> None:
    homework = _group("Soutien devoirs INT Phare", "Phare", times=("18:00", "19:00"))
    assert _read(homework) == ("accueil_nuit", "site", "direct", "soir-de-l-internat-r10")
    pills = _group(
        "Traitements du soir 20h30 INT",
        "infirmerie",
        times=("20:30", "20:45"),
        youth=4,
        functions=("infirmier",),
    )
    assert _read(pills)[:3] == ("accueil_nuit", "site", "direct")
    # The Sunday run back to the internat stays a trip; the semi-internat is the day.
    run = _group("Navette gare -> internat", "Gare de Morlaix", times=("18:00", "18:45"))
    assert _read(run)[0] == "transport"
    semi = _group("Semi-internat : goûter", "UJ Dunes", times=("17:00", "17:30"))
    assert _read(semi)[0] == "accueil_jour"


def test_the_internat_said_in_the_description_only_is_the_night() -> None:
    swim = _group("Piscine", "piscine de Kerlann", "les jeunes de l'internat du Phare")
    assert _read(swim) == ("accueil_nuit", "exterieur", "direct", "soir-de-l-internat-decrit-r10")
    # Without it, the same evening swim is the day unit's (as the wording set's "Soirée bowling").
    day = _group("Piscine", "piscine de Kerlann", "groupe de l'unité de jour")
    assert _read(day)[0] == "accueil_jour"


def test_the_internat_cue_leaves_the_semi_internat_and_other_schools() -> None:
    assert cue_codes("avec les internes du Phare") == ("cue|internat",)
    assert cue_codes("sortie internat, retour 19h") == ("cue|internat",)
    assert cue_codes("jeunes du semi-internat") == ()
    assert cue_codes("pas d'internat ce soir") == ()
    assert cue_codes("Il est à l'internat scolaire du lycée la semaine") == ()


def test_the_internat_week_end_for_a_placed_young_person_is_the_night() -> None:
    entry = timed_entry(
        "Internat WE (ASE, pas de retour)",
        "",
        "Embruns",
        start="2026-03-14",
        end="2026-03-16",
    )
    assert _read(entry) == ("accueil_nuit", "site", "direct", "internat-du-week-end-en-maison-r10")
    # A meeting with the ASE about him stays coordination.
    meeting = timed_entry("Point ASE situation de Malo", "", "Les Bruyères", present=0)
    assert _read(meeting)[0] == "coordination"


def test_the_sessad_named_in_the_evening_is_not_a_night() -> None:
    games = _group(
        "Nuit des jeux - médiathèque (ados SESSAD)",
        "Médiathèque des Capucins",
        times=("18:30", "22:00"),
        youth=4,
    )
    assert _read(games)[:2] == ("ambulatoire", "exterieur")
    assert _read(games)[3] == "soir-du-sessad-r10"
    # The internat's night named with no SESSAD stays the night.
    night = _group("Nuit des jeux internat", "Phare", times=("18:30", "22:00"))
    assert _read(night)[0] == "accueil_nuit"


def test_a_party_with_the_families_in_the_evening_is_the_day() -> None:
    party = _group(
        "Fête de Noël du DITEP (parents invités) 18h-22h",
        "Les Bruyères",
        times=("18:00", "22:00"),
        youth=12,
        kind="establishment",
    )
    assert _read(party) == ("accueil_jour", "site", "direct", "fete-du-soir-avec-les-familles-r10")
    evening = _group("Soirée familles fin d'année", "UJ Dunes", times=("18:00", "21:30"), youth=7)
    assert _read(evening)[:2] == ("accueil_jour", "site")
    # The internat's own evening, no family, stays the night.
    games = _group("Soirée jeux", "Phare", times=("19:00", "22:00"))
    assert _read(games)[0] == "accueil_nuit"


def test_a_day_of_camp_is_the_day_and_a_night_of_camp_the_night() -> None:
    day = _group(
        "MINI-CAMP PLAGE (journée)",
        "Plage du Moulin Blanc",
        times=("09:00", "17:00"),
        youth=6,
    )
    assert _read(day) == ("accueil_jour", "exterieur", "direct", "journee-de-camp-ou-de-sejour-r10")
    night = timed_entry(
        "Mini-camp plage (2 nuits)",
        "",
        "Camping du Moulin Blanc",
        youth=6,
        present=6,
        functions=EDUCS,
        start="2026-04-14T09:00:00",
        end="2026-04-16T17:00:00",
    )
    assert _read(night)[0] == "accueil_nuit"
    # The trip to the camp stays a trip.
    trip = _group("Trajet aller mini-camp", "", times=("08:00", "13:00"), youth=6)
    assert _read(trip)[0] != "accueil_jour"


def test_a_farm_group_caring_for_the_animals_is_the_day_unit() -> None:
    farm = _group(
        "Ferme pédagogique : soins aux chèvres",
        "ferme de Kerbernez",
        times=("10:00", "12:00"),
    )
    assert _read(farm) == ("accueil_jour", "exterieur", "direct", "soins-aux-animaux-en-groupe-r10")
    # One young person with one professional at the farm is an individual mediation.
    alone = timed_entry(
        "Médiation animale - soins aux chèvres - Malo",
        "",
        "ferme de Kerbernez",
        functions=("éducateur spécialisé",),
        times=("10:00", "11:00"),
    )
    assert _read(alone)[0] == "ambulatoire"


def test_a_night_planned_in_his_agenda_stays_at_the_ditep_when_he_stayed_home() -> None:
    sick = youth_agenda_entry(
        "INT Phare",
        "",
        "absent : fièvre, reste chez sa mère",
        present=0,
        start="2026-03-10T17:00:00",
        end="2026-03-11T08:30:00",
    )
    assert _read(sick) == (
        "accueil_nuit",
        "site",
        "direct",
        "nuit-prevue-reste-chez-lui-agenda-jeune-r10",
    )
    bare = youth_agenda_entry(
        "Internat",
        "",
        "malade, resté chez son père",
        present=0,
        start="2026-03-10T17:00:00",
        end="2026-03-11T08:30:00",
    )
    assert _read(bare)[:2] == ("accueil_nuit", "site")
    # His night at home said in the title is his own time, not the internat.
    home = youth_agenda_entry(
        "Nuit en famille (pas d'internat)",
        "",
        "chez sa mère",
        start="2026-03-12T17:00:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(home)[3] != "nuit-prevue-reste-chez-lui-agenda-jeune-r10"
    assert _read(home)[0] != "accueil_nuit"


def test_a_recovered_evening_is_the_professionals_leave() -> None:
    entry = timed_entry(
        "Récup (veillée du 12)",
        "",
        "",
        youth=0,
        present=0,
        start="2026-03-20",
        end="2026-03-21",
    )
    assert _read(entry)[:3] == ("institutionnel", "inconnu", "institutionnel")
