"""The rules whose structure changed after blind sets AQ to AX (activity side): learning to
travel against transport, a working meal, a chauffeur's vague entry, a permanence, an
intervention at a school's council, the maître de stage."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import activity_and_rule


def test_learning_to_travel_is_not_a_trip() -> None:
    one = {"youth": 1, "youth_present": 1, "professionals": 1}
    for summary in (
        "Apprentissage bus ligne 12 - Noé",
        "Repérage trajet lycée",
        "Travail déplacements tram",
    ):
        result = default_rule_set().classify(facts_from_entry({**one, "summary": summary}))
        assert (result.activity, result.setting) == (Activity.AMBULATOIRE, Setting.EXTERIEUR)
    # A taxi or a trip alone is still a trip; a trip with a session at its end too.
    for summary in ("Taxi Noé", "Trajet Noé -> CMP", "Taxi séance ortho"):
        assert activity_and_rule({**one, "summary": summary})[0] is Activity.TRANSPORT, summary
    # Online work is no bus line.
    assert activity_and_rule({**one, "summary": "Travail en ligne"})[0] is not Activity.TRANSPORT
    # A trip followed by what is done there, a file about transport: not transport.
    at_school = {**one, "summary": "Noé : trajet + présence en classe", "location": "Collège Zola"}
    assert activity_and_rule(at_school)[0] is Activity.AMBULATOIRE
    absent = {"youth": 1, "youth_present": 0, "professionals": 1}
    assert (
        activity_and_rule({**absent, "summary": "Dossier transport MDPH Noé"})[0]
        is Activity.COORDINATION
    )
    # The taxis leaving the group after the snack: the day group.
    group = {
        "youth": 6,
        "youth_present": 6,
        "professionals": 1,
        "functions": ["moniteur éducateur"],
    }
    assert (
        activity_and_rule({**group, "summary": "Goûter + départ taxis"})[0] is Activity.ACCUEIL_JOUR
    )
    # A professional travelling, nobody with him: transport.
    alone = {"youth": 0, "professionals": 1, "summary": "Déplacement Blagnac"}
    assert activity_and_rule(alone)[0] is Activity.TRANSPORT


def test_meals_fleet_and_vague_entries_without_young_people() -> None:
    team = {"youth": 0, "professionals": 3}
    for summary in ("Repas partenaires ASE / DITEP", "Pause déj équipe + point véhicules"):
        assert activity_and_rule({**team, "summary": summary})[0] is Activity.INSTITUTIONNEL, (
            summary
        )
    # One professional's lunch break is not work: to review.
    assert activity_and_rule({"youth": 0, "professionals": 1, "summary": "Pause déj"})[0] is (
        Activity.UNCLASSIFIED
    )
    # A chauffeur's vague entry says nothing; his tour is a trip.
    driver = {"youth": 0, "professionals": 1, "functions": ["chauffeur"]}
    assert activity_and_rule({**driver, "summary": "xx"})[0] is Activity.UNCLASSIFIED
    assert activity_and_rule({**driver, "summary": "Tournée"})[0] is Activity.TRANSPORT
    # "Cf mail" points to a message: to review.
    assert activity_and_rule({"youth": 0, "professionals": 1, "summary": "Cf mail"})[0] is (
        Activity.UNCLASSIFIED
    )


def test_a_permanence_without_young_people() -> None:
    alone = {"youth": 0, "professionals": 1}
    assert activity_and_rule({**alone, "summary": "Permanence tél parents"}) == (
        Activity.INSTITUTIONNEL,
        "permanence-sans-jeune",
    )
    # A permanence at a school is read by the school's rules.
    assert (
        activity_and_rule({**alone, "summary": "Permanence collège Zola"})[1]
        != "permanence-sans-jeune"
    )


def test_appui_words_that_win() -> None:
    team = {"youth": 0, "professionals": 2}
    # The DITEP's own conseil des maîtres is team time; intervening at a school's is appui.
    assert (
        activity_and_rule({**team, "summary": "Conseil des maîtres"})[0] is Activity.INSTITUTIONNEL
    )
    council = {**team, "summary": "Intervention conseil des maîtres", "location": "École Jaurès"}
    assert activity_and_rule(council)[0] is Activity.APPUI_RESSOURCES
    trainees = {**team, "summary": "Appui équipe ESAT - accueil stagiaires"}
    assert activity_and_rule(trainees)[0] is Activity.APPUI_RESSOURCES
    # Meeting the maître de stage without the young person: appui; a call or a meeting with
    # him stays coordination.
    absent = {"youth": 1, "youth_present": 0, "professionals": 1}
    meeting = {**absent, "summary": "Rencontre maître de stage (futur stage Noé)"}
    assert activity_and_rule(meeting)[0] is Activity.APPUI_RESSOURCES
    call = {**absent, "summary": "Appel maître de stage Noé"}
    assert activity_and_rule(call)[0] is Activity.COORDINATION


def test_appui_to_the_ditep_s_own_teams_is_not_appui_ressources() -> None:
    absent = {"youth": 1, "youth_present": 0, "professionals": 2}
    own = {**absent, "summary": "appui éducs internat : situation Noé"}
    assert activity_and_rule(own)[0] is Activity.COORDINATION
    nobody = {"youth": 0, "professionals": 2, "summary": "Appui équipe internat"}
    assert activity_and_rule(nobody)[0] is Activity.INSTITUTIONNEL
    # A partner's internat (a MECS) is the young person's environment: appui.
    mecs = {**absent, "summary": "Appui équipe internat MECS - situation Noé"}
    assert activity_and_rule(mecs)[0] is Activity.APPUI_RESSOURCES
