"""The DITEP's own words for its support, sixth round (December 2026): short forms of the day
unit's words ("Atel.", "PDJ", "Snoez"), therapies and the tests of an assessment named
alone for one or two young people, workshops and mediations named without "atelier" for a
group, and sports named alone for two young people."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.normalise import ABBREVIATIONS
from ditep_core.nomenclatures import Activity, Setting
from tests.agenda_ingest.classification.reading import activity_and_rule, professional_entry


def _classify(entry: dict[str, object]) -> tuple[Activity, Setting, str]:
    result = default_rule_set().classify(facts_from_entry(entry))
    return result.activity, result.setting, result.rule_id


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("atel", ("atelier",)),
        ("pdj", ("petit", "dejeuner")),
        ("snoez", ("snoezelen",)),
        ("relax", ("relaxation",)),
        ("equit", ("equitation",)),
        ("pisc", ("piscine",)),
        ("ergo", ("ergotherapie",)),
        ("aad", ("aide", "aux", "devoirs")),
    ],
)
def test_the_short_forms_of_the_day_unit_are_spelt_out(short: str, long: tuple[str, ...]) -> None:
    assert ABBREVIATIONS[short] == long


def test_a_workshop_or_a_breakfast_written_short_is_read() -> None:
    entry = professional_entry("Atel. bois Hérons", youth=1, present=1)
    assert _classify(entry)[0] is Activity.ACCUEIL_JOUR
    assert "gpe" not in ABBREVIATIONS  # « grp Vert | divers » with nobody: a code, not a group
    lever = professional_entry("Lever + PDJ Hérons", youth=4, present=4)
    lever["start"], lever["end"] = "2026-03-03T06:45:00", "2026-03-03T08:15:00"
    assert _classify(lever)[0] is Activity.ACCUEIL_NUIT


@pytest.mark.parametrize(
    "summary",
    [
        "Psychothérapie Killian",
        "Art-thérapie - Zélie",
        "Thérapie familiale (fam. Moreau) avec Ilan",
        "Sophro Nathan",
        "Musicothérapie Adèle",
        "Remédiation cognitive Anis",
        "Snoez Timothée",
        "WISC-V Jordan (1/2)",
        "Passation WPPSI Louisa",
        "K-ABC II Malik",
        "ERTL4 Maëva",
        "Exalang 8-11 Bastien",
        "Épreuves projectives Clément",
        "Ergo Soline - écriture",
    ],
)
def test_a_therapy_or_a_test_named_alone_is_a_session(summary: str) -> None:
    # An educator for the professional: no therapist function says it, no place either.
    activity, setting, rule = _classify(professional_entry(summary))
    assert (activity, setting) == (Activity.AMBULATOIRE, Setting.SITE), summary
    assert rule == "seance-therapie-ou-bilan-nommes-r6", summary
    # Two young people: still a session (a duo).
    assert _classify(professional_entry(summary, youth=2, present=2))[0] is Activity.AMBULATOIRE


def test_a_named_therapy_group_or_workshop_stays_the_day_unit() -> None:
    for summary in ("Groupe art-thérapie", "Atelier sophrologie", "Art-thérapie"):
        entry = professional_entry(summary, youth=4, present=4)
        assert _classify(entry)[0] is Activity.ACCUEIL_JOUR, summary
    # A named group of two is not a session either.
    assert (
        _classify(professional_entry("Groupe psychothérapie duo", youth=2, present=2))[2]
        != "seance-therapie-ou-bilan-nommes-r6"
    )


@pytest.mark.parametrize(
    "summary",
    [
        "Poterie",
        "Contes et marionnettes",
        "Snoezelen des petits",
        "Grp jeux de société",
        "Jardin potager",
        "Percussions africaines",
        "Arts plastiques - collage",
        "Photolangage ados",
        "Goûter",
    ],
)
def test_a_workshop_named_without_atelier_is_the_day_unit_on_site(summary: str) -> None:
    entry = professional_entry(summary, youth=4, present=4)
    assert _classify(entry)[:2] == (Activity.ACCUEIL_JOUR, Setting.SITE), summary


def test_a_workshop_word_of_the_sessad_or_a_cancelled_group_is_not_read_so() -> None:
    entry = professional_entry("Poterie SESSAD", youth=4, present=4)
    assert _classify(entry)[2] != "atelier-ou-mediation-de-groupe-r6"
    entry = professional_entry("Poterie ANNULÉE", youth=4, present=4)
    assert _classify(entry)[2] != "atelier-ou-mediation-de-groupe-r6"


@pytest.mark.parametrize(
    "summary", ["Skate Bilal + Evan", "Futsal Sami et Yann", "Paddle Lou / Inès", "Judo Tom + Nils"]
)
def test_a_sport_named_alone_for_two_is_ambulatoire_outside(summary: str) -> None:
    activity, setting, rule = _classify(professional_entry(summary, youth=2, present=2))
    assert (activity, setting, rule) == (Activity.AMBULATOIRE, Setting.EXTERIEUR, "sport-a-deux-r6")


def test_a_sport_of_a_named_group_or_in_a_club_is_not_the_duo() -> None:
    for summary in ("Futsal groupe Hérons", "Inscription club de judo Tom + Nils"):
        entry = professional_entry(summary, youth=2, present=2)
        assert activity_and_rule(entry)[1] != "sport-a-deux-r6", summary
