"""Coordination, appui-ressources and ambulatoire around a young person, round 6 (December
2026): an analysis of situation, a co-intervention, advice to a partner's team, an
intervention with a partner's staff are appui-ressources; a staff meeting about a named young
person and his "projet perso" are coordination; where the young person is ("restée en
famille") or a session cancelled by the family is no meeting with the parents."""

from __future__ import annotations

from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, professional_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Ormes, kind: site, aliases: [Les Ormes]}
  - {name: Les Saules, kind: house, aliases: [maison des Saules]}
partners:
  - {name: Collège Camus, kind: school, aliases: [clg Camus]}
  - {name: Centre social du Lac, kind: social, aliases: [CS du Lac]}
"""


def _with(entry: dict[str, object], **more: object) -> dict[str, object]:
    return {**entry, **more}


def test_an_analysis_of_situation_with_a_partner_is_appui() -> None:
    entry = professional_entry("Analyse de situation avec le CPE – Mathis", present=0)
    assert activity_and_rule(entry) == (
        Activity.APPUI_RESSOURCES,
        "appui-analyse-de-situation-pour-un-jeune-r6",
    )
    # "périsco" is the périscolaire.
    entry = professional_entry("Analyse situation équipe périsco - Léna", present=0)
    assert activity_and_rule(entry)[0] is Activity.APPUI_RESSOURCES
    # A synthesis keeps the coordination.
    entry = professional_entry("Synthèse - analyse de situation Mathis", present=0, professionals=3)
    assert activity_and_rule(entry)[0] is Activity.COORDINATION


def test_a_staff_about_a_named_young_person_is_coordination() -> None:
    entry = _with(
        professional_entry("Staff maison des Saules - Inès", present=0, professionals=3),
        location="Les Saules",
    )
    assert activity_and_rule(entry, _PLACES) == (
        Activity.COORDINATION,
        "point-entre-professionnels-pour-un-jeune",
    )


def test_a_co_intervention_with_no_young_person_is_appui() -> None:
    entry = _with(
        professional_entry("Co-animation atelier émotions avec la maîtresse", youth=0, present=0),
        location="Collège Camus",
    )
    assert activity_and_rule(entry, _PLACES) == (
        Activity.APPUI_RESSOURCES,
        "appui-co-intervention-sans-jeune-r6",
    )
    # The DITEP's own teaching unit is no partner.
    entry = professional_entry(
        "Co-intervention UE - préparation", youth=0, present=0, professionals=2
    )
    assert activity_and_rule(entry)[0] is not Activity.APPUI_RESSOURCES


def test_an_intervention_at_a_teachers_council_is_appui_whatever_the_order() -> None:
    entry = professional_entry("Conseil d'école – intervention psy DITEP", youth=0, present=0)
    assert activity_and_rule(entry) == (
        Activity.APPUI_RESSOURCES,
        "appui-intervention-conseil-des-maitres-r6",
    )
    # The council alone stays the teachers' own time.
    entry = professional_entry("Conseil des maîtres", youth=0, present=0)
    assert activity_and_rule(entry)[0] is Activity.INSTITUTIONNEL


def test_advice_to_a_partners_team_is_appui_the_young_person_present_or_not() -> None:
    entry = _with(
        professional_entry("CS du Lac - Noah en groupe + conseils équipe"), location="CS du Lac"
    )
    assert activity_and_rule(entry, _PLACES) == (
        Activity.APPUI_RESSOURCES,
        "appui-conseils-equipe-partenaire-r6",
    )
    entry = professional_entry("Observation cour + conseils à l'équipe", youth=0, present=0)
    assert activity_and_rule(entry)[0] is Activity.APPUI_RESSOURCES


def test_an_intervention_with_a_partners_staff_for_an_absent_young_person_is_appui() -> None:
    entry = professional_entry(
        "Intervention auprès des éducateurs du foyer - situation Lucas", present=0, professionals=2
    )
    assert activity_and_rule(entry) == (
        Activity.APPUI_RESSOURCES,
        "appui-intervention-partenaire-pour-un-jeune-r6",
    )


def test_a_resource_person_at_a_school_is_appui() -> None:
    entry = _with(
        professional_entry("Personne-ressource clg Camus", present=0), location="clg Camus"
    )
    assert activity_and_rule(entry, _PLACES) == (Activity.APPUI_RESSOURCES, "appui-ressources")


def test_a_plain_exchange_with_the_tutor_about_the_placement_is_appui() -> None:
    entry = professional_entry("Tuteur stage Lucas", present=0)
    assert activity_and_rule(entry) == (Activity.APPUI_RESSOURCES, "appui-point-tuteur")
    # A call with him stays the coordination of the path.
    entry = professional_entry("Appel tuteur stage Lucas", present=0)
    assert activity_and_rule(entry)[0] is Activity.COORDINATION


def test_a_partners_forum_with_no_young_person_is_institutional() -> None:
    entry = professional_entry("Forum des partenaires", youth=0, present=0, professionals=2)
    assert activity_and_rule(entry) == (Activity.INSTITUTIONNEL, "partenariat-institutionnel")


def test_the_projet_perso_is_coordination() -> None:
    entry = professional_entry("Projet perso – Yanis", professionals=2, kind="youth")
    assert activity_and_rule(entry) == (Activity.COORDINATION, "coordination")


def test_where_the_young_person_is_or_a_cancellation_is_no_meeting_with_the_parents() -> None:
    entry = _with(
        professional_entry(
            "Les Saules – Emma absente (restée en famille)",
            present=0,
            professionals=2,
            kind="youth",
        ),
        location="Les Saules",
        start="2026-03-11T18:00:00",
        end="2026-03-12T08:00:00",
    )
    assert activity_and_rule(entry, _PLACES)[0] is Activity.ACCUEIL_NUIT
    entry = professional_entry("Séance Amir – annulée par la famille", present=0)
    assert activity_and_rule(entry)[0] is Activity.AMBULATOIRE
    # A call with the mother stays the coordination (116 entries against 23).
    entry = professional_entry("Tél maman Amir - point semaine", present=0)
    assert activity_and_rule(entry) == (Activity.COORDINATION, "coordination-appel-parent")
