"""Round 7 (December 2026): coordination against institutional team time, and the setting of
an individual session with no place. Entries in the tests' own words; each pins the activity,
the setting, the nature and the rule of one decision (docs/classification-rules.md, "Round 7:
coordination against institutional team time, and the setting of a session with no place")."""

from __future__ import annotations

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts]}
  - {name: Antenne SESSAD de Lens, kind: site, aliases: [antenne Lens]}
  - {name: Maison des Hêtres, kind: house, aliases: [Hêtres]}
partners:
  - {name: MECS Les Oliviers, kind: establishment, aliases: [mecs oliviers]}
  - {name: Centre social du Parc, kind: social, aliases: [CS Parc]}
  - {name: CMP enfants de Lens, kind: care, aliases: [CMP Lens]}
"""

_TEAM = ("éducateur spécialisé", "monitrice éducatrice", "psychologue")


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, _PLACES)


def test_a_team_s_coordination_time_with_no_young_person_is_institutional() -> None:
    house = timed_entry(
        "Temps de coordination de l'équipe de la maison",
        location="Hêtres",
        youth=0,
        present=0,
        functions=_TEAM,
    )
    assert _read(house) == (
        "institutionnel",
        "site",
        "institutionnel",
        "coordination-d-equipe-sans-jeune-r7",
    )
    service = timed_entry(
        "Réunion de coordination du SESSAD",
        location="antenne Lens",
        youth=0,
        present=0,
        functions=_TEAM,
    )
    assert _read(service)[:3] == ("institutionnel", "site", "institutionnel")
    assert _read(service)[3] == "coordination-d-equipe-sans-jeune-r7"


def test_a_young_person_s_path_or_a_partner_keeps_the_coordination_rules() -> None:
    # The young person attached: the coordination of his path.
    path = timed_entry(
        "Réunion de coordination internat - Hugo",
        location="Les Genêts",
        youth=1,
        present=0,
        functions=_TEAM,
    )
    assert _read(path)[:3] == ("coordination", "site", "indirect")
    # A path word, a partner, no young person attached: not the team's time by this rule.
    for title in ("Coordination de parcours équipe SESSAD", "Concertation équipe ASE / SESSAD"):
        entry = timed_entry(title, location="Les Genêts", youth=0, present=0, functions=_TEAM)
        assert _read(entry)[3] != "coordination-d-equipe-sans-jeune-r7", title


def test_an_intervention_at_a_partner_for_an_absent_young_person_is_support_to_the_partner() -> (
    None
):
    mecs = timed_entry(
        "intervention les oliviers",
        "échange avec l'équipe éducative de la MECS au sujet de Nina",
        location="mecs oliviers",
        youth=1,
        present=0,
        functions=("psychologue",),
    )
    assert _read(mecs) == (
        "appui_ressources",
        "exterieur",
        "indirect",
        "appui-intervention-partenaire-un-jeune-r7",
    )
    social = timed_entry(
        "Intervention CS (Malik)",
        location="CS Parc",
        youth=1,
        present=0,
        functions=("psychologue",),
    )
    assert _read(social)[:3] == ("appui_ressources", "exterieur", "indirect")
    # At a care partner the coordination with the care stays.
    care = timed_entry(
        "Intervention CMP - Malik",
        location="CMP Lens",
        youth=1,
        present=0,
        functions=("psychologue",),
    )
    assert _read(care)[0] == "coordination"


def test_a_session_at_home_cancelled_is_the_home_visit_not_a_parent_call() -> None:
    cancelled = timed_entry(
        "RDV Lina à domicile – annulé (papa malade)", location="Liévin", youth=1, present=0
    )
    assert _read(cancelled) == ("ambulatoire", "domicile", "direct", "vad-annulee-pour-un-jeune")
    # Not cancelled: the meeting with the mother is the coordination of the path.
    mother = timed_entry("Entretien maman de Lina", location="Les Genêts", youth=1, present=0)
    assert _read(mother)[:3] == ("coordination", "site", "indirect")


def test_an_individual_session_with_no_place_stays_on_site() -> None:
    # Decided in rounds 5 and 6 and recounted in round 7 (45 site against 27 inconnu).
    speech = timed_entry("ortho", youth=1, present=1, functions=("orthophoniste",))
    assert _read(speech)[:3] == ("ambulatoire", "site", "direct")
