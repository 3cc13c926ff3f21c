"""The first keyword rules on the examples of the domain's classification table."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import SessionFacts, classify, normalise_words
from ditep_core.nomenclatures import Activity, Nature, Setting

People = tuple[int, int, int]  # young people, of whom present, professionals
DIRECT: People = (1, 1, 1)
INDIRECT: People = (1, 0, 2)
NOBODY: People = (0, 0, 2)


def facts(summary: str, location: str = "", people: People = DIRECT) -> SessionFacts:
    youth, present, professionals = people
    return SessionFacts(
        summary=summary,
        location=location,
        youth=youth,
        youth_present=present,
        professionals=professionals,
    )


@pytest.mark.parametrize(
    ("summary", "location", "people", "expected"),
    [
        (
            "Internat – soirée et coucher",
            "",
            DIRECT,
            (Activity.ACCUEIL_NUIT, Setting.SITE, Nature.DIRECT),
        ),
        (
            "Semi-internat groupe Les Cèdres",
            "",
            DIRECT,
            (Activity.ACCUEIL_JOUR, Setting.SITE, Nature.DIRECT),
        ),
        ("VAD famille X", "", DIRECT, (Activity.AMBULATOIRE, Setting.DOMICILE, Nature.DIRECT)),
        (
            "SESSAD – accompagnement en classe",
            "Collège Jean Moulin",
            DIRECT,
            (Activity.AMBULATOIRE, Setting.ECOLE, Nature.DIRECT),
        ),
        (
            "Séance orthophonie",
            "Bureau SESSAD",
            DIRECT,
            (Activity.AMBULATOIRE, Setting.SITE, Nature.DIRECT),
        ),
        ("Synthèse PPA de Y", "", NOBODY, (Activity.COORDINATION, Setting.SITE, Nature.INDIRECT)),
        ("Synthèse PPA de Y", "", INDIRECT, (Activity.COORDINATION, Setting.SITE, Nature.INDIRECT)),
        (
            "ESS collège Jean Moulin",
            "",
            INDIRECT,
            (Activity.COORDINATION, Setting.ECOLE, Nature.INDIRECT),
        ),
        (
            "Appui équipe enseignante école Jaurès",
            "",
            NOBODY,
            (Activity.APPUI_RESSOURCES, Setting.ECOLE, Nature.INSTITUTIONNEL),
        ),
        (
            "Classe ULIS",
            "",
            (1, 1, 0),
            (Activity.HORS_PRESTATION, Setting.ECOLE, Nature.DIRECT),
        ),
        (
            "Réunion d'équipe pluridisciplinaire",
            "",
            NOBODY,
            (Activity.INSTITUTIONNEL, Setting.SITE, Nature.INSTITUTIONNEL),
        ),
    ],
)
def test_domain_examples(
    summary: str, location: str, people: People, expected: tuple[Activity, Setting, Nature]
) -> None:
    result = classify(facts(summary, location, people))
    assert (result.activity, result.setting, result.nature) == expected
    assert result.rule_id != "none"


def test_transport() -> None:
    assert classify(facts("Taxi domicile → DITEP")).activity is Activity.TRANSPORT


def test_unknown_entry_is_kept_as_unclassified() -> None:
    # Neither a telling word nor anybody known: no rule guesses.
    result = classify(facts("Rdv 14h", people=(0, 0, 0)))
    assert (result.activity, result.rule_id) == (Activity.UNCLASSIFIED, "none")


@pytest.mark.parametrize(
    ("people", "activity", "nature"),
    [
        ((4, 4, 2), Activity.ACCUEIL_JOUR, Nature.DIRECT),
        ((0, 0, 3), Activity.INSTITUTIONNEL, Nature.INSTITUTIONNEL),
    ],
)
def test_without_a_telling_word_a_telling_group_decides_with_low_confidence(
    people: People, activity: Activity, nature: Nature
) -> None:
    result = classify(facts("Créneau du mardi", "Lanvellec", people))
    assert (result.activity, result.nature) == (activity, nature)
    assert result.rule_id.startswith("repli-")
    assert "low_confidence" in result.flags
    assert result.setting is Setting.INCONNU  # a place nobody registered is not the site


@pytest.mark.parametrize(
    ("summary", "people", "nature"),
    [
        ("Créneau du mardi", (1, 1, 1), Nature.DIRECT),
        ("RDV Sarah", (1, 1, 1), Nature.DIRECT),
        ("Nolan", (1, 1, 2), Nature.DIRECT),
        ("Point", (1, 0, 1), Nature.INDIRECT),
        ("Rdv ???", (1, 0, 1), Nature.INDIRECT),
        ("Lucas B.", (2, 0, 1), Nature.INDIRECT),
    ],
)
def test_one_young_person_and_nothing_telling_is_left_for_review(
    summary: str, people: People, nature: Nature
) -> None:
    # Nothing invented: no activity word, no known place, no code, no telling group.
    result = classify(facts(summary, people=people))
    # A title of vague words only ("Point", "Rdv ???") is said so by its rule (round 6).
    vague = "intitule-vague-seul-r6" if summary in ("Point", "Rdv ???") else "none"
    assert (result.activity, result.rule_id) == (Activity.UNCLASSIFIED, vague)
    assert (result.setting, result.nature) == (Setting.INCONNU, nature)


@pytest.mark.parametrize(
    ("summary", "location", "people", "expected"),
    [
        (
            "Créneau du mardi",
            "chez sa grand-mère",
            (1, 1, 1),
            (Activity.AMBULATOIRE, Setting.DOMICILE),
        ),
        ("Nolan", "chez sa tante", (1, 1, 2), (Activity.AMBULATOIRE, Setting.DOMICILE)),
        ("Yanis", "Téléphone", (1, 0, 1), (Activity.COORDINATION, Setting.DISTANCE)),
    ],
)
def test_one_young_person_at_a_known_place_is_a_fallback_with_low_confidence(
    summary: str, location: str, people: People, expected: tuple[Activity, Setting]
) -> None:
    # The place is a real cue: where the DITEP worked with (or for) the young person.
    result = classify(facts(summary, location, people))
    assert (result.activity, result.setting) == expected
    assert result.rule_id.startswith("repli-")
    assert "low_confidence" in result.flags
    # "to be defined" is no place.
    assert classify(facts(summary, "Lieu à définir", people)).activity is Activity.UNCLASSIFIED


def test_words_are_matched_without_case_or_accents_and_whole() -> None:
    assert normalise_words("SÉANCE d'Orthophonie") == " seance d orthophonie "
    # "internat" inside another word is not the word internat.
    # Whole words: "Internationale" is not "internat" (and nothing else tells: unclassified).
    assert classify(facts("Internationale")).activity is Activity.UNCLASSIFIED
    assert classify(facts("INTERNAT")).activity is Activity.ACCUEIL_NUIT


@pytest.mark.parametrize(
    ("summary", "location", "people", "expected"),
    [
        # A meeting, point, call or appointment with a young person's teacher: coordination.
        (
            "Réunion enseignants de Axel",
            "",
            (1, 0, 1),
            ("coordination-enseignants", Activity.COORDINATION),
        ),
        (
            "Point tél. prof de K.",
            "",
            (1, 0, 1),
            # Round 4: a plain call with the teacher is support to her (14 entries against 7).
            ("appui-appel-enseignant-pour-un-jeune", Activity.APPUI_RESSOURCES),
        ),
        (
            "Call teacher re Wassim",
            "",
            (1, 0, 1),
            # Round 4: a plain call with the teacher is support to her (14 entries against 7).
            ("appui-appel-enseignant-pour-un-jeune", Activity.APPUI_RESSOURCES),
        ),
        # Advice or support to the teacher stays appui-ressources, with or without the young person.
        (
            "Conseils enseignante de Enzo",
            "",
            (1, 0, 1),
            ("appui-enseignants", Activity.APPUI_RESSOURCES),
        ),
        (
            "Rencontre enseignants",
            "",
            (0, 0, 1),
            ("appui-enseignants-sans-jeune", Activity.APPUI_RESSOURCES),
        ),
        # A call with a parent is coordination; so is an interview with the parent, the young
        # person absent (decided after AI to AP).
        ("appel maman de Lou", "", (1, 0, 1), ("coordination-appel-parent", Activity.COORDINATION)),
        (
            "Entretien téléphonique avec la mère",
            "",
            (1, 0, 1),
            ("coordination-appel-parent", Activity.COORDINATION),
        ),
        (
            "Guidance parentale à dom.",
            "chez la famille",
            (1, 1, 1),
            ("guidance-parentale", Activity.AMBULATOIRE),
        ),
        (
            "Commission d'admission",
            "Salle Matisse",
            (0, 0, 4),
            ("commission-admission", Activity.INSTITUTIONNEL),
        ),
        (
            "Visite de stage (garage)",
            "Garage Norauto",
            (1, 1, 1),
            ("stage-milieu-ordinaire", Activity.AMBULATOIRE),
        ),
        (
            "ESAT : visite atelier",
            "ESAT",
            (3, 3, 1),
            ("esat-cfa-milieu-ordinaire", Activity.AMBULATOIRE),
        ),
        (
            "Atelier estime de soi (pôle ambu)",
            "",
            (4, 4, 1),
            ("pole-ambulatoire-groupe", Activity.AMBULATOIRE),
        ),
    ],
)
def test_families_of_blind_sets_m_and_n(
    summary: str, location: str, people: People, expected: tuple[str, Activity]
) -> None:
    result = classify(facts(summary, location, people))
    assert (result.rule_id, result.activity) == expected


def test_a_place_to_be_seen_is_setting_inconnu_and_says_nowhere() -> None:
    # "à voir" as the place: the title's outing does not make it exterieur.
    outing = classify(facts("Sortie Dylan / ?", "à voir"))
    assert (outing.activity, outing.setting) == (Activity.AMBULATOIRE, Setting.INCONNU)
    # Nor is it a place a fallback can lean on.
    assert classify(facts("Créneau Emma", "à voir")).activity is Activity.UNCLASSIFIED


@pytest.mark.parametrize(
    ("summary", "location", "people", "expected"),
    [
        # A commission d'admission: coordination when young people are attached (their files),
        # institutional time when none is.
        (
            "Commission d'admission (2 dossiers)",
            "Salle Matisse",
            (2, 0, 4),
            ("commission-admission-dossiers", Activity.COORDINATION),
        ),
        (
            "Commission d'admission",
            "Salle Matisse",
            (0, 0, 4),
            ("commission-admission", Activity.INSTITUTIONNEL),
        ),
        # Admission with the young person present is coordination; an assessment or a trial
        # night during the pre-admission stays what it is.
        (
            "Entretien de préadmission avec Tom et sa mère",
            "",
            (1, 1, 2),
            ("admission-avec-le-jeune", Activity.COORDINATION),
        ),
        ("Bilan ortho Tom (pré-admission)", "", (1, 1, 1), ("ambulatoire", Activity.AMBULATOIRE)),
        # The parents without the young person: coordination; parental guidance stays ambulatoire.
        (
            "Entretien parents de Tom (sans lui)",
            "",
            (1, 0, 1),
            ("coordination-appel-parent", Activity.COORDINATION),
        ),
        (
            "Guidance parentale (sans Tom)",
            "",
            (1, 0, 1),
            ("guidance-parentale", Activity.AMBULATOIRE),
        ),
        # Writing for an absent young person.
        (
            "Rédaction bilan éducatif Tom",
            "",
            (1, 0, 1),
            ("ecrits-pour-un-jeune", Activity.COORDINATION),
        ),
        # A hearing, the young person present or not.
        (
            "Audience juge des enfants - Tom",
            "",
            (1, 1, 1),
            ("audience-juge", Activity.COORDINATION),
        ),
        # The teacher: advice is appui-ressources, any other exchange about the young person
        # (a call with no advice) is coordination.
        (
            "Tél enseignante de Tom",
            "",
            (1, 0, 1),
            # Round 4: a plain call with the teacher is support to her (14 entries against 7).
            ("appui-appel-enseignant-pour-un-jeune", Activity.APPUI_RESSOURCES),
        ),
        (
            "Tél enseignante de Tom - conseils",
            "",
            (1, 0, 1),
            ("appui-enseignants", Activity.APPUI_RESSOURCES),
        ),
        # The DITEP's own teachers among themselves, the CVS with delegates: institutional.
        (
            "Réunion enseignants UE",
            "",
            (0, 0, 3),
            ("equipe-ue-sans-jeune", Activity.INSTITUTIONNEL),
        ),
        ("CVS", "", (2, 2, 3), ("conseil-de-la-vie-sociale", Activity.INSTITUTIONNEL)),
        # A work-placement review with the young person is coordination; an orientation visit
        # with him is ambulatoire.
        (
            "Bilan de stage avec la tutrice - Tom",
            "Garage Martin",
            (1, 1, 1),
            ("bilan-de-stage-avec-le-jeune", Activity.COORDINATION),
        ),
        (
            "Visite lycée pro avec Tom (orientation)",
            "Lycée Jean Jaurès",
            (1, 1, 1),
            ("visite-orientation-avec-le-jeune", Activity.AMBULATOIRE),
        ),
    ],
)
def test_families_of_blind_sets_ai_to_ap(
    summary: str, location: str, people: People, expected: tuple[str, Activity]
) -> None:
    result = classify(facts(summary, location, people))
    assert (result.rule_id, result.activity) == expected
