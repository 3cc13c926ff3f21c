"""Primary and secondary cell suppression of one published table. Pure: no database.

A table is a set of cells (any hashable key) and its additive structure, a list of
equations ``total = sum(parts)`` that a reader knows hold (a region's total is the
sum of its establishments' rows; installed places = occupied + available...).

Primary suppression: a cell that counts young people (``sensitive``) and is above
zero and under the threshold (the small-cell rule: 1 to threshold - 1). A zero is
published: it describes nobody, and hiding it would cascade through the secondary
suppression until even an establishment's or a region's total file active is hidden
whenever one pathway status is empty.

Secondary suppression: no suppressed cell may be recoverable from the published
ones. A reader who knows the equations and that counts are non-negative can bound
every suppressed cell by linear programming; a cell is *exposed* when its minimum
equals its maximum. Exposure is checked in two steps:

1. linear: with exact rational elimination, a suppressed cell is determined when its
   unit vector lies in the row space of the equations restricted to the suppressed
   cells (the published cells are constants);
2. bounds: when some suppressed cell is 0, non-negativity can pin cells that the
   equations alone leave free (``total 7 = 7 + a + b`` forces ``a = b = 0``). With
   only positive suppressed cells the true values are an interior point and step 1
   is exact. Otherwise a null-space direction that moves the cell and keeps every
   zero cell on one side proves it free; for the cells left without such a
   witness, the minimum and maximum are computed with ``scipy.optimize.linprog``.

Equations linked by suppressed cells are solved block by block (a region's
columns are independent blocks), and unchanged blocks are not solved again.

While some cell is exposed, one more published cell is suppressed, taken from an
equation of the exposed cell: a positive value first (it opens room in both
directions), then the smallest (the least information lost). Cells marked ``known``
(published elsewhere, like the authorised capacity) are never suppressed.

Not covered, by design: inequalities between overlapping breakdowns (file active
by modality ≤ file active total) only bound cells, never pin them exactly; and
differencing between separate responses (a department and its region) is outside
"the same response".
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import linprog

K = TypeVar("K", bound=Hashable)

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True, slots=True)
class Cell:
    value: float
    sensitive: bool
    known: bool = False


@dataclass(frozen=True, slots=True)
class Equation(Generic[K]):
    """``total = sum(parts)``, known to every reader."""

    total: K
    parts: tuple[K, ...]

    @property
    def cells(self) -> tuple[K, ...]:
        return (self.total, *self.parts)

    def coefficient(self, key: K) -> int:
        return (1 if key == self.total else 0) - self.parts.count(key)


@dataclass(frozen=True, slots=True)
class Suppression(Generic[K]):
    primary: frozenset[K]
    secondary: frozenset[K]
    # Cells still exposed because nothing else could be suppressed (all known): empty
    # unless the table itself makes a cell public.
    exposed: frozenset[K] = field(default_factory=frozenset)

    @property
    def suppressed(self) -> frozenset[K]:
        return self.primary | self.secondary


def protect(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    forced: Iterable[K] = (),
    cache: dict[frozenset[K], frozenset[K]] | None = None,
) -> Suppression[K]:
    """``forced``: cells already suppressed in another published table about the same
    figures (they stay suppressed here and are protected like primary cells). ``cache``:
    the exposure of blocks already solved, kept by a caller that protects the same table
    again with more cells forced."""
    for equation in equations:
        missing = [key for key in equation.cells if key not in cells]
        if missing:
            raise ValueError(f"an equation names unknown cells: {missing!r}")
    primary = {
        key
        for key, cell in cells.items()
        if cell.sensitive and not cell.known and 0 < cell.value < threshold
    }
    primary |= {key for key in forced if key in cells}
    suppressed = set(primary)
    order = {key: index for index, key in enumerate(cells)}
    cache = {} if cache is None else cache
    while True:
        exposed = exposed_cells(cells, equations, suppressed, cache)
        if not exposed:
            return Suppression(frozenset(primary), frozenset(suppressed - primary))
        target = min(exposed, key=order.__getitem__)
        extra = _next_suppression(cells, equations, suppressed, target, order)
        if extra is None:
            return Suppression(
                frozenset(primary), frozenset(suppressed - primary), frozenset(exposed)
            )
        suppressed.add(extra)


def _next_suppression(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    suppressed: set[K],
    target: K,
    order: Mapping[K, int],
) -> K | None:
    """A published cell to suppress so that ``target`` is no longer exposed.

    First from the equations holding the target, then from every equation connected
    to it through suppressed cells.
    """
    reached = {target}
    frontier = [target]
    seen_equations: set[int] = set()
    while frontier:
        candidates: set[K] = set()
        next_frontier: list[K] = []
        for index, equation in enumerate(equations):
            if index in seen_equations or not any(key in equation.cells for key in frontier):
                continue
            seen_equations.add(index)
            for key in equation.cells:
                if key in suppressed:
                    if key not in reached:
                        reached.add(key)
                        next_frontier.append(key)
                elif not cells[key].known:
                    candidates.add(key)
        if candidates:
            return min(
                candidates,
                key=lambda key: (cells[key].value <= 0, cells[key].value, order[key]),
            )
        frontier = next_frontier
    return None


def exposed_cells(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    suppressed: Iterable[K],
    cache: dict[frozenset[K], frozenset[K]] | None = None,
) -> set[K]:
    """Suppressed cells whose value a reader can recover from the published ones.

    Equations linked by suppressed cells form independent blocks (a region's columns
    usually are); each block is solved on its own, and ``cache`` keeps the answer of
    blocks that did not change between two rounds of ``protect``.
    """
    hidden = set(suppressed)
    exposed: set[K] = set()
    for block_cells, block_equations in _blocks(equations, hidden):
        if cache is not None and block_cells in cache:
            exposed |= cache[block_cells]
            continue
        found = frozenset(_exposed_in_block(cells, block_equations, block_cells))
        if cache is not None:
            cache[block_cells] = found
        exposed |= found
    return exposed


def _blocks(
    equations: Sequence[Equation[K]], hidden: set[K]
) -> list[tuple[frozenset[K], list[Equation[K]]]]:
    """Equations grouped by the suppressed cells they share (union-find)."""
    parent: dict[K, K] = {}

    def find(key: K) -> K:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching: list[tuple[Equation[K], list[K]]] = []
    for equation in equations:
        unknown = [key for key in equation.cells if key in hidden]
        if not unknown:
            continue
        touching.append((equation, unknown))
        for key in unknown[1:]:
            parent[find(key)] = find(unknown[0])
    groups: dict[K, tuple[set[K], list[Equation[K]]]] = {}
    for equation, unknown in touching:
        root = find(unknown[0])
        members, block = groups.setdefault(root, (set(), []))
        members.update(unknown)
        block.append(equation)
    # A suppressed cell in no equation is never recoverable: it forms no block.
    return [(frozenset(members), block) for members, block in groups.values()]


def _exposed_in_block(
    cells: Mapping[K, Cell], equations: Sequence[Equation[K]], block: frozenset[K]
) -> set[K]:
    unknowns = sorted(block, key=repr)
    rows = [[Fraction(equation.coefficient(key)) for key in unknowns] for equation in equations]
    matrix, pivots = _rref(rows, len(unknowns))
    determined = _determined_columns(matrix, pivots)
    exposed = {unknowns[index] for index in determined}
    zeros = {index for index, key in enumerate(unknowns) if cells[key].value == 0}
    if not zeros:
        return exposed
    # With zeros hidden, non-negativity may pin more cells. A null-space direction that
    # moves a cell and keeps every zero cell on one side proves it free; the LP decides
    # only for cells without such a witness.
    free_directions = _null_space(matrix, pivots, len(unknowns))
    doubtful = {
        key
        for index, key in enumerate(unknowns)
        if index not in determined
        and not any(
            direction[index] != 0
            and (all(direction[z] >= 0 for z in zeros) or all(direction[z] <= 0 for z in zeros))
            for direction in free_directions
        )
    }
    if doubtful:
        exposed |= _pinned_by_bounds(cells, equations, unknowns, doubtful)
    return exposed


def _rref(rows: list[list[Fraction]], width: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form (exact) and the pivot column of each non-zero row."""
    matrix = [row[:] for row in rows]
    pivots: list[int] = []
    rank = 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    return matrix[:rank], pivots


