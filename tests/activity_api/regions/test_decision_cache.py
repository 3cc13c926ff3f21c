"""The suppression decided for a table is cached by a digest of the table, and is the
same in every process (whatever Python's hash seed): two API processes never publish
different patterns of the same data, which a reader could combine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from activity_api.regions.aggregate import DECISIONS, AreaSum, SlicedFigures, publish_levels

# Six establishments in two departments, equal values everywhere: every choice of the
# secondary suppression is a tie that only the cells' order breaks.
ROWS = [
    SlicedFigures(
        f"69000010{index}",
        "2025-Q1",
        {
            "file_active": {
                "total": 9,
                "by_modality": {"accueil_nuit": 3 if index % 2 else 6, "accueil_jour": 6},
            },
            "units": {"youth_weeks": 12, "by_score": {"1": 6, "2": 6}},
        },
    )
    for index in range(6)
]
AREAS = [
    AreaSum("region:84", tuple(row.finess for row in ROWS), ("department:69", "department:38")),
    AreaSum("department:69", tuple(row.finess for row in ROWS[:3])),
    AreaSum("department:38", tuple(row.finess for row in ROWS[3:])),
]

SCRIPT = """
import json
from tests.activity_api.regions.test_decision_cache import AREAS, ROWS
from activity_api.regions.aggregate import publish_levels
table = publish_levels(ROWS, AREAS, threshold=5)
print(json.dumps(sorted(map(list, table.suppressed))))
"""


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    DECISIONS.clear()
    yield
    DECISIONS.clear()


def test_an_unchanged_table_is_decided_once_and_new_data_is_decided_again() -> None:
    first = publish_levels(ROWS, AREAS, threshold=5)
    assert (DECISIONS.hits, DECISIONS.misses) == (0, 1)
    assert first.suppressed  # the small night counts, and their partners
    again = publish_levels(ROWS, AREAS, threshold=5)
    assert (DECISIONS.hits, DECISIONS.misses) == (1, 1)
    assert again.suppressed == first.suppressed
    changed = [
        SlicedFigures(ROWS[0].finess, "2025-Q1", {**ROWS[0].figures, "units": {"youth_weeks": 13}}),
        *ROWS[1:],
    ]
    publish_levels(changed, AREAS, threshold=5)
    assert DECISIONS.misses == 2
    publish_levels(ROWS, AREAS, threshold=4)  # another threshold: another decision
    assert DECISIONS.misses == 3


def test_the_decision_is_the_same_whatever_the_hash_seed() -> None:
    decisions = set()
    for seed in ("1", "2", "3"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        output = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
        ).stdout
        decisions.add(output)
    assert len(decisions) == 1
    assert json.loads(decisions.pop())


def test_an_unchanged_family_reuses_its_table_and_a_change_builds_it_again() -> None:
    first = publish_levels(ROWS, AREAS, threshold=5)
    again = publish_levels(ROWS, AREAS, threshold=5)  # remembered table, decision looked up
    assert (DECISIONS.hits, DECISIONS.misses) == (1, 1)
    assert again.rows == first.rows
    assert (again.suppressed, again.published) == (first.suppressed, first.published)
    # A copy: a caller changing its response never changes the next one.
    again.row("region:84", "2025-Q1").figures["file_active"]["total"] = -1
    assert publish_levels(ROWS, AREAS, threshold=5).rows == first.rows
    # Outside decisions are inputs: a cell hidden elsewhere is hidden here, not remembered.
    visible = ("690000100", "2025-Q1", "units.youth_weeks")
    assert visible not in first.suppressed
    forced = publish_levels(ROWS, AREAS, threshold=5, hidden_elsewhere=[visible])
    assert visible in forced.suppressed
    # Without the tables, the same decision and the same rows are rebuilt.
    DECISIONS.forget_tables()
    rebuilt = publish_levels(ROWS, AREAS, threshold=5)
    assert rebuilt.rows == first.rows
    assert rebuilt.suppressed == first.suppressed
