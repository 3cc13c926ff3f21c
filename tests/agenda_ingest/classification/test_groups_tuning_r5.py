"""The day unit's groups against individual support, round 5 (December 2026): one DITEP
professional with the young person said in the description (``cue|individual``) is
ambulatoire; the SESSAD said in the description (``cue|sessad``) is ambulatoire; a day with
two professionals in the young person's agenda, and a leisure partner with two professionals,
are the day unit."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from ditep_core.nomenclatures import Activity
from tests.agenda_ingest.classification.reading import activity_and_rule, timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Dunes, kind: site, aliases: [Les Dunes]}
  - {name: Sarcelles, kind: group, aliases: [groupe Sarcelles]}
partners:
  - {name: Club nautique du Havre, kind: leisure, aliases: [CNH]}
  - {name: Ferme du Bocage, kind: leisure, aliases: [la ferme]}
"""


def _entry(
    summary: str,
    description: str = "",
    location: str = "",
    present: int = 1,
    functions: tuple[str, ...] = ("éducatrice spécialisée",),
    kind: str = "youth",
    times: tuple[str, str] = ("14:00", "15:30"),
) -> dict[str, object]:
    """An entry of the young person's agenda by default, every young person present."""
    return timed_entry(
        summary,
        description,
        location,
        youth=present,
        present=present,
        functions=functions,
        kind=kind,
        times=times,
        day="2026-03-11",
    )


def test_the_description_says_individual_support() -> None:
    assert cue_codes("avec Solène (ES)") == ("cue|individual",)
    assert cue_codes("séance individuelle, travail du crawl") == ("cue|individual",)
    assert cue_codes("Hugo accompagne") == ("cue|individual",)
    # The group, a title of courtesy, a lower-case word: not a first name.
    assert cue_codes("avec le groupe") == ()
    assert cue_codes("avec Mme P.") == ()
    assert cue_codes("avec ses copains") == ()


def test_the_description_says_the_sessad() -> None:
    assert cue_codes("groupe SESSAD du samedi") == ("cue|sessad",)
    assert cue_codes("suivi sessad") == ("cue|sessad",)


def test_one_professional_said_in_the_description_is_ambulatoire() -> None:
    for summary, description, location in (
        ("Piscine", "avec Solène (ES)", "piscine municipale"),
        ("Nina - poney", "équitation, Hugo accompagne", "centre équestre"),
        ("Bibliothèque", "séance individuelle lecture", "bibliothèque du quartier"),
    ):
        assert activity_and_rule(_entry(summary, description, location)) == (
            Activity.AMBULATOIRE,
            "accompagnement-individuel-dit-agenda-du-jeune",
        ), summary


def test_the_group_outing_stays_the_day_unit() -> None:
    assert activity_and_rule(_entry("Piscine", "avec le groupe", "piscine municipale"))[0] is (
        Activity.ACCUEIL_JOUR
    )
    # Two professionals: not an individual support, even with a first name.
    two = ("éducatrice spécialisée", "moniteur éducateur")
    assert (
        activity_and_rule(_entry("Piscine", "avec Solène", "piscine municipale", functions=two))[0]
        is Activity.ACCUEIL_JOUR
    )


def test_the_sessad_said_in_the_description_is_ambulatoire() -> None:
    assert activity_and_rule(
        _entry(
            "Cinéma",
            "groupe SESSAD du samedi",
            "cinéma du centre",
            present=4,
            functions=("éducatrice spécialisée", "moniteur éducateur"),
            kind="professional",
        )
    ) == (Activity.AMBULATOIRE, "sessad-dit-dans-la-description")
    # The externat named in the title stays the day unit.
    assert (
        activity_and_rule(
            _entry(
                "Journée plage externat",
                "Léo (SESSAD) vient avec le groupe",
                "plage",
                present=5,
                functions=("éducatrice spécialisée", "moniteur éducateur"),
                kind="professional",
                times=("09:00", "17:00"),
            )
        )[0]
        is Activity.ACCUEIL_JOUR
    )


def test_a_day_with_two_professionals_in_the_youth_agenda_is_the_day_unit() -> None:
    two = ("éducatrice spécialisée", "moniteur éducateur")
    assert activity_and_rule(
        _entry("Sarcelles", location="Les Dunes", functions=two, times=("09:00", "16:30")),
        _PLACES,
    ) == (Activity.ACCUEIL_JOUR, "journee-agenda-du-jeune-deux-professionnels")


def test_a_leisure_partner_with_two_professionals_is_the_day_unit() -> None:
    two = ("éducateur spécialisé", "moniteur éducateur")
    assert activity_and_rule(
        _entry("Voile - séance du mercredi", location="CNH", functions=two), _PLACES
    ) == (Activity.ACCUEIL_JOUR, "sortie-de-groupe-agenda-du-jeune-chez-partenaire")
    # One professional there stays an individual support.
    assert (
        activity_and_rule(
            _entry("Soins aux lapins", location="la ferme", functions=("éducateur spécialisé",)),
            _PLACES,
        )[0]
        is Activity.AMBULATOIRE
    )