def _determined_columns(matrix: list[list[Fraction]], pivots: list[int]) -> set[int]:
    """Columns whose unit vector is in the row space: pivot columns alone in their row."""
    return {
        col
        for row, col in zip(matrix, pivots, strict=True)
        if all(value == 0 for index, value in enumerate(row) if index != col)
    }


def _null_space(
    matrix: list[list[Fraction]], pivots: list[int], width: int
) -> list[list[Fraction]]:
    """One basis vector per free column: the moves the equations allow."""
    pivot_set = set(pivots)
    basis: list[list[Fraction]] = []
    for free in range(width):
        if free in pivot_set:
            continue
        vector = [Fraction(0)] * width
        vector[free] = Fraction(1)
        for row, col in zip(matrix, pivots, strict=True):
            vector[col] = -row[free]
        basis.append(vector)
    return basis


def _pinned_by_bounds(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    unknowns: Sequence[K],
    candidates: set[K],
) -> set[K]:
    """Candidates whose LP minimum equals their maximum under non-negativity."""
    column = {key: index for index, key in enumerate(unknowns)}
    a_rows: list[list[float]] = []
    b_values: list[float] = []
    for equation in equations:
        if not any(key in column for key in equation.cells):
            continue
        row = [0.0] * len(unknowns)
        constant = 0.0
        for key in set(equation.cells):
            coefficient = equation.coefficient(key)
            if key in column:
                row[column[key]] = float(coefficient)
            else:
                constant -= coefficient * cells[key].value
        a_rows.append(row)
        b_values.append(constant)
    a_eq = np.array(a_rows)
    b_eq = np.array(b_values)
    pinned: set[K] = set()
    for key in unknowns:
        if key not in candidates:
            continue
        objective = np.zeros(len(unknowns))
        objective[column[key]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if high.status == 3:  # unbounded above: free
            continue
        if low.status == 0 and high.status == 0 and abs(low.fun + high.fun) < 1e-7:
            pinned.add(key)
    return pinned
