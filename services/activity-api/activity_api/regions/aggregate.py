"""Summing establishment reports into an area's report, generically. Pure.

The establishment body is walked as a tree, so that the aggregate keeps working
when the counting body grows:

- numeric leaves are summed (a young person followed by two establishments counts
  in both: an area's file active is the sum of its establishments');
- ratios are recomputed from their summed numerator and denominator
  (``RATIOS``); a numeric leaf that looks like a ratio but is not declared
  (``share``, ``rate``, ``ratio``, ``average``…) is not summed but left null and
  listed in ``not_aggregated``;
- string leaves and lists of strings are kept only when they name versions or
  profiles (collected as sorted distinct lists); any other text, and lists of
  objects (per-person detail), never reaches an area output.

Statistical secrecy (``activity_api.secrecy``) is applied to the whole response:
rows = establishments, plus the total row; every summed column is an equation;
within a row, ``ADDITIVE_GROUPS`` add the breakdowns that sum to a total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from activity_api.secrecy.suppression import Cell, Equation, protect

Path = str
TOTAL_ROW = "total"

# ratio path → (numerator path, denominator path), recomputed after summing.
RATIOS: dict[Path, tuple[Path, Path]] = {
    "multi_modality.share": ("multi_modality.youth", "file_active.total"),
    "capacity.occupation_rate": ("capacity.occupied", "capacity.installed"),
}
_RATIO_LIKE = re.compile(r"(^|_)(share|rate|ratio|average|mean|percent|percentage|median)($|_)")

# Paths whose figures count young people (counting.md §7): any segment matching.
_SENSITIVE = re.compile(
    r"(^|\.)("
    r"file_active|youth|young|young_people|people|persons|jeunes|multi_modality|"
    r"units?|unit_scores?|bands?|surcharges?|occupied|by_status|pathway|transitions"
    r")($|\.|_)"
)

# Within one row, parts that sum to a total (when they do in that row): "{x}" is any
# path prefix. Only exact equalities are declared; they make suppression stronger.
ADDITIVE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("{x}.installed", ("{x}.occupied", "{x}.available")),
    ("{x}.total", ("{x}.by_status.*",)),
)

_KEEP_TEXT = re.compile(r"(version|profile)", re.IGNORECASE)


@cache  # the same few hundred paths, for every row of every table
def is_sensitive(path: Path) -> bool:
    return bool(_SENSITIVE.search(path))


@cache
def is_ratio_like(path: Path) -> bool:
    return bool(_RATIO_LIKE.search(path.rsplit(".", 1)[-1]))


def flatten(body: Mapping[str, Any], prefix: str = "") -> dict[Path, Any]:
    """Dotted paths to leaves; lists are leaves."""
    flat: dict[Path, Any] = {}
    for name, value in body.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def unflatten(flat: Mapping[Path, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        *parents, leaf = path.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value
    return tree


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True, slots=True)
class EstablishmentFigures:
    finess: str
    name: str
    department_code: str
    figures: Mapping[str, Any]


@dataclass(slots=True)
class PublishedRow:
    figures: dict[str, Any]
    suppressed: list[Path] = field(default_factory=list)


@dataclass(slots=True)
class AreaTable:
    total: PublishedRow
    rows: list[tuple[EstablishmentFigures, PublishedRow]]
    not_aggregated: list[Path]
    threshold: int


def _group_equations(row: str, numbers: Mapping[Path, float]) -> list[Equation[tuple[str, Path]]]:
    equations: list[Equation[tuple[str, Path]]] = []
    for total_template, part_templates in ADDITIVE_GROUPS:
        suffix = total_template.removeprefix("{x}")
        for total_path in [p for p in numbers if p.endswith(suffix) and p != suffix.lstrip(".")]:
            prefix = total_path[: -len(suffix)]
            parts: list[Path] = []
            for template in part_templates:
                pattern = template.replace("{x}", prefix)
                if pattern.endswith(".*"):
                    stem = pattern[:-1]
                    parts += [
                        p for p in numbers if p.startswith(stem) and "." not in p[len(stem) :]
                    ]
                elif pattern in numbers:
                    parts.append(pattern)
                else:
                    parts = []
                    break
            if parts and abs(sum(numbers[p] for p in parts) - numbers[total_path]) < 1e-9:
                equations.append(Equation((row, total_path), tuple((row, part) for part in parts)))
    return equations


def aggregate(rows: Sequence[EstablishmentFigures], *, threshold: int) -> AreaTable:
    flat_rows = [flatten(row.figures) for row in rows]
    numeric_paths: list[Path] = []
    text_paths: list[Path] = []
    not_aggregated: set[Path] = set()
    for flat in flat_rows:
        for path, value in flat.items():
            if path in RATIOS:
                continue
            if _is_number(value):
                if is_ratio_like(path):
                    not_aggregated.add(path)
                elif path not in numeric_paths:
                    numeric_paths.append(path)
            elif (
                (isinstance(value, str) or _is_text_list(value))
                and _KEEP_TEXT.search(path)
                and path not in text_paths
            ):
                text_paths.append(path)
    numbers_by_row: dict[str, dict[Path, float]] = {}
    for row, flat in zip(rows, flat_rows, strict=True):
        numbers_by_row[row.finess] = {
            path: flat[path] for path in numeric_paths if _is_number(flat.get(path))
        }
    totals: dict[Path, float] = {
        path: sum(numbers[path] for numbers in numbers_by_row.values() if path in numbers)
        for path in numeric_paths
    }
    numbers_by_row[TOTAL_ROW] = totals

    cells: dict[tuple[str, Path], Cell] = {}
    for row_id, numbers in numbers_by_row.items():
        for path, value in numbers.items():
            cells[(row_id, path)] = Cell(float(value), sensitive=is_sensitive(path))
    equations: list[Equation[tuple[str, Path]]] = [
        Equation(
            (TOTAL_ROW, path),
            tuple((row.finess, path) for row in rows if path in numbers_by_row[row.finess]),
        )
        for path in numeric_paths
    ]
    for row_id, numbers in numbers_by_row.items():
        equations += _group_equations(row_id, numbers)
    hidden = protect(cells, equations, threshold).suppressed

    def publish(row_id: str, flat: Mapping[Path, Any] | None) -> PublishedRow:
        numbers = numbers_by_row[row_id]
        suppressed = {path for (rid, path) in hidden if rid == row_id}
        figures: dict[Path, Any] = {}
        for path in numeric_paths:
            if path in numbers:
                figures[path] = None if path in suppressed else numbers[path]
        for ratio, (numerator, denominator) in RATIOS.items():
            if numerator in numbers and denominator in numbers:
                if numerator in suppressed or denominator in suppressed:
                    figures[ratio] = None
                    suppressed.add(ratio)
                else:
                    figures[ratio] = (
                        round(numbers[numerator] / numbers[denominator], 4)
                        if numbers[denominator]
                        else None
                    )
        for path in sorted(not_aggregated):
            figures[path] = None
        for path in text_paths:
            if flat is None:
                figures[path] = _collect(flat_row.get(path) for flat_row in flat_rows)
            elif path in flat:
                figures[path] = flat[path]
        return PublishedRow(unflatten(figures), sorted(suppressed))

    return AreaTable(
        total=publish(TOTAL_ROW, None),
        rows=[(row, publish(row.finess, flat)) for row, flat in zip(rows, flat_rows, strict=True)],
        not_aggregated=sorted(not_aggregated),
        threshold=threshold,
    )


def _collect(values: Iterable[Any]) -> list[str]:
    collected: set[str] = set()
    for value in values:
        if isinstance(value, str):
            collected.add(value)
        elif _is_text_list(value):
            collected.update(value)
    return sorted(collected)
