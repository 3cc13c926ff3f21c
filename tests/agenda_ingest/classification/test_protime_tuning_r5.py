"""Professional time with no young person, fifth round (December 2026): a partner's actors
trained, a partner's team named by its short name, the welcome of young people at a partner's
(appui-ressources, not institutional time); a vehicle at the garage with nobody and a test
entry (to classify, not anyone's time)."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule


def _no_youth(summary: str, professionals: int = 2, location: str = "") -> dict[str, object]:
    return {
        "summary": summary,
        "location": location,
        "description": "",
        "youth": 0,
        "youth_present": 0,
        "professionals": professionals,
        "functions": ["psychologue", "éducatrice spécialisée"][:professionals],
        "source_kind": "professional",
    }


def test_training_a_partners_actors_is_appui() -> None:
    for summary in (
        "Formation des AED du lycée Jean Moulin",
        "Formation profs LP Colbert - crises en classe",
        "Formation animateurs périscolaire Les Lilas",
    ):
        assert activity_and_rule(_no_youth(summary))[0] is Activity.APPUI_RESSOURCES, summary
    # A training the DITEP's own team follows stays institutional time.
    assert activity_and_rule(_no_youth("Formation IRTS - écrits professionnels"))[0] is (
        Activity.INSTITUTIONNEL
    )
    assert activity_and_rule(_no_youth("Formation interne gestes d'urgence"))[0] is (
        Activity.INSTITUTIONNEL
    )


def test_a_partners_team_named_short_is_appui() -> None:
    for summary in (
        "Visio équipe péda clg Brassens - repères TDAH",
        "Rencontre équipe CS Les Acacias",
        "Centre aéré Les Mouettes - équipe d'anim",
        "Temps avec l'équipe IME Les Saules",
        "Échange animateurs : accueil ados en difficulté",
    ):
        result = activity_and_rule(_no_youth(summary, professionals=1))
        assert result[0] is Activity.APPUI_RESSOURCES, summary
    # The DITEP's own meeting of its teaching team stays institutional time.
    assert activity_and_rule(_no_youth("Réunion équipe pédago UE"))[0] is Activity.INSTITUTIONNEL


def test_a_vehicle_at_the_garage_with_nobody_is_to_classify() -> None:
    alone = _no_youth("Trafic 3 - garage vidange", professionals=0)
    result = default_rule_set().classify(facts_from_entry(alone))
    assert (result.activity, result.rule_id) == (
        Activity.UNCLASSIFIED,
        "vehicule-au-garage-sans-personne-r5",
    )
    assert result.setting.value == "inconnu"
    # With a professional taking it there, it is that professional's time.
    assert activity_and_rule(_no_youth("Trafic 3 - garage vidange", professionals=1))[0] is (
        Activity.INSTITUTIONNEL
    )


def test_a_test_entry_is_to_classify() -> None:
    for summary in ("Essai synchro - test", "Ne pas tenir compte : test agenda"):
        result = activity_and_rule(_no_youth(summary, professionals=0))
        assert result == (Activity.UNCLASSIFIED, "test-a-ne-pas-compter-r5"), summary
