"""The steering indicators' pure computation: undefined, suppressed, percentiles, periods."""

from __future__ import annotations

import pytest

from ditep_counting.engine.indicators import (
    CATALOGUE,
    IndicatorInputs,
    Value,
    compute_indicators,
    nearest_rank,
    year_before,
)
from ditep_counting.engine.periods import PeriodError, parse_period


def test_a_zero_denominator_is_undefined_never_zero() -> None:
    values = compute_indicators(IndicatorInputs(figures={}, waiting_days=[], support_days=[]))
    assert values["file_active"]["total"] == Value(0)
    assert values["multi_modality"]["share"] == Value(None, "undefined")
    assert values["indirect_share"]["value"] == Value(None, "undefined")
    assert values["waiting_time"]["median"] == Value(None, "undefined")
    assert values["waiting_time"]["p90"] == Value(None, "undefined")
    # Every measure of the catalogue is computed, and only those.
    assert {code: set(measures) for code, measures in values.items()} == {
        spec.code: {measure.code for measure in spec.measures} for spec in CATALOGUE
    }


def test_a_suppressed_count_suppresses_what_is_built_on_it() -> None:
    figures: dict[str, float | int | None] = {
        "file_active.total": None,
        "multi_modality.youth": 7,
        "hours.direct": 10.0,
        "hours.indirect": 5.0,
        "file_active.by_status.accompagnement": 4,
        "pathway.waiting_youth": None,
    }
    values = compute_indicators(
        IndicatorInputs(figures=figures, waiting_days=None, support_days=[10, 20, 40])
    )
    assert values["multi_modality"]["share"] == Value(None, "suppressed")
    assert values["multi_modality"]["youth"] == Value(7)
    assert values["waiting_time"]["median"] == Value(None, "suppressed")
    assert values["indirect_share"]["value"] == Value(round(5 / 15, 4))
    assert values["direct_hours_per_youth"]["value"] == Value(2.5)
    assert values["length_of_support"]["median"] == Value(20)


def test_nearest_rank_percentile() -> None:
    assert nearest_rank([5], 0.9) == 5
    assert nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert nearest_rank([10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11], 0.9) == 10


@pytest.mark.parametrize(
    ("code", "earlier"),
    [("2025-Q1", "2024-Q1"), ("2025-03", "2024-03"), ("2025", "2024"), ("2024-2025", "2023-2024")],
)
def test_year_before(code: str, earlier: str) -> None:
    assert year_before(parse_period(code)).code == earlier


def test_no_year_before_the_first_readable_year() -> None:
    with pytest.raises(PeriodError):
        year_before(parse_period("1900"))
