"""Foster carers, partners' people supported and the young person's own life, ninth round
(December 2026): the ASE's foster carer in the young person's agenda, a week-end in a foster
family said in those words only, the ASE's foster carer supported, sports instructors
supported, homework and a home visit at the foster family's, an absence the foster family
reports, a lycée's internat, a work placement without the educator, off sick at home said in
the title. Entries in the tests' own words; each pins the activity, the setting (and a rule
where it tells) of one decision (docs/classification-rules.md, "Round 9: foster carers")."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    timed_entry,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Sorbiers, kind: site, aliases: [Les Sorbiers]}
  - {name: Maison des Fougères, kind: house, aliases: [Fougères]}
  - {name: Groupe Écureuils, kind: group, aliases: [Écureuils]}
partners:
  - {name: Lycée agricole de Naves, kind: school, aliases: [LEGTA Naves]}
  - {name: Lac de Séchemailles, kind: leisure, aliases: [Séchemailles]}
"""


_youth = youth_agenda_entry


def _pro(
    summary: str,
    location: str = "",
    *,
    present: int = 0,
    function: str = "éducatrice spécialisée",
    times: tuple[str, str] = ("10:00", "11:00"),
) -> dict[str, object]:
    """An entry of a professional's agenda about one young person."""
    return timed_entry(summary, "", location, present=present, functions=(function,), times=times)


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_the_ase_foster_carer_in_his_agenda_is_his_own_life() -> None:
    night = _youth(
        "Soirée et nuit chez son assistant familial (ASE)",
        "Tulle",
        start="2026-03-12T17:30:00",
        end="2026-03-13T08:15:00",
    )
    assert _read(night)[:2] == ("hors_prestation", "domicile")
    assert _read(night)[3] == "assistant-familial-de-l-ase-agenda-du-jeune-r9"
    # The DITEP's own foster care said so stays its night.
    own = _youth(
        "Nuit chez l'assistante familiale (CAFS)",
        start="2026-03-12T17:30:00",
        end="2026-03-13T08:15:00",
    )
    assert _read(own)[:2] == ("accueil_nuit", "domicile")


def test_a_week_end_in_foster_family_said_in_those_words_only_is_his_own_life() -> None:
    for summary in ("WE en famille d'accueil", "Fin de semaine chez sa famille d'accueil"):
        week_end = _youth(summary, start="2026-03-13T17:00:00", end="2026-03-16T08:30:00")
        assert _read(week_end)[:2] == ("hors_prestation", "domicile"), summary
        assert _read(week_end)[3] == "we-famille-d-accueil-seule-agenda-du-jeune-r9"
    # The carer named, from Friday evening to Monday: the DITEP's foster carer (round 8).
    named = _youth(
        "Week-end famille d'accueil Marsac",
        start="2026-03-13T17:00:00",
        end="2026-03-16T08:30:00",
    )
    assert _read(named)[:2] == ("accueil_nuit", "domicile")


def test_the_ase_foster_carer_supported_is_appui() -> None:
    for summary in (
        "Le psychologue guide l'assistante familiale ASE d'Enzo sur les couchers",
        "Appel de l'assistant familial ASE de Lila, épuisé : écoute et repères",
    ):
        result = _read(_pro(summary))
        assert result[0] == "appui_ressources", summary
        assert result[3] == "appui-assistant-familial-ase-un-jeune-r9"
    # A meeting with the ASE about him stays the coordination of his path.
    meeting = _pro("Réunion avec l'assistante familiale ASE de Lila et sa référente")
    assert _read(meeting)[0] == "coordination"


def test_sports_instructors_supported_are_appui() -> None:
    for summary, location in (
        ("Échange moniteurs du club de kayak pour Hugo", "base de canoë d'Argentat"),
        ("Rencontre éduc sportif du rugby pour Noé", "stade de Tulle"),
    ):
        result = _read(_pro(summary, location, times=("18:00", "18:45")))
        assert result[:2] == ("appui_ressources", "exterieur"), summary
    # The DITEP's own instructor (moniteur-éducateur) is not one.
    own = _read(_pro("Point moniteur éducateur internat pour Hugo", "Les Sorbiers"))
    assert own[0] != "appui_ressources"


