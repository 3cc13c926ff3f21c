"""The day unit against individual support, round 6 (December 2026): a session at the young
person's home is ambulatoire whatever it is called (a workshop, a lesson, a meal); one young
person and one professional at a mediation, or with the SESSAD said in the description of his
own agenda, are individual support; one or two young people taken to the maison des
adolescents are accompanied (ambulatoire); a group's whole day, the young person's half-day
with two professionals (present or absent) and the "ACC-J" abbreviation are the day unit."""

from __future__ import annotations

from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, timed_entry

_entry = timed_entry


def test_a_workshop_or_a_lesson_at_home_is_ambulatoire() -> None:
    activity, rule = activity_and_rule(
        _entry("Atelier pâtisserie à domicile - Kenzo", location="Valence")
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "seance-a-domicile-r6")
    activity, _ = activity_and_rule(
        _entry("Cours de maths au domicile de Lila", functions=("enseignante spécialisée",))
    )
    assert activity is Activity.AMBULATOIRE
    activity, _ = activity_and_rule(
        _entry("Atelier parents-enfants (jeux)", location="Maison de quartier")
    )
    assert activity is Activity.AMBULATOIRE
    # The place says the home, the title a meal.
    activity, rule = activity_and_rule(
        _entry("Repas du midi avec Noé", location="domicile", times=("11:45", "13:00"))
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "seance-a-domicile-par-lieu-r6")
    # The foster carer's home is the accueil familial, read before.
    activity, _ = activity_and_rule(
        _entry(
            "Accueil chez l'assistante familiale",
            location="domicile assistante familiale",
            functions=("assistante familiale",),
            times=("17:00", "08:30"),
        )
        | {"end": "2026-03-13T08:30:00"}
    )
    assert activity is Activity.ACCUEIL_NUIT


def test_one_young_person_at_a_mediation_is_individual_support() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "Médiation équine",
            location="centre équestre des Saules",
            kind="youth",
            functions=("moniteur éducateur",),
        )
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "mediation-individuelle-r6")
    # A group's mediation stays the day unit.
    activity, _ = activity_and_rule(
        _entry(
            "Médiation animale groupe Hérons",
            location="Ferme des Saules",
            youth=4,
            present=4,
            functions=("éducatrice spécialisée", "moniteur éducateur"),
        )
    )
    assert activity is Activity.ACCUEIL_JOUR


def test_the_sessad_said_in_the_description_of_his_agenda() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "Ludothèque / Sami",
            description="éduc SESSAD le retrouve sur place",
            location="ludothèque",
            kind="youth",
        )
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "sessad-dit-agenda-du-jeune-r6")


def test_the_maison_des_adolescents_is_accompanied() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "Groupe théâtre ados (Léo, Inès)",
            location="Maison des adolescents de Tours",
            present=2,
            youth=2,
        )
    )
    assert (activity, rule) == (Activity.AMBULATOIRE, "accompagnement-maison-des-adolescents-r6")


def test_a_groups_whole_day_is_the_day_unit() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "Accompagnement groupe Loutres",
            location="DITEP",
            youth=6,
            present=6,
            functions=("éducateur spécialisé", "monitrice éducatrice"),
            times=("09:00", "16:30"),
        )
    )
    assert (activity, rule) == (Activity.ACCUEIL_JOUR, "journee-de-groupe-r6")
    # The SESSAD's day outing stays ambulatoire.
    activity, _ = activity_and_rule(
        _entry(
            "Sortie SESSAD randonnée",
            location="Col du Pré",
            youth=3,
            present=3,
            functions=("éducateur spécialisé", "moniteur éducateur"),
            times=("09:30", "16:00"),
        )
    )
    assert activity is Activity.AMBULATOIRE


def test_acc_j_is_the_day_unit_for_a_group() -> None:
    activity, rule = activity_and_rule(
        _entry(
            "[ACC-J] goélands après-midi",
            youth=6,
            present=6,
            functions=("éducatrice spécialisée", "moniteur éducateur"),
            times=("13:30", "16:30"),
        )
    )
    assert (activity, rule) == (Activity.ACCUEIL_JOUR, "accueil-jour-sigle-acc-j-r6")


def test_his_half_day_with_two_professionals_present_or_absent() -> None:
    two = ("éducatrice spécialisée", "moniteur éducateur")
    activity, rule = activity_and_rule(
        _entry("Hérons matin + repas", kind="youth", functions=two, times=("09:00", "13:15"))
    )
    assert (activity, rule) == (
        Activity.ACCUEIL_JOUR,
        "journee-agenda-du-jeune-deux-professionnels",
    )
    activity, _ = activity_and_rule(
        _entry(
            "Hérons – absent",
            description="non excusé",
            present=0,
            kind="youth",
            functions=two,
            times=("09:00", "16:30"),
        )
    )
    assert activity is Activity.ACCUEIL_JOUR
    # A synthesis about him is shorter, and read before.
    activity, _ = activity_and_rule(
        _entry(
            "Synthèse",
            present=0,
            kind="youth",
            functions=(*two, "psychologue"),
            times=("14:00", "15:30"),
        )
    )
    assert activity is Activity.COORDINATION
