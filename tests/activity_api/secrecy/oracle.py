"""An attacker solving suppressed cells back, independent of ``activity_api.secrecy``.

Floating-point ranks with numpy: a suppressed cell is determined when adding its unit
vector to the equations restricted to the suppressed cells does not raise the rank;
and, with non-negativity, LP minimum and maximum with scipy: determined when equal.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

from activity_api.secrecy.suppression import Cell, Equation


def determined(
    cells: Mapping[Hashable, Cell], equations: Sequence[Equation[Hashable]], hidden: set[Hashable]
) -> list[Hashable]:
    unknowns = sorted(hidden, key=repr)
    if not unknowns:
        return []
    index = {key: i for i, key in enumerate(unknowns)}
    rows, rhs = [], []
    for equation in equations:
        row = np.zeros(len(unknowns))
        constant = 0.0
        for key, sign in [(equation.total, 1.0)] + [(part, -1.0) for part in equation.parts]:
            if key in index:
                row[index[key]] += sign
            else:
                constant -= sign * cells[key].value
        if row.any():
            rows.append(row)
            rhs.append(constant)
    a_eq = np.array(rows) if rows else np.zeros((0, len(unknowns)))
    rank = np.linalg.matrix_rank(a_eq) if rows else 0
    found = []
    for key in unknowns:
        unit = np.zeros(len(unknowns))
        unit[index[key]] = 1.0
        stacked = np.vstack([a_eq, unit]) if rows else unit[None, :]
        if np.linalg.matrix_rank(stacked) == rank:
            found.append(key)
            continue
        if not rows:
            continue
        low = linprog(unit, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-unit, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
        assert low.status == 0, "the true values are feasible"
        if high.status == 0 and abs(low.fun + high.fun) < 1e-6:
            found.append(key)
    return found