def test_homework_at_the_foster_carer_s_is_ambulatoire() -> None:
    homework = _pro(
        "Aide aux devoirs de Tom chez son assistant familial",
        "Égletons",
        present=1,
        times=("17:00", "18:00"),
    )
    assert _read(homework)[:2] == ("ambulatoire", "domicile")


def test_a_home_visit_at_the_foster_family_is_at_home_whatever_the_town() -> None:
    visit = _pro(
        "VAD de Lou dans sa famille d'accueil",
        "Saint-Hilaire-de-Séchemailles",
        present=1,
        times=("16:00", "17:30"),
    )
    assert _read(visit) == (
        "ambulatoire",
        "domicile",
        "direct",
        "vad-chez-la-famille-d-accueil-r9",
    )


def test_an_absence_the_foster_family_reports_is_absence_from_the_day_unit() -> None:
    day = _youth(
        "Accueil de jour Écureuils - absente (la famille d'accueil a prévenu)",
        "Les Sorbiers",
        present=0,
        times=("09:00", "16:30"),
    )
    assert _read(day)[0] == "accueil_jour"


def test_a_lycee_s_internat_is_not_the_ditep_s_night() -> None:
    boarding = _youth(
        "Internat du lycée (mardi soir)",
        "LEGTA Naves",
        start="2026-03-10T18:00:00",
        end="2026-03-11T08:00:00",
    )
    assert _read(boarding)[:2] == ("hors_prestation", "ecole")
    # The DITEP's own internat, with the school the youths go to in the morning, stays its own.
    own = _youth(
        "Internat Fougères (départ collège 7h45)",
        "Fougères",
        start="2026-03-10T18:00:00",
        end="2026-03-11T08:00:00",
    )
    assert _read(own)[0] == "accueil_nuit"


def test_a_work_placement_without_the_educator_is_his_own() -> None:
    placement = _youth(
        "Stage menuiserie (convention signée, sans éducateur)",
        "Tulle",
        times=("08:30", "17:00"),
    )
    assert _read(placement)[:2] == ("hors_prestation", "exterieur")


def test_off_sick_at_home_said_in_the_title() -> None:
    sick = _youth("Grippe – reste à la maison", present=0, times=("08:00", "17:00"))
    assert _read(sick)[:2] == ("hors_prestation", "domicile")
    assert _read(sick)[3] == "malade-chez-lui-agenda-du-jeune-r9"


def test_the_description_saying_his_own_activity_is_a_cue() -> None:
    for said in (
        "sortie avec sa classe de 6e",
        "licence au club depuis septembre",
        "inscrite par sa mère, cours du samedi",
        "stage avec le club, sans l'équipe du DITEP",
        "natation scolaire",
    ):
        assert "cue|own" in cue_codes(said), said
    for said in ("avec le groupe des Écureuils", "sortie du semi-internat", "licenciement"):
        assert "cue|own" not in cue_codes(said), said


def test_his_own_outing_said_in_the_description_is_his_own_life() -> None:
    swim = _youth("Piscine", "piscine de Tulle", "avec sa classe de CM2")
    assert _read(swim) == (
        "hors_prestation",
        "exterieur",
        "direct",
        "activite-a-lui-dite-agenda-du-jeune-r9",
    )
    sailing = _youth(
        "Voile", "Séchemailles", "licence club, son père l'emmène", times=("10:00", "12:00")
    )
    assert _read(sailing)[:2] == ("hors_prestation", "exterieur")
    # Nothing said of whose it is: the day unit's outing, as before.
    group = _youth("Piscine", "piscine de Tulle")
    assert _read(group)[:2] == ("accueil_jour", "exterieur")
