"""The people around a young person, round 4 (December 2026): a plain call with his teacher
is support to her, a call about an event of his path (``cue|path``) coordination; a missed
home visit, a home visit with him, a meeting between the CMP and the DITEP, a leisure
centre's team trained, a school head advised."""

from __future__ import annotations

from functools import partial

from agenda_ingest.classification.links import cue_codes
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, professional_entry

# The young person absent unless said otherwise (calls and meetings about him).
_entry = partial(professional_entry, present=0)


def test_the_description_says_an_event_of_the_path() -> None:
    assert cue_codes("pour caler l'ESS de mars") == ("cue|path",)
    assert cue_codes("retards et absences répétés") == ("cue|path",)
    assert cue_codes("exclusion de 2 jours envisagée") == ("cue|path",)
    assert cue_codes("par tél, incident à la cantine") == ("cue|phone", "cue|path")
    # A young person's essay or a word inside another is not an ESS.
    assert cue_codes("essai de nouvelle place en classe") == ()


def test_a_plain_call_with_the_teacher_is_appui() -> None:
    for summary in (
        "Téléphone maîtresse de Sacha",
        "Appel prof de français - Enzo",
        "Visio CPE lycée Monod (Ilan)",
        "mail + tel école du Port pour Léna",
    ):
        assert activity_and_rule(_entry(summary)) == (
            Activity.APPUI_RESSOURCES,
            "appui-appel-enseignant-pour-un-jeune",
        ), summary


def test_a_call_about_an_event_of_the_path_stays_coordination() -> None:
    # Said in the title.
    assert activity_and_rule(_entry("Tel CPE - exclusion de Noé"))[0] is Activity.COORDINATION
    assert activity_and_rule(_entry("Appel prof principal (absences Malik)"))[0] is (
        Activity.COORDINATION
    )
    # Said in the description only.
    assert activity_and_rule(_entry("Tél. CPE collège Brassens", "préparer l'ESS de Lou")) == (
        Activity.COORDINATION,
        "coordination-appel-enseignant-sujet-decrit",
    )
    # The advice wins over the event.
    assert activity_and_rule(_entry("Tel enseignante de Lou", "conseils après l'incident"))[0] is (
        Activity.APPUI_RESSOURCES
    )
    # The enseignant référent, a réunion, the parents stay coordination.
    assert activity_and_rule(_entry("Tél enseignante référente - Lou"))[0] is Activity.COORDINATION
    assert activity_and_rule(_entry("Réunion prof principal de Lou"))[0] is Activity.COORDINATION
    assert activity_and_rule(_entry("Tel maman Lou"))[0] is Activity.COORDINATION


def test_the_school_social_worker_and_the_house_mistress_are_not_the_teacher() -> None:
    assert activity_and_rule(_entry("tel assistante sociale clg pour Lou"))[0] is (
        Activity.COORDINATION
    )
    assert activity_and_rule(_entry("Point maîtresse de maison - Lou"))[0] is not (
        Activity.APPUI_RESSOURCES
    )


def test_home_visits() -> None:
    missed = _entry("Passage au domicile de Maé (personne)")
    assert activity_and_rule(missed) == (Activity.AMBULATOIRE, "vad-annulee-pour-un-jeune")
    preparing = _entry("Visite au domicile de Jules pour préparer sa synthèse", present=1)
    assert activity_and_rule(preparing) == (Activity.AMBULATOIRE, "vad-preparation-avec-le-jeune")
    foster = _entry("SESSAD domicile Enzo (assistante familiale ASE)", present=1)
    assert activity_and_rule(foster) == (Activity.AMBULATOIRE, "vad-avant-partenaires")
    # The synthesis itself, with him, stays coordination.
    assert activity_and_rule(_entry("Synthèse de Jules", present=1))[0] is Activity.COORDINATION


def test_partners_without_a_young_person() -> None:
    cmp_meeting = _entry("Coordination : rencontre CMP / SESSAD", youth=0)
    assert activity_and_rule(cmp_meeting) == (
        Activity.INSTITUTIONNEL,
        "reunion-soins-partenaires-sans-jeune",
    )
    leisure = _entry("Formation équipe d'animation ALSH des Pins", youth=0)
    assert activity_and_rule(leisure)[0] is Activity.APPUI_RESSOURCES
    head = _entry("Conseil pédagogique avec la directrice école Prévert", youth=0)
    assert activity_and_rule(head)[0] is Activity.APPUI_RESSOURCES
