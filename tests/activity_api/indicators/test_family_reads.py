"""A year's indicators build each family once: a school year's family holds its calendar
years', which hold the same quarters again, and the year before shares a calendar year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

import activity_api.regions.service as regions_service
from activity_api.activity.service import establishment_reports, resolve_period
from activity_api.indicators.service import area_indicators
from ditep_core.db import Database
from tests.conftest import SampleDitep


@pytest.mark.parametrize("period", ["2024-2025", "2025", "2025-Q1"])
def test_each_establishment_and_period_is_counted_once_per_read(
    database: Database,
    sample_ditep: SampleDitep,
    monkeypatch: pytest.MonkeyPatch,
    period: str,
) -> None:
    counted: Counter[tuple[tuple[int, ...], str]] = Counter()
    counting = establishment_reports

    def counting_once(
        session: Any, establishments: Sequence[Any], reporting: Any, **options: Any
    ) -> Mapping[int, Any]:
        counted[(tuple(e.id for e in establishments), reporting.code)] += 1
        return counting(session, establishments, reporting, **options)

    monkeypatch.setattr(regions_service, "establishment_reports", counting_once)
    with database.unit_of_work() as session:
        report = area_indicators(session, None, resolve_period(period))
    assert report.scope.kind == "national"
    assert counted, "the families were not built"
    assert [key for key, times in counted.items() if times > 1] == []
