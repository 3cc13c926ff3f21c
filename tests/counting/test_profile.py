"""A stored counting profile replaces the defaults: named in every body, rollups recomputed."""

from __future__ import annotations

import datetime as dt

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_counting.engine.profile import DEFAULT_PROFILE, CountingProfile
from ditep_counting.rollups.service import store_profile_version
from tests.conftest import KeyMaker, SampleDitep, holding_tasks, make_settings
from tests.http import AppClient


def test_profile_defaults_are_counting_md() -> None:
    assert DEFAULT_PROFILE.score(3 * 60) == 1
    assert DEFAULT_PROFILE.score(3 * 60 + 1) == 2
    assert DEFAULT_PROFILE.score(30 * 60) == 3
    assert DEFAULT_PROFILE.score(30 * 60 + 1) == 4
    assert DEFAULT_PROFILE.score(0) is None
    assert DEFAULT_PROFILE.in_lt_band(59)
    assert not DEFAULT_PROFILE.in_lt_band(60)
    assert DEFAULT_PROFILE.night == (dt.time(21), dt.time(7))
    assert CountingProfile.from_parameters(DEFAULT_PROFILE.to_parameters()) == DEFAULT_PROFILE


def test_a_stored_profile_applies_and_is_named(
    api_client: AppClient, database: Database, worked: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    url = "/v1/establishments/690000017/activity"
    before = api_client.get(url, params={"period": "2025-03"}, headers=key).json()
    with holding_tasks(database, make_settings()) as held:
        with database.unit_of_work() as session:
            store_profile_version(
                session,
                "strict-1",
                {"score_bounds_hours": [1, 2, 3], "morning": ["08:00", "13:00"]},
            )
        # Until the refresh task runs, the rollups of the old profile are served, as stale
        # (the scores, summed in SQL from minutes, already follow the new bounds).
        waiting = api_client.get(url, params={"period": "2025-03"}, headers=key).json()
        assert waiting["stale"] is True
        assert waiting["days"]["journees"]["total"] == 2.5
        held.run()
    after = api_client.get(url, params={"period": "2025-03"}, headers=key).json()
    assert after["stale"] is False
    assert (before["profile_version"], after["profile_version"]) == ("aire-2024.1", "strict-1")
    assert after["units"]["by_score"] == {"1": 0, "2": 0, "3": 0, "4": 1}
    # Wednesday's 07:00-08:00 no longer touches the morning: 2 journées, not 2.5.
    assert (before["days"]["journees"]["total"], after["days"]["journees"]["total"]) == (2.5, 2.0)
