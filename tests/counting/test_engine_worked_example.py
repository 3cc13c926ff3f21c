"""counting.md's worked example, figure by figure, through the pure engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.periods import parse_period
from ditep_counting.engine.rollups import compute_rollups
from tests.counting.worked_example import NOW, YOUTH_A, worked_example


@pytest.fixture
def march() -> dict[str, Any]:
    sessions, links = worked_example()
    return figures_from_sessions(
        sessions,
        links,
        period=parse_period("2025-03"),
        timezone="Europe/Paris",
        now=NOW,
        capacities={"accueil_nuit": 10, "accueil_jour": 20, "ambulatoire": 30},
        reference_week=dt.date(2025, 3, 10),
    ).json_body()


def test_week_minutes_and_unit_score() -> None:
    sessions, links = worked_example()
    rollups = compute_rollups(sessions, links, timezone="Europe/Paris", now=NOW)
    [week] = rollups.weeks
    assert (week.person_id, week.week_start) == (YOUTH_A, dt.date(2025, 3, 10))
    assert week.minutes_direct == 22.5 * 60
    assert week.minutes_indirect == 60
    assert week.minutes_total == 23.5 * 60
    assert week.minutes_by_activity == {
        "accueil_jour": 450,
        "accueil_nuit": 840,
        "ambulatoire": 60,
        "coordination": 60,
    }


def test_units(march: dict[str, Any]) -> None:
    assert march["units"] == {
        "total": 3,
        "youth_weeks": 1,
        "by_score": {"1": 0, "2": 0, "3": 1, "4": 0},
        "lt_1h": 0,
        "surcharges": {"complexity": 0, "appui_ressources": 0},
    }
    assert march["hours"]["direct"] == 22.5
    assert march["hours"]["indirect"] == 1.0
    assert march["hours"]["by_activity"] == {
        "accueil_nuit": 14.0,
        "accueil_jour": 7.5,
        "ambulatoire": 1.0,
        "coordination": 1.0,
        "appui_ressources": 0.0,
    }
    assert march["hours"]["by_setting"]["ecole"] == 1.0
    assert march["hours"]["by_setting"]["site"] == 22.5


def test_half_days_journees_and_nuits(march: dict[str, Any]) -> None:
    # Mon 1 (jour) + Tue 0.5 (nuit) + Wed 0.5 (nuit) + Thu 0.5 (ambulatoire); Fri indirect.
    assert march["days"]["journees"] == {
        "total": 2.5,
        "accueil_nuit": 1.0,
        "accueil_jour": 1.0,
        "ambulatoire": 0.5,
    }
    assert march["days"]["nuits"] == 1
    assert march["days"]["absences"] == 0


def test_acts_and_seances(march: dict[str, Any]) -> None:
    assert march["acts"] == {"actes": 1, "seances": 1}


def test_file_active_and_multi_modality(march: dict[str, Any]) -> None:
    assert march["file_active"] == {
        "total": 1,
        "by_status": {
            "pre_admission": 0,
            "accompagnement": 1,
            "suivi_post_sortie": 0,
            "ponctuel": 0,
        },
        "by_modality": {"accueil_nuit": 1, "accueil_jour": 1, "ambulatoire": 1},
    }
    assert march["multi_modality"] == {"youth": 1, "share": 1.0}
    assert march["transitions"]["count"] == 0


def test_quality_and_capacity(march: dict[str, Any]) -> None:
    quality = march["quality"]
    assert quality["received"] == 5
    assert quality["duplicates_merged"] == 1
    assert quality["counted"] == 4
    assert quality["youth_without_pathway"] == 1  # counted as accompagnement, and said so
    assert quality["overlaps"] == 0
    assert march["capacity"]["accueil_nuit"] == {"installed": 10, "occupied": 1, "available": 9}
    assert march["capacity"]["reference_week"] == "2025-03-10"
    assert march["rule_set_versions"] == ["keywords-1"]
    assert march["profile_version"] == "aire-2024.1"
