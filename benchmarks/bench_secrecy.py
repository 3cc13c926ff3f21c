"""Secondary suppression of a region-sized table, measured in one run.

(a) baseline: what a reader's exact check costs: one LP minimum and maximum per
    suppressed cell over the whole table (scipy HiGHS), run once on the final
    suppression pattern;
(b) ours: ``protect`` from scratch (primary, then secondary rounds until nothing
    is exposed), which solves blocks separately and runs an LP only where no
    null-space witness proves a cell free.

Prints both times (medians of ``--repeat`` runs) and the ratio b/a per table
size (establishments x figures).

    .venv/bin/python -m benchmarks.bench_secrecy [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Hashable
from functools import partial

import numpy as np
from scipy.optimize import linprog

from activity_api.secrecy.suppression import Cell, Equation, protect

Table = tuple[dict[Hashable, Cell], list[Equation[Hashable]]]


def region_table(rows: int, columns: int, seed: int = 1) -> Table:
    """Establishments x figures and a total row, values like small DITEP counts."""
    rng = random.Random(seed)
    cells: dict[Hashable, Cell] = {}
    equations: list[Equation[Hashable]] = []
    for row in range(rows):
        for column in range(columns):
            cells[(row, column)] = Cell(rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 40]), True)
    for column in range(columns):
        total = sum(cells[(row, column)].value for row in range(rows))
        cells[("total", column)] = Cell(total, True)
        equations.append(Equation(("total", column), tuple((r, column) for r in range(rows))))
    return cells, equations


def lp_pairs(
    cells: dict[Hashable, Cell], equations: list[Equation[Hashable]], unknowns: list[Hashable]
) -> set[Hashable]:
    """The reader's exact check: LP minimum and maximum of every suppressed cell."""
    column = {key: index for index, key in enumerate(unknowns)}
    a_rows: list[list[float]] = []
    b_values: list[float] = []
    for equation in equations:
        if not any(key in column for key in equation.cells):
            continue
        row = [0.0] * len(unknowns)
        constant = 0.0
        for key in set(equation.cells):
            if key in column:
                row[column[key]] = float(equation.coefficient(key))
            else:
                constant -= equation.coefficient(key) * cells[key].value
        a_rows.append(row)
        b_values.append(constant)
    pinned: set[Hashable] = set()
    for key in unknowns:
        objective = np.zeros(len(unknowns))
        objective[column[key]] = 1.0
        low = linprog(objective, A_eq=a_rows, b_eq=b_values, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_rows, b_eq=b_values, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and abs(low.fun + high.fun) < 1e-7:
            pinned.add(key)
    return pinned


def median_seconds(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small tables only")
    args = parser.parse_args()
    sizes = [(10, 10), (30, 25)] if args.quick else [(10, 10), (30, 25), (60, 60)]
    for rows, columns in sizes:
        cells, equations = region_table(rows, columns)
        hidden = protect(cells, equations).suppressed
        unknowns = sorted(hidden, key=repr)
        baseline = median_seconds(partial(lp_pairs, cells, equations, unknowns), args.repeat)
        ours = median_seconds(partial(protect, cells, equations), args.repeat)
        print(
            f"{rows:3d} x {columns:3d}: {len(hidden):5d} suppressed; "
            f"baseline (one LP pair per cell) {baseline:.3f} s, protect {ours:.3f} s, "
            f"ratio {ours / baseline:.2f}"
        )


if __name__ == "__main__":
    main()
