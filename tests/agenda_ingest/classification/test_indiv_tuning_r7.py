"""Individual support against the day unit, round 7 (December 2026): a workshop or a session
whose title says it is individual ("indiv", "individuel") is ambulatoire; a whole day planned
for young people none of whom came is the day unit's day; a former school that is now one of
the DITEP's buildings is no ordinary school; a day group named in the title at the DITEP's
premises says where the young person is. Decisions kept: the SESSAD's social-skills group, a
call or an interview with the parents, a call with the teacher, a hearing accompanied."""

from __future__ import annotations

from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, timed_entry

_entry = timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: Les Lavandes, kind: site, aliases: [lavandes, ancienne ecole Jules Ferry]}
  - {name: Salle Garrigue, kind: room, aliases: [garrigue]}
  - {name: Groupe Mésanges, kind: group, aliases: [mesanges]}
partners:
  - {name: Collège Frédéric Mistral, kind: school, aliases: [clg Mistral]}
"""


def test_a_workshop_said_individual_is_ambulatoire() -> None:
    activity, rule = activity_and_rule(
        _entry("Atelier modelage en individuel – Lou", location="Salle Garrigue")
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "seance-dite-individuelle-r7")
    activity, rule = activity_and_rule(_entry("Sami : atelier jeux de rôle (indiv.)"))
    assert (activity, rule) == (Activity.AMBULATOIRE, "seance-dite-individuelle-r7")
    # The same workshop for a group, or named for the day unit, stays the day unit.
    activity, _ = activity_and_rule(
        _entry("Atelier modelage groupe Mésanges", youth=4, present=4, location="Salle Garrigue")
    )
    assert activity is Activity.ACCUEIL_JOUR
    activity, _ = activity_and_rule(_entry("Semi-internat : atelier individuel de lecture"))
    assert activity is Activity.ACCUEIL_JOUR


def test_a_day_planned_for_absent_young_people_is_the_day_unit() -> None:
    result = activity_and_rule(
        _entry("Lina absente (rhume)", location="lavandes", present=0, times=("09:00", "16:15")),
        _PLACES,
    )
    assert result == (Activity.ACCUEIL_JOUR, "journee-d-un-jeune-absent-r7")
    # A short session missed stays the session planned (ambulatoire).
    activity, rule = activity_and_rule(
        _entry("Lina absente (rhume)", location="lavandes", present=0), _PLACES
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "seance-manquee-un-jeune")
    # A home visit missed, all morning, stays the home visit.
    activity, _ = activity_and_rule(
        _entry("VAD Lina - personne", present=0, times=("08:30", "14:45"))
    )
    assert activity is Activity.AMBULATOIRE


def test_a_former_school_of_the_ditep_is_no_ordinary_school() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "Français en petit groupe (Inès, Tom, Noé)",
            location="ancienne école Jules Ferry",
            youth=3,
            present=3,
            functions=("enseignante spécialisée",),
        ),
        _PLACES,
    )
    assert activity is Activity.ACCUEIL_JOUR
    assert rule != "ecole-avec-professionnel-par-lieu"
    # An ordinary school the registry does not know is still the school.
    activity, rule = activity_and_rule(
        _entry("Soutien en classe Noé", location="École Victor Hugo"), _PLACES
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "ecole-avec-professionnel-par-lieu")


def test_a_day_group_named_at_the_premises_is_the_day_unit() -> None:
    result = activity_and_rule(
        _entry("Noé avec les mésanges cet après-midi", location="Lavandes", kind="youth"),
        _PLACES,
    )
    assert result == (Activity.ACCUEIL_JOUR, "jour-par-maison")
    # At the premises with no group named, one young person stays the individual fallback.
    activity, _ = activity_and_rule(_entry("Noé cet après-midi", location="Lavandes"), _PLACES)
    assert activity is Activity.AMBULATOIRE


def test_decisions_kept() -> None:
    # The SESSAD's group stays ambulatoire (18 writers' entries against 5; second readers 11-0).
    activity, rule = activity_and_rule(
        _entry("Groupe compétences sociales SESSAD (Lou, Sami, Noé)", youth=3, present=3)
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "sessad-petit-groupe")
    # A call with a parent, the young person absent, stays coordination (128 against 26).
    activity, rule = activity_and_rule(_entry("Appel papa de Sami", present=0))
    assert (activity, rule) == (Activity.COORDINATION, "coordination-appel-parent")
    # A call with the teacher with no subject said stays appui (16 against 9).
    activity, rule = activity_and_rule(_entry("Tél. maîtresse de Lou", present=0))
    assert (activity, rule) == (Activity.APPUI_RESSOURCES, "appui-appel-enseignant-pour-un-jeune")
    # A hearing, accompanied or not, stays coordination (25 against 9).
    activity, rule = activity_and_rule(
        _entry("Accompagnement audience JE – Sami", location="Tribunal judiciaire")
    )
    assert (activity, rule) == (Activity.COORDINATION, "audience-juge")


def test_the_family_said_by_its_adjective_is_the_parents_meeting() -> None:
    activity, rule = activity_and_rule(
        _entry("Entretien familial au domicile (Sami au collège)", location="Lunel", present=0)
    )
    assert (activity, rule) == (Activity.COORDINATION, "coordination-appel-parent")
    # The foster carer's home stays hers: support to her, not a meeting with the parents.
    activity, _ = activity_and_rule(_entry("Appui assistante familiale de Sami", present=0))
    assert activity is Activity.APPUI_RESSOURCES
