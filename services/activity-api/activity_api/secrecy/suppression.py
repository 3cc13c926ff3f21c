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

1. linear: with exact rational elimination (sparse rows, ints while the values are
   integers, ``Fraction`` otherwise), a suppressed cell is determined when its unit
   vector lies in the row space of the equations restricted to the suppressed cells
   (the published cells are constants);
2. bounds: when some suppressed cell is 0, non-negativity can pin cells that the
   equations alone leave free (``total 7 = 7 + a + b`` forces ``a = b = 0``). With
   only positive suppressed cells the true values are an interior point and step 1
   is exact. Otherwise a null-space direction that moves the cell and keeps every
   zero cell on one side proves it free; for the cells left without such a witness,
   the hidden zeros that are 0 at every feasible point (the implicit equalities) are
   found with a few ``scipy.optimize.linprog`` runs, and the cell is pinned exactly
   when step 1 determines it with those zeros added as equations (a linear function
   is constant on a polyhedron iff it is on its affine hull): no LP pair per cell.

Equations linked by suppressed cells are solved block by block (a region's
columns are independent blocks), and unchanged blocks are not solved again; every
exposed block gets its next suppression in the same round.

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
    holding: dict[K, list[int]] = {}
    for index, equation in enumerate(equations):
        for key in dict.fromkeys(equation.cells):
            holding.setdefault(key, []).append(index)
    while True:
        by_block = _exposed_by_block(cells, equations, suppressed, cache)
        if not by_block:
            return Suppression(frozenset(primary), frozenset(suppressed - primary))
        # Blocks are independent: each exposed block gets one more suppression per round.
        extras: set[K] = set()
        for exposed in by_block:
            target = min(exposed, key=order.__getitem__)
            extra = _next_suppression(cells, equations, holding, suppressed, target, order)
            if extra is None:
                return Suppression(
                    frozenset(primary),
                    frozenset(suppressed - primary),
                    frozenset().union(*by_block),
                )
            extras.add(extra)
        suppressed |= extras


def _next_suppression(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    holding: Mapping[K, Sequence[int]],
    suppressed: set[K],
    target: K,
    order: Mapping[K, int],
) -> K | None:
    """A published cell to suppress so that ``target`` is no longer exposed.

    First from the equations holding the target, then from every equation connected
    to it through suppressed cells (``holding``: the equations each cell is in).
    """
    reached = {target}
    frontier = [target]
    seen_equations: set[int] = set()
    while frontier:
        candidates: set[K] = set()
        next_frontier: list[K] = []
        for index in sorted({i for key in frontier for i in holding.get(key, ())}):
            if index in seen_equations:
                continue
            seen_equations.add(index)
            for key in equations[index].cells:
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
    """Suppressed cells whose value a reader can recover from the published ones."""
    return set().union(*_exposed_by_block(cells, equations, set(suppressed), cache))


def _exposed_by_block(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    hidden: set[K],
    cache: dict[frozenset[K], frozenset[K]] | None,
) -> list[frozenset[K]]:
    """The exposed cells of each block that has some.

    Equations linked by suppressed cells form independent blocks (a region's columns
    usually are); each block is solved on its own, and ``cache`` keeps the answer of
    blocks that did not change between two rounds of ``protect``.
    """
    found: list[frozenset[K]] = []
    for block_cells, block_equations in _blocks(equations, hidden):
        exposed = cache.get(block_cells) if cache is not None else None
        if exposed is None:
            exposed = frozenset(_exposed_in_block(cells, block_equations, block_cells))
            if cache is not None:
                cache[block_cells] = exposed
        if exposed:
            found.append(exposed)
    return found


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


# A sparse row: column -> non-zero coefficient, an int while it is one (the equations'
# coefficients are small integers and most pivots are 1: ints keep it fast), else exact.
Row = dict[int, Fraction | int]


def _exposed_in_block(
    cells: Mapping[K, Cell], equations: Sequence[Equation[K]], block: frozenset[K]
) -> set[K]:
    unknowns = sorted(block, key=repr)
    column = {key: index for index, key in enumerate(unknowns)}
    rows: list[Row] = []
    for equation in equations:
        row: Row = {}
        for key in equation.cells:
            index = column.get(key)
            if index is not None and index not in row:
                coefficient = equation.coefficient(key)
                if coefficient:
                    row[index] = coefficient
        rows.append(row)
    reduced = _rref(rows)
    determined = _determined_columns(reduced)
    exposed = {unknowns[index] for index in determined}
    zeros = [index for index, key in enumerate(unknowns) if cells[key].value == 0]
    if not zeros:
        return exposed
    # With zeros hidden, non-negativity may pin more cells. A null-space direction that
    # moves a cell and keeps every zero cell on one side proves it free; the LP decides
    # only for cells without such a witness.
    free_directions = _null_space(reduced, len(unknowns))
    witnessed: set[int] = set()
    for direction in free_directions:
        signs = {direction[z] > 0 for z in zeros if z in direction}
        if len(signs) <= 1:  # every zero cell on one side (or not moved)
            witnessed.update(direction)
    doubtful = {
        key
        for index, key in enumerate(unknowns)
        if index not in determined and index not in witnessed
    }
    if doubtful:
        exposed |= _pinned_by_bounds(cells, equations, unknowns, doubtful, reduced)
    return exposed


