"""Round 3, the young person's own agenda and day-care words: what the DITEP provides with
no professional listed (its places, its name, an outing, a quiet time), what stays the young
person's life outside it (a work placement, a club sport: outside), a memo, the day unit,
and a negated place word of the title that leaves another one to say where."""

from __future__ import annotations

from typing import Any

import pytest

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry

_PLACES = """\
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes, site des Aulnes]}
  - {name: Groupe Saule, kind: group, aliases: [gpe Saule]}
  - {name: Salle Tilleul, kind: room, aliases: [salle jeux]}
partners:
  - {name: Collège Camus, kind: school, aliases: [clg Camus]}
"""
_RULES = default_with_places(_PLACES)


def _youth(summary: str, location: str = "", professionals: int = 0, **more: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "summary": summary,
        "location": location,
        "start": "2026-03-10T09:00:00",
        "end": "2026-03-10T12:00:00",
        "youth": 1,
        "youth_present": 1,
        "professionals": professionals,
        "functions": ["éducateur spécialisé"] * professionals,
        "source_kind": "youth",
    }
    entry.update(more)
    return entry


def _read(entry: dict[str, Any]) -> tuple[str, str, str]:
    got = _RULES.classify(facts_from_entry(entry))
    return got.activity.value, got.setting.value, got.rule_id


@pytest.mark.parametrize(
    ("summary", "location", "activity", "setting"),
    [
        # An own place of the registry, by day: the DITEP provides it.
        ("Matinée séquentielle", "Les Aulnes", "accueil_jour", "site"),
        # The DITEP named in the title.
        ("Déjeuner à l'ITEP", "", "accueil_jour", "site"),
        # A quiet time, board games: the day care's everyday times.
        ("Temps au calme puis jeu de société", "", "accueil_jour", "site"),
        # An outing or a leisure activity of the group, no club, school or family word.
        ("Sortie accrobranche", "", "accueil_jour", "exterieur"),
        ("Luge", "", "accueil_jour", "exterieur"),
        # The same words with a club, the school or the family: his life outside the DITEP.
        ("Piscine avec papa", "", "hors_prestation", "exterieur"),
        ("Sortie scolaire au musée", "", "hors_prestation", "exterieur"),
        # A work placement is outside, whatever school its place or title names.
        ("Stage d'observation (collège)", "", "hors_prestation", "exterieur"),
        ("Stage mécanique", "Carrosserie de l'École Normale", "hors_prestation", "exterieur"),
        # A club sport or the scouts with no place: outside.
        ("Basket - entraînement", "", "hors_prestation", "exterieur"),
        # A memo says nothing happens.
        ("Penser à la carte d'identité", "", "unclassified", "inconnu"),
        # "Rappel" is no memo word: a booster shot is an appointment of his life outside.
        ("Rappel vaccin", "", "hors_prestation", "inconnu"),
        # "pas d'internat" negates the night, "à domicile" still says where.
        ("Nuit à domicile (pas d'internat)", "", "hors_prestation", "domicile"),
    ],
)
def test_youth_agenda_with_no_professional(
    summary: str, location: str, activity: str, setting: str
) -> None:
    got = _read(_youth(summary, location))
    assert got[:2] == (activity, setting), got


def test_own_place_with_home_words_stays_outside_the_ditep() -> None:
    # An exclusion spent at home, even when a word of the registry is in the title.
    got = _read(_youth("Exclusion 3 jours - à la maison (Les Aulnes fermé)"))
    assert got[0] == "hors_prestation"


def test_the_day_unit_is_day_care_even_for_one_young_person() -> None:
    assert _read(_youth("Unité de jour - Inès", "Les Aulnes", professionals=2))[:2] == (
        "accueil_jour",
        "site",
    )
    # A hospital's day unit is not the DITEP's.
    assert _read(_youth("Unité de jour pédopsychiatrie CHU", "", professionals=0))[0] == (
        "hors_prestation"
    )


def test_an_exclusion_from_school_is_not_at_school() -> None:
    assert _read(_youth("Accueil de jour - exclusion du clg"))[:2] == ("accueil_jour", "site")


def test_a_group_in_an_activity_room() -> None:
    entry = _youth("Peinture sur galets", "Salle d'activités", professionals=1)
    entry.update(source_kind="professional", youth=4, youth_present=4)
    assert _read(entry)[:2] == ("accueil_jour", "site")
