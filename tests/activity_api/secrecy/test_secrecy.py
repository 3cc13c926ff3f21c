"""Secondary suppression: no suppressed cell can be solved back from a published table.

The oracle (``oracle.py``) is independent of the module.
"""

from __future__ import annotations

import random
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activity_api.secrecy.suppression import Cell, Equation, exposed_cells, protect
from tests.activity_api.secrecy.oracle import determined
from tests.activity_api.secrecy.oracle import determined as _determined


def _regional_table(
    rng: random.Random, rows: int, columns: int, *, with_groups: bool
) -> tuple[dict[Hashable, Cell], list[Equation[Hashable]]]:
    """Establishments x figures, a total row; optionally by-status parts summing to a total."""
    cells: dict[Hashable, Cell] = {}
    equations: list[Equation[Hashable]] = []
    names = [f"f{c}" for c in range(columns)]
    for r in range(rows):
        for name in names:
            value = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 40])
            cells[(f"e{r}", name)] = Cell(value, sensitive=True)
        if with_groups:
            total = sum(cells[(f"e{r}", name)].value for name in names)
            cells[(f"e{r}", "sum")] = Cell(total, sensitive=True)
            equations.append(Equation((f"e{r}", "sum"), tuple((f"e{r}", name) for name in names)))
    for name in [*names, "sum"] if with_groups else names:
        total = sum(cells[(f"e{r}", name)].value for r in range(rows))
        cells[("region", name)] = Cell(total, sensitive=True)
        equations.append(Equation(("region", name), tuple((f"e{r}", name) for r in range(rows))))
    if with_groups:
        equations.append(Equation(("region", "sum"), tuple(("region", name) for name in names)))
    return cells, equations


@pytest.mark.parametrize("seed", range(40))
def test_random_regional_tables_leak_no_suppressed_cell(seed: int) -> None:
    rng = random.Random(seed)
    cells, equations = _regional_table(
        rng, rng.randint(1, 7), rng.randint(1, 5), with_groups=seed % 2 == 1
    )
    result = protect(cells, equations, threshold=5)
    assert not result.exposed
    for key, cell in cells.items():
        if 0 < cell.value < 5:
            assert key in result.primary
    assert _determined(cells, equations, set(result.suppressed)) == []


@pytest.mark.parametrize("seed", range(30))
def test_random_capacity_tables_keep_installed_public_and_occupied_secret(seed: int) -> None:
    rng = random.Random(1000 + seed)
    cells: dict[Hashable, Cell] = {}
    equations: list[Equation[Hashable]] = []
    for modality in ("nuit", "jour", "ambulatoire"):
        installed = rng.randint(1, 30)
        occupied = rng.randint(0, installed)
        cells[(modality, "installed")] = Cell(installed, sensitive=False, known=True)
        cells[(modality, "occupied")] = Cell(occupied, sensitive=True)
        cells[(modality, "available")] = Cell(installed - occupied, sensitive=False)
        equations.append(
            Equation((modality, "installed"), ((modality, "occupied"), (modality, "available")))
        )
    result = protect(cells, equations, threshold=5)
    assert not result.exposed
    assert not any(isinstance(key, tuple) and key[1] == "installed" for key in result.suppressed)
    assert _determined(cells, equations, set(result.suppressed)) == []
    for modality in ("nuit", "jour", "ambulatoire"):
        if 0 < cells[(modality, "occupied")].value < 5:
            assert (modality, "available") in result.secondary


def test_a_single_small_cell_in_a_column_takes_a_second_one_with_it() -> None:
    cells: dict[Hashable, Cell] = {
        "a": Cell(3, sensitive=True),
        "b": Cell(9, sensitive=True),
        "c": Cell(7, sensitive=True),
        "total": Cell(19, sensitive=True),
    }
    equations: list[Equation[Hashable]] = [Equation("total", ("a", "b", "c"))]
    result = protect(cells, equations)
    assert result.primary == {"a"}
    assert result.secondary == {"c"}  # the smallest positive published part


def test_zeros_pinned_by_non_negativity_are_protected() -> None:
    # total 7 = 7 + a + b with a = b = 0 suppressed: both are pinned to 0 by a >= 0, b >= 0.
    cells: dict[Hashable, Cell] = {
        "a": Cell(0, sensitive=True),
        "b": Cell(0, sensitive=True),
        "c": Cell(7, sensitive=True),
        "total": Cell(7, sensitive=True),
    }
    equations: list[Equation[Hashable]] = [Equation("total", ("a", "b", "c"))]
    assert _determined(cells, equations, {"a", "b"}) == ["a", "b"]
    # Zeros describe nobody: they are published, so nothing here needs hiding.
    assert protect(cells, equations).suppressed == frozenset()
    # A small cell beside them: hiding it and one partner must not leave it pinned by
    # the zeros' non-negativity.
    cells["a"] = Cell(2, sensitive=True)
    cells["total"] = Cell(9, sensitive=True)
    result = protect(cells, equations)
    assert "a" in result.primary
    assert _determined(cells, equations, set(result.suppressed)) == []


def test_a_bridge_between_two_hidden_cycles_is_exposed_although_every_line_hides_two() -> None:
    # 4x4 table with row and column totals. Hidden: a 2x2 cycle in rows 0-1 / columns 0-1,
    # another in rows 2-3 / columns 2-3, and the bridge (1, 2). Every row and column
    # hides 0 or >= 2 cells (the usual rule of thumb), yet rows 0+1 minus columns 0+1
    # give the bridge exactly.
    rng = random.Random(3)
    cells: dict[Hashable, Cell] = {}
    for r in range(4):
        for c in range(4):
            cells[(r, c)] = Cell(rng.randint(5, 30), sensitive=True)
    equations: list[Equation[Hashable]] = []
    for r in range(4):
        cells[(r, "total")] = Cell(sum(cells[(r, c)].value for c in range(4)), sensitive=True)
        equations.append(Equation((r, "total"), tuple((r, c) for c in range(4))))
    for c in range(4):
        cells[("total", c)] = Cell(sum(cells[(r, c)].value for r in range(4)), sensitive=True)
        equations.append(Equation(("total", c), tuple((r, c) for r in range(4))))
    hidden: set[Hashable] = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}
    assert exposed_cells(cells, equations, hidden) == {(1, 2)}
    assert _determined(cells, equations, hidden) == [(1, 2)]


@given(
    values=st.lists(
        st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=4),
        min_size=1,
        max_size=5,
    ),
    threshold=st.integers(min_value=1, max_value=6),
)
@settings(max_examples=150, deadline=None)
def test_hypothesis_two_way_tables_with_margins(values: list[list[int]], threshold: int) -> None:
    width = min(len(row) for row in values)
    cells: dict[Hashable, Cell] = {}
    equations: list[Equation[Hashable]] = []
    for r, row in enumerate(values):
        for c in range(width):
            cells[(r, c)] = Cell(row[c], sensitive=True)
        cells[(r, "all")] = Cell(sum(row[:width]), sensitive=True)
        equations.append(Equation((r, "all"), tuple((r, c) for c in range(width))))
    for c in [*range(width), "all"]:
        cells[("all", c)] = Cell(sum(cells[(r, c)].value for r in range(len(values))), True)
        equations.append(Equation(("all", c), tuple((r, c) for r in range(len(values)))))
    result = protect(cells, equations, threshold)
    assert not result.exposed
    assert {k for k, cell in cells.items() if 0 < cell.value < threshold} <= result.primary
    assert determined(cells, equations, set(result.suppressed)) == []
