"""A young person's own agenda, eighth round (December 2026): his own activities outside the
DITEP (said his own, a class going out, a music lesson, an association), off sick at home, an
exclusion from school, the family week-end with the internat named, the foster carer's week-end
and abbreviation, and the educator denied after another. Entries in the tests' own words; each
pins the activity, the setting (and a nature or a rule where it tells) of one decision
(docs/classification-rules.md, "Round 8: the young person's own agenda")."""

from __future__ import annotations

from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes]}
  - {name: Salle Mont Aigoual, kind: room, aliases: [Mont Aigoual]}
  - {name: Maison Les Genêts, kind: house, aliases: [Genêts, Vauban]}
  - {name: Groupe Alizé, kind: group, aliases: [Alizé]}
partners:
  - {name: Collège Rosa Bonheur, kind: school, aliases: [clg Bonheur]}
  - {name: École Jules Verne, kind: school, aliases: [école Verne]}
"""


_own = youth_agenda_entry


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_his_own_outing_is_not_the_day_unit() -> None:
    riding = _own("Poney (sortie perso du mercredi)", "centre équestre de Lattes")
    assert _read(riding)[:2] == ("hors_prestation", "exterieur")
    # Without the word, the outing of his agenda is still the group's.
    group = _own("Poney", "centre équestre de Lattes")
    assert _read(group)[:2] == ("accueil_jour", "exterieur")


def test_the_ditep_s_animal_therapy_is_the_day_unit() -> None:
    horses = _own("équithérapie", "Haras du Lez")
    assert _read(horses)[:2] == ("accueil_jour", "exterieur")


def test_a_school_outing_named_after_an_own_room_is_his_class() -> None:
    outing = _own("Sortie scolaire Mont Aigoual (avec la classe)", times=("08:30", "17:00"))
    assert _read(outing)[:2] == ("hors_prestation", "exterieur")
    # The own room alone by day stays the DITEP's.
    room = _own("Mont Aigoual", times=("09:00", "12:00"))
    assert _read(room)[:2] == ("accueil_jour", "site")


def test_a_club_named_after_an_own_house_is_outside() -> None:
    training = _own("Entraînement hand", "FC Vauban", times=("17:30", "19:00"))
    assert _read(training)[:2] == ("hors_prestation", "exterieur")


def test_a_class_trip_is_outside_even_with_its_school_named() -> None:
    trip = _own(
        "Classe verte CE2 - école Verne",
        "Chalet de la Jaÿsinia",
        start="2026-03-16T08:30:00",
        end="2026-03-20T17:00:00",
    )
    assert _read(trip)[:2] == ("hors_prestation", "exterieur")
    # A lesson of the school held at a public place stays the school's.
    lesson = _own("Collège Bonheur (cours EPS à la piscine)", "clg Bonheur")
    assert _read(lesson)[:2] == ("hors_prestation", "ecole")


def test_off_sick_at_home_said_in_the_description() -> None:
    sick = _own("Absente - fièvre", description="reste à la maison avec papa", present=0)
    assert _read(sick) == (
        "hors_prestation",
        "domicile",
        "indirect",
        "malade-a-la-maison-agenda-du-jeune-r8",
    )
    # Nothing said of where: the earlier rule, at home by default.
    plain = _own("Absente - fièvre", present=0)
    assert _read(plain)[:2] == ("hors_prestation", "domicile")
    assert _read(plain)[3] == "malade-agenda-du-jeune"
    # A night of the DITEP he missed, ill, stays the night.
    night = _own(
        "Internat Genêts",
        "Genêts",
        "malade, reste à la maison",
        present=0,
        start="2026-03-12T17:30:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(night)[0] == "accueil_nuit"


def test_an_exclusion_is_at_home_whatever_school_is_named() -> None:
    for summary, location in (
        ("Exclusion temporaire lycée (2 j)", "maison"),
        ("Exclu du clg Bonheur - 3 jours", ""),
    ):
        result = _read(_own(summary, location, times=("08:00", "17:00")))
        assert result[:2] == ("hors_prestation", "domicile"), summary
        assert result[3] == "exclusion-agenda-du-jeune-r8"
    # The DITEP's day care on those days says so.
    day = _own("Accueil de jour (exclusion collège)", "Les Aulnes", times=("09:00", "16:30"))
    assert _read(day)[0] == "accueil_jour"


def test_the_family_week_end_with_the_internat_named_is_at_home() -> None:
    week_end = _own(
        "Week-end en famille, retour internat lundi matin",
        start="2026-03-13T16:30:00",
        end="2026-03-15T19:00:00",
    )
    assert _read(week_end)[:2] == ("hors_prestation", "domicile")
    # The night back at the internat is the night.
    back = _own(
        "Retour internat dimanche soir",
        "Genêts",
        start="2026-03-15T19:00:00",
        end="2026-03-16T08:30:00",
    )
    assert _read(back)[0] == "accueil_nuit"


def test_the_foster_carer_abbreviated_and_the_foster_family_week_end() -> None:
    night = _own("Noa - acc. fam. M. Roux", start="2026-03-12T17:00:00", end="2026-03-13T08:30:00")
    assert _read(night)[:2] == ("accueil_nuit", "domicile")
    week_end = _own(
        "WE famille d'accueil Ferrand", start="2026-03-13T17:00:00", end="2026-03-16T08:30:00"
    )
    assert _read(week_end) == (
        "accueil_nuit",
        "domicile",
        "direct",
        "week-end-famille-d-accueil-agenda-du-jeune-r8",
    )
    # The ASE's foster family, a week-end noted in days: his family's time.
    ase = _own(
        "Week-end famille d'accueil ASE", start="2026-03-13T00:00:00", end="2026-03-15T00:00:00"
    )
    assert _read(ase)[0] == "hors_prestation"


def test_the_educator_denied_after_another_professional() -> None:
    school = _own(
        "Cours clg Bonheur (sans AVS ni éducatrice)", "clg Bonheur", times=("08:30", "12:00")
    )
    assert _read(school)[:2] == ("hors_prestation", "ecole")
    # The educator named alone is the SESSAD's.
    sessad = _own("Éducatrice SESSAD au collège", "clg Bonheur", times=("08:30", "10:00"))
    assert _read(sessad)[0] == "ambulatoire"


def test_music_lessons_and_associations_are_outside() -> None:
    for summary, location in (
        ("Conservatoire (violon)", ""),
        ("Cours de djembé (asso)", "Espace Lumière, Colomiers"),
        ("Cours de guitare", "École de musique de Muret"),
    ):
        assert _read(_own(summary, location, times=("17:00", "18:00")))[:2] == (
            "hors_prestation",
            "exterieur",
        ), summary


def test_the_class_with_its_aide_and_shared_custody() -> None:
    lesson = _own("Cours du matin avec son AESH", times=("08:30", "12:00"))
    assert _read(lesson)[:3] == ("hors_prestation", "ecole", "direct")
    custody = _own(
        "Maman (garde alternée)",
        "Colomiers",
        start="2026-03-13T16:30:00",
        end="2026-03-15T18:00:00",
    )
    assert _read(custody)[:2] == ("hors_prestation", "domicile")


def test_a_night_to_confirm_is_to_classify() -> None:
    assert _read(_own("INT ??", times=("15:00", "16:00")))[0] == "unclassified"