def _rref(rows: Iterable[Row]) -> dict[int, Row]:
    """Reduced row echelon form (exact, sparse): pivot column -> its row, with 1 at the
    pivot, nothing before it, and 0 in every other pivot column. Rows are added one at a
    time, reduced by the pivot rows so far, and then reduce them in turn; the result is
    the unique reduced form of the rows' span, whatever their order."""
    pivots: dict[int, Row] = {}
    holding: dict[int, set[int]] = {}  # column -> pivot columns whose row holds it
    for original in rows:
        row = dict(original)
        for col in [c for c in row if c in pivots]:
            factor = row.get(col)
            if factor:
                _subtract(row, pivots[col], factor)
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        lead = min(row)
        scale = row[lead]
        if scale == -1:
            row = {c: -v for c, v in row.items()}
        elif scale != 1:
            row = {c: _exact(Fraction(v) / scale) for c, v in row.items()}
        for other in list(holding.get(lead, ())):
            target = pivots[other]
            factor = target.get(lead)
            if factor:
                _subtract(target, row, factor)
                for c in [c for c, v in target.items() if not v]:
                    del target[c]
                    holding.get(c, set()).discard(other)
                for c in target:
                    if c != other:
                        holding.setdefault(c, set()).add(other)
        holding.pop(lead, None)
        pivots[lead] = row
        for c in row:
            if c != lead:
                holding.setdefault(c, set()).add(lead)
    return pivots


def _subtract(row: Row, pivot_row: Row, factor: Fraction | int) -> None:
    """``row -= factor * pivot_row`` in place (zeros left for the caller to drop)."""
    for c, v in pivot_row.items():
        row[c] = _exact(row.get(c, 0) - factor * v)


def _exact(value: Fraction | int) -> Fraction | int:
    """An int when the value is one."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def _determined_columns(reduced: Mapping[int, Row]) -> set[int]:
    """Columns whose unit vector is in the row space: pivot columns alone in their row."""
    return {col for col, row in reduced.items() if len(row) == 1}


def _null_space(reduced: Mapping[int, Row], width: int) -> list[Row]:
    """One basis vector per free column (sparse): the moves the equations allow."""
    by_free: dict[int, Row] = {}
    for free in range(width):
        if free not in reduced:
            by_free[free] = {free: 1}
    for col, row in reduced.items():
        for c, v in row.items():
            if c != col:
                by_free[c][col] = -v
    return list(by_free.values())


def _pinned_by_bounds(
    cells: Mapping[K, Cell],
    equations: Sequence[Equation[K]],
    unknowns: Sequence[K],
    candidates: set[K],
    reduced: Mapping[int, Row],
) -> set[K]:
    """Candidates whose minimum equals their maximum under non-negativity.

    The feasible set ``{x >= 0 : A x = b}`` has the affine hull ``A x = b`` plus
    ``x_z = 0`` for its implicit equalities, the cells that are 0 at every feasible
    point; a cell is constant on the set exactly when it is constant on that hull. Only
    hidden zeros can be implicit equalities (the true values are feasible); they are
    found with a few LPs (maximise the sum of the zeros not yet seen positive, each
    capped at 1: those it makes positive are free, until the optimum is 0), then the
    pinned cells are the determined columns of the equations plus ``x_z = 0``.
    """
    column = {key: index for index, key in enumerate(unknowns)}
    a_rows: list[list[float]] = []
    b_values: list[float] = []
    for equation in equations:
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
    undecided = [index for index, key in enumerate(unknowns) if cells[key].value == 0]
    while undecided:
        objective = np.zeros(len(unknowns))
        objective[undecided] = -1.0
        upper = np.full(len(unknowns), np.inf)
        upper[undecided] = 1.0
        result = linprog(
            objective,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=np.column_stack([np.zeros(len(unknowns)), upper]),
            method="highs",
        )
        if result.status != 0:  # cannot happen (the true values are feasible): be safe
            return set(candidates)
        moved = [index for index in undecided if result.x[index] > _POSITIVE]
        if not moved:
            break
        undecided = [index for index in undecided if index not in set(moved)]
    if not undecided:
        return set()
    forced: list[Row] = [{index: 1} for index in undecided]
    with_zeros = _rref([*reduced.values(), *forced])
    determined = _determined_columns(with_zeros)
    return {key for key in candidates if column[key] in determined}


# A hidden zero the LP raises above this is free (vertices here are integers or simple
# fractions; a solver's noise is far below).
_POSITIVE = 1e-6
