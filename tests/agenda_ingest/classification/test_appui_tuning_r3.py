"""Appui-ressources against coordination and institutional time, second round (December
2026): the advice said in the description (``cue|advice``), aménagements for an absent young
person, the schools of a sector, a partner's team trained, the syntheses prepared."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes, merged_cues
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule


def test_the_description_says_advice_or_support() -> None:
    assert cue_codes("conseils aménagements") == ("cue|advice",)
    assert cue_codes("appui référente ASE : conduite à tenir le week-end") == ("cue|advice",)
    assert cue_codes("ligne appui enseignants/directeurs") == ("cue|advice",)
    assert cue_codes("outils pour la gestion des crises") == ("cue|advice",)
    # With a call: both, in their fixed order.
    assert cue_codes("par tél, conseils à la maîtresse") == ("cue|phone", "cue|advice")
    # A council or an adviser is no advice.
    assert cue_codes("conseil de classe du 2e trimestre") == ()
    # (Since round 10 a description starting with « appel » and whom says a call: no advice.)
    assert cue_codes("appel conseillère ML, suite du stage") == ("cue|phone",)
    assert cue_codes("Conseil départemental") == ()
    # A way home does not hide the advice (only the place cues read it).
    assert cue_codes("retour conseils donnés au coach") == ("cue|advice",)
    # Read one DESCRIPTION at a time (the iCal fast path), the cues merge as read together.
    first, second = "conseils à l'AESH", "par tél"
    assert merged_cues(cue_codes(first), cue_codes(second)) == cue_codes(first, second)
    assert cue_codes(first, second) == ("cue|phone", "cue|advice")


def _professional(summary: str, description: str = "", youth: int = 1) -> dict[str, object]:
    return {
        "summary": summary,
        "description": description,
        "youth": youth,
        "youth_present": 0,
        "professionals": 1,
        "functions": ["éducatrice spécialisée"],
        "source_kind": "professional",
    }


def test_a_call_whose_description_gives_advice_is_appui() -> None:
    call = _professional("Appel enseignante de Malo", "quelques conseils pour les temps de récré")
    assert activity_and_rule(call) == (
        Activity.APPUI_RESSOURCES,
        "appui-conseil-decrit-pour-un-jeune",
    )
    # Without the advice, a plain call with the teacher is support to her too (round 4); about an
    # event of his path (absences, an exclusion) it is coordination.
    assert (
        activity_and_rule(_professional("Appel enseignante de Malo"))[0]
        is Activity.APPUI_RESSOURCES
    )
    assert activity_and_rule(_professional("Appel enseignante de Malo", "ses absences"))[0] is (
        Activity.COORDINATION
    )
    # A synthesis or the parents stay what they are, whatever the description.
    synthesis = _professional("Synthèse Malo", "conseils à l'équipe")
    assert activity_and_rule(synthesis)[0] is Activity.COORDINATION


def test_no_young_person_and_advice_described_is_appui_to_a_partner() -> None:
    visio = _professional("Visio foyer Les Ajoncs", "appui : l'accueil d'un nouvel ado", youth=0)
    assert activity_and_rule(visio) == (
        Activity.APPUI_RESSOURCES,
        "appui-conseil-decrit-sans-jeune",
    )
    # The DITEP's own team meeting stays institutional.
    team = _professional("Réunion d'équipe", "outils de suivi", youth=0)
    assert activity_and_rule(team)[0] is Activity.INSTITUTIONNEL


def test_amenagements_for_an_absent_young_person_are_appui() -> None:
    point = _professional("RDV référente handicap du lycée - Malo (aménagements)")
    assert activity_and_rule(point) == (
        Activity.APPUI_RESSOURCES,
        "appui-amenagements-pour-un-jeune",
    )
    ess = _professional("ESS Malo - aménagements")
    assert activity_and_rule(ess)[0] is Activity.COORDINATION


def test_schools_of_a_sector_and_a_school_team_coordinated_are_appui() -> None:
    tour = _professional("Passage dans les écoles du secteur Nord", youth=0)
    assert activity_and_rule(tour) == (Activity.APPUI_RESSOURCES, "appui-ecoles-sans-jeune")
    school = _professional("Coordination avec le directeur de l'école Prévert", youth=0)
    assert activity_and_rule(school) == (
        Activity.APPUI_RESSOURCES,
        "appui-ecole-coordination-sans-jeune",
    )


def test_preparing_the_syntheses_without_a_young_person_is_institutional() -> None:
    planning = _professional("Synthèses : ordre du jour du mois", youth=0)
    assert activity_and_rule(planning) == (
        Activity.INSTITUTIONNEL,
        "preparation-synthese-sans-jeune",
    )
    # Preparing a named young person's synthesis stays coordination.
    assert activity_and_rule(_professional("Prépa synthèse Malo"))[0] is Activity.COORDINATION


def test_troubles_worked_on_with_a_partner_s_staff_are_appui() -> None:
    visio = _professional("Visio conseillères mission locale - troubles psy", youth=0)
    assert activity_and_rule(visio) == (
        Activity.APPUI_RESSOURCES,
        "appui-troubles-equipe-partenaire-sans-jeune",
    )
    # A training the DITEP's own staff follows stays institutional.
    training = _professional("Formation CREAI - troubles du neurodéveloppement", youth=0)
    assert activity_and_rule(training)[0] is Activity.INSTITUTIONNEL


def test_an_ess_in_the_young_person_s_own_agenda_is_coordination() -> None:
    ess = {
        "summary": "ESS Malo",
        "location": "École Prévert",
        "youth": 1,
        "youth_present": 1,
        "professionals": 0,
        "source_kind": "youth",
    }
    # Present, the youth-agenda rule of the same round reads it first; absent, this one.
    assert activity_and_rule(ess) == (Activity.COORDINATION, "reunion-sur-le-jeune-agenda-du-jeune")
    absent = {**ess, "youth_present": 0}
    assert activity_and_rule(absent) == (Activity.COORDINATION, "coordination-agenda-du-jeune")
