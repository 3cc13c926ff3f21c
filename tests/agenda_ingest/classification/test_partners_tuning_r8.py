"""Round 8 (December 2026): work with partners, parents and the team when no young person is
present — appui-ressources against coordination, institutional time and ambulatoire. Entries in
the tests' own words; each pins the activity, the setting, the nature and the rule of one
decision (docs/classification-rules.md, "Round 8: partners, parents and the team without the
young person")."""

from __future__ import annotations

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes, Bellevue]}
  - {name: Salle Garonne, kind: room, aliases: [Garonne]}
  - {name: Cabinet orthophonie des Aulnes, kind: room, aliases: [cabinet ortho]}
partners:
  - {name: MECS Les Saules, kind: establishment, aliases: [mecs saules]}
  - {name: Foyer de l'enfance du Val, kind: establishment, aliases: [foyer du Val]}
  - {name: École Prévert, kind: school, aliases: [école élémentaire Prévert]}
  - {name: Collège Condorcet, kind: school, aliases: [clg Condorcet]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, _PLACES)


def test_the_educators_of_the_home_of_a_placed_young_person_are_supported() -> None:
    thinking = timed_entry(
        "Temps de réflexion avec l'équipe éducative du foyer autour de Lucas",
        location="foyer du Val",
        youth=1,
        present=0,
        functions=("psychologue",),
    )
    assert _read(thinking) == (
        "appui_ressources",
        "exterieur",
        "indirect",
        "appui-educateurs-lieu-de-vie-pour-un-jeune-r8",
    )
    short = timed_entry("éducs MECS - situation Inès", location="mecs saules", youth=1, present=0)
    assert _read(short)[:3] == ("appui_ressources", "exterieur", "indirect")
    call = timed_entry("Échange tél éducateur MECS Les Saules / Tom", youth=1, present=0)
    assert _read(call)[:3] == ("appui_ressources", "distance", "indirect")
    # Said "appui": the appui-ressources rule reads it, as before.
    said = timed_entry("Appui éducs MECS - Tom", location="mecs saules", youth=1, present=0)
    assert _read(said)[3] == "appui-ressources"


def test_a_meeting_a_project_or_the_referent_of_the_home_stays_coordination() -> None:
    for title in (
        "Réunion avec l'équipe éducative de la MECS - projet de Lucas",
        "Concertation éducateurs foyer / DITEP - Lucas",
        "Tél éducatrice référente MECS (Tom)",
        "Synthèse Lucas avec les éducs du foyer",
    ):
        entry = timed_entry(title, location="mecs saules", youth=1, present=0)
        assert _read(entry)[0] == "coordination", title
    # The "équipe éducative" alone is the school's meeting about him: coordination.
    school = timed_entry("Équipe éducative Lucas", location="clg Condorcet", youth=1, present=0)
    assert _read(school)[:3] == ("coordination", "ecole", "indirect")


def test_a_feedback_to_the_teacher_is_support_to_the_teacher() -> None:
    week = timed_entry(
        "instit de Nina (retour sur sa semaine)", location="école Prévert", youth=1, present=0
    )
    assert _read(week) == (
        "appui_ressources",
        "ecole",
        "indirect",
        "appui-appel-enseignant-pour-un-jeune",
    )
    # An event of the path said: the coordination of the path.
    exclusion = timed_entry(
        "prof principal de Nina (retour sur l'exclusion)",
        location="clg Condorcet",
        youth=1,
        present=0,
    )
    assert _read(exclusion)[0] == "coordination"


def test_the_analysis_of_practice_of_the_ditep_s_own_educators_is_team_time() -> None:
    own = timed_entry(
        "GAP éducs (analyse des pratiques)",
        "superviseur extérieur",
        location="Garonne",
        youth=0,
        present=0,
        functions=("éducateur spécialisé", "moniteur éducateur", "éducatrice spécialisée"),
    )
    assert _read(own)[:3] == ("institutionnel", "site", "institutionnel")
    # A partner's team named: the support to that team.
    partner = timed_entry(
        "Analyse des pratiques éducs MECS", location="mecs saules", youth=0, present=0
    )
    assert _read(partner)[:3] == ("appui_ressources", "exterieur", "institutionnel")


def test_a_meeting_on_the_transport_contract_is_the_institution_s_time() -> None:
    contract = timed_entry(
        "Réunion transporteurs - renouvellement contrat taxis",
        location="Garonne",
        youth=0,
        present=0,
        functions=("directrice", "secrétaire"),
    )
    assert _read(contract) == (
        "institutionnel",
        "site",
        "institutionnel",
        "reunion-sur-les-transports-sans-jeune-r8",
    )
    # A trip stays a trip; a trip to a meeting keeps its rule.
    trip = timed_entry("Taxi domicile -> DITEP", youth=1, present=1)
    assert _read(trip)[0] == "transport"
    to_meeting = timed_entry("Trajet taxi vers la réunion de réseau", youth=0, present=0)
    assert _read(to_meeting)[3] == "trajet-pour-le-travail-institutionnel"


def test_accompanying_the_young_person_at_his_foster_family_is_ambulatory_support() -> None:
    foster = timed_entry(
        "Accompagnement de Jules chez sa famille d'accueil ASE", youth=1, present=1
    )
    assert _read(foster) == (
        "ambulatoire",
        "domicile",
        "direct",
        "accompagnement-en-famille-d-accueil-r8",
    )
    # The trip there, or a night there, stays its own.
    trip = timed_entry("Accompagnement trajet Jules vers la famille d'accueil", youth=1, present=1)
    assert _read(trip)[0] == "transport"
    night = timed_entry(
        "Accueil familial Jules",
        youth=1,
        present=1,
        functions=("assistante familiale",),
        start="2026-03-12T17:00:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(night)[0] == "accueil_nuit"


def test_pocket_money_shopping_is_no_ase_meeting() -> None:
    shopping = timed_entry(
        "Courses chaussures avec Jules (argent de poche ASE)",
        location="Centre commercial Grand Sud",
        youth=1,
        present=1,
    )
    assert _read(shopping)[:3] == ("ambulatoire", "exterieur", "direct")


def test_class_support_missed_for_a_teachers_strike_stays_the_session() -> None:
    strike = timed_entry(
        "Accompagnement en classe Nina - annulé (grève des enseignants)",
        location="clg Condorcet",
        youth=1,
        present=0,
    )
    assert _read(strike)[:3] == ("ambulatoire", "ecole", "direct")


def test_a_care_practice_named_with_the_ditep_s_district_is_the_care_place() -> None:
    dentist = timed_entry(
        "Accompagnement de Jules chez le dentiste",
        location="cabinet dentaire Bellevue",
        youth=1,
        present=1,
    )
    assert _read(dentist)[:3] == ("ambulatoire", "soins", "direct")
    # The DITEP's own office named "cabinet" stays the DITEP's room.
    office = timed_entry(
        "Ortho Jules", location="cabinet ortho", youth=1, present=1, functions=("orthophoniste",)
    )
    assert _read(office)[:3] == ("ambulatoire", "site", "direct")


def test_the_parents_seen_at_home_without_the_young_person_keep_the_decided_reading() -> None:
    # Writers split evenly over the 65 sets (round 8): coordination-appel-parent is kept.
    parents = timed_entry(
        "VAD parents Jules (Jules au collège)", location="Bellevue", youth=1, present=0
    )
    assert _read(parents)[0] == "coordination"
    assert _read(parents)[3] == "coordination-appel-parent"
