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

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any, Protocol

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
    # Where nobody is in two modalities, the file active is the sum of its modalities
    # (and multi_modality.youth = 0 tells the reader so): total − other modalities.
    ("{x}.total", ("{x}.by_modality.*",)),
    ("{x}.youth_weeks", ("{x}.by_score.*",)),
)

_KEEP_TEXT = re.compile(r"(version|profile)", re.IGNORECASE)

# Figures that count young people AND add up over time by definition: youth-weeks (each
# week belongs to one month of the quarter). A quarter's file active is not the sum of its
# months' (a young person seen in two months counts once): only bounded, never pinned.
TIME_ADDITIVE = re.compile(r"^units\.")


@cache  # the same few hundred paths, for every row of every table
def is_sensitive(path: Path) -> bool:
    return bool(_SENSITIVE.search(path))


@cache
def is_ratio_like(path: Path) -> bool:
    return bool(_RATIO_LIKE.search(path.rsplit(".", 1)[-1]))


def flatten(
    body: Mapping[str, Any], prefix: str = "", *, index_lists: bool = False
) -> dict[Path, Any]:
    """Dotted paths to leaves, in the body's order; lists are leaves, or with
    ``index_lists`` their items are (``path.0``, ``path.1.field``: the CSV form)."""
    flat: dict[Path, Any] = {}
    for name, value in body.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{path}.", index_lists=index_lists))
        elif index_lists and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    flat.update(flatten(item, f"{path}.{index}.", index_lists=True))
                else:
                    flat[f"{path}.{index}"] = item
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


CellKey = tuple[str, str, Path]  # (row: a FINESS or an area id, period code, figure path)


@dataclass(frozen=True, slots=True)
class SlicedFigures:
    """One establishment's figures for one period of a published family."""

    finess: str
    period: str
    figures: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AreaSum:
    """An area row a reader can read: the sum of its establishments (``members``), and
    of its sub-areas (``parts``: a region's departments) when they partition it."""

    area: str
    members: tuple[str, ...]
    parts: tuple[str, ...] = ()
    periods: tuple[str, ...] | None = None  # published for these periods only (None: all)


@dataclass(frozen=True, slots=True)
class TimeSum:
    """A period and the periods that partition it (a quarter and its months)."""

    whole: str
    parts: tuple[str, ...]


@dataclass(slots=True)
class LevelTable:
    """Every row of a published family, suppression decided once over all of them.

    ``rows`` are shared with the table remembered for the next read (``publish_levels``):
    read them, never change them; ``row`` gives a copy a caller may change."""

    rows: dict[tuple[str, str], PublishedRow]
    not_aggregated: list[Path]
    threshold: int
    suppressed: frozenset[CellKey]
    published: frozenset[CellKey]

    def row(self, row_id: str, period: str) -> PublishedRow:
        """A copy of one row (a response's rows are one period's: copying only what is
        read, not the whole family)."""
        row = self.rows.get((row_id, period))
        if row is None:
            return PublishedRow({})
        return PublishedRow(_copy_tree(row.figures), list(row.suppressed))


def _group_equations(
    row: tuple[str, str], numbers: Mapping[Path, float]
) -> list[Equation[CellKey]]:
    return [
        Equation((*row, total_path), tuple((*row, part) for part in parts))
        for total_path, parts in _group_shapes(tuple(numbers))
        if _sums(numbers[total_path], [numbers[p] for p in parts])
    ]


@lru_cache(maxsize=256)  # rows share a few sets of paths: the shapes are found once each
def _group_shapes(paths: tuple[Path, ...]) -> tuple[tuple[Path, tuple[Path, ...]], ...]:
    """The additive groups these paths can form (a total and its parts), values aside."""
    present = set(paths)
    shapes: list[tuple[Path, tuple[Path, ...]]] = []
    for total_template, part_templates in ADDITIVE_GROUPS:
        suffix = total_template.removeprefix("{x}")
        for total_path in [p for p in paths if p.endswith(suffix) and p != suffix.lstrip(".")]:
            prefix = total_path[: -len(suffix)]
            parts: list[Path] = []
            for template in part_templates:
                pattern = template.replace("{x}", prefix)
                if pattern.endswith(".*"):
                    stem = pattern[:-1]
                    parts += [p for p in paths if p.startswith(stem) and "." not in p[len(stem) :]]
                elif pattern in present:
                    parts.append(pattern)
                else:
                    parts = []
                    break
            if parts:
                shapes.append((total_path, tuple(parts)))
    return tuple(shapes)


def _sums(total: float, parts: Sequence[float]) -> bool:
    """Declared only when it holds: a reader who can check it may use it."""
    return abs(sum(parts) - total) < 1e-9


def _protect_modular(
    cells: Mapping[CellKey, Cell],
    subtables: Mapping[tuple[str, str], Sequence[Equation[CellKey]]],
    threshold: int,
    forced: set[CellKey],
) -> set[CellKey]:
    """Primary cells everywhere, then each sub-table protected with what is hidden so far,
    round after round until no sub-table hides one more cell (a fixed point)."""
    hidden = {key for key in forced if key in cells}
    hidden |= protect(cells, [], threshold).primary
    last: dict[tuple[str, str], frozenset[CellKey]] = {}
    caches: dict[tuple[str, str], dict[frozenset[CellKey], frozenset[CellKey]]] = {}
    # Keys in the order of the equations (never a set's order, which changes with the
    # process's hash seed): every process decides the same suppression for the same data.
    members = {
        label: list(dict.fromkeys(key for equation in equations for key in equation.cells))
        for label, equations in subtables.items()
    }
    changed = True
    while changed:
        changed = False
        for label, equations in subtables.items():
            keys = members[label]
            given = frozenset(key for key in keys if key in hidden)
            if last.get(label) == given:
                continue
            decision = protect(
                {key: cells[key] for key in keys},
                equations,
                threshold,
                forced=given,
                cache=caches.setdefault(label, {}),
            )
            last[label] = frozenset(decision.suppressed)
            if not decision.suppressed <= hidden:
                hidden |= decision.suppressed
                changed = True
    return hidden


class DecisionCache:
    """The suppression decided for a table, by the digest of everything it depends on
    (every cell's value, sensitivity and knownness, every equation, the threshold, the
    cells forced hidden): the same data gives the same digest and the same decision in
    every process (``protect`` is deterministic), so a later read of unchanged data, or
    the ARS activity reading the quarter's national results, does not decide again.
    New data (a transmission, a refreshed rollup) is a new digest. Bounded (LRU); in
    the process only: a read never writes."""

    def __init__(self, size: int = 64, table_size: int = 16) -> None:
        self.size = size
        self.table_size = table_size
        self._decisions: OrderedDict[str, frozenset[CellKey]] = OrderedDict()
        # The published tables themselves, by a digest of publish_levels' inputs: an
        # unchanged family is not flattened, summed and digested again (see
        # publish_levels). Cleared with the decisions.
        self._tables: OrderedDict[str, tuple[str, LevelTable]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        # Decisions taken by this process (``_protect_modular`` run), and decisions found
        # stored (``DecisionSource.lookup``) instead: what the tests count.
        self.decided = 0
        self.loaded = 0

    def get(self, digest: str) -> frozenset[CellKey] | None:
        with self._lock:
            decision = self._decisions.get(digest)
            if decision is None:
                self.misses += 1
                return None
            self._decisions.move_to_end(digest)
            self.hits += 1
            return decision

    def put(self, digest: str, decision: frozenset[CellKey]) -> None:
        with self._lock:
            self._decisions[digest] = decision
            self._decisions.move_to_end(digest)
            while len(self._decisions) > self.size:
                self._decisions.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._decisions.clear()
            self._tables.clear()
            self.hits = self.misses = self.decided = self.loaded = 0

    def decisions(self) -> dict[str, frozenset[CellKey]]:
        """The decisions this process holds, by digest (tests, benchmarks)."""
        with self._lock:
            return dict(self._decisions)

    def count(self, *, decided: bool) -> None:
        with self._lock:
            if decided:
                self.decided += 1
            else:
                self.loaded += 1

    def forget_tables(self) -> None:
        """Drop the remembered tables, keep the decisions (what a warm read cost before
        the tables were remembered: benchmarks)."""
        with self._lock:
            self._tables.clear()

    def table(self, inputs: str) -> tuple[str, LevelTable] | None:
        """The table last built from these inputs and the digest of its decision, if
        any (not counted: the decision itself is looked up and counted by the caller)."""
        with self._lock:
            entry = self._tables.get(inputs)
            if entry is not None:
                self._tables.move_to_end(inputs)
            return entry

    def put_table(self, inputs: str, digest: str, table: LevelTable) -> None:
        with self._lock:
            self._tables[inputs] = (digest, table)
            self._tables.move_to_end(inputs)
            while len(self._tables) > self.table_size:
                self._tables.popitem(last=False)


DECISIONS = DecisionCache()


class DecisionSource(Protocol):
    """Decisions kept outside the process (the ``secrecy_decision`` table:
    ``activity_api.secrecy.repository``), and who is told of each decision a table used."""

    def lookup(self, digest: str) -> frozenset[CellKey] | None:
        """The stored decision of the table with this digest, if any."""
        ...

    def before_deciding(self) -> None:
        """Called before a decision is taken in the process (seconds to minutes)."""
        ...

    def used(self, family: str, digest: str, threshold: int, hidden: frozenset[CellKey]) -> None:
        """The decision a table of ``family`` got (from the process, the store, or taken)."""
        ...


def _decision_digest(
    cells: Mapping[CellKey, Cell],
    subtables: Mapping[tuple[str, str], Sequence[Equation[CellKey]]],
    threshold: int,
    forced: set[CellKey],
) -> str:
    hasher = hashlib.sha256(f"threshold={threshold}\n".encode())
    for key, cell in cells.items():
        hasher.update(f"{key!r}={cell.value!r},{cell.sensitive:d},{cell.known:d}\n".encode())
    for label, equations in subtables.items():
        hasher.update(f"{label!r}\n".encode())
        for equation in equations:
            hasher.update(f"{equation.total!r}={equation.parts!r}\n".encode())
    for key in sorted(forced):
        hasher.update(f"forced {key!r}\n".encode())
    return hasher.hexdigest()


def _periods_of(area: AreaSum, periods: Sequence[str]) -> list[str]:
    return [p for p in periods if area.periods is None or p in area.periods]


def publish_levels(
    rows: Sequence[SlicedFigures],
    areas: Sequence[AreaSum],
    *,
    threshold: int,
    time_sums: Sequence[TimeSum] = (),
    hidden_elsewhere: Iterable[CellKey] = (),
    published_elsewhere: Iterable[CellKey] = (),
    family: str = "",
    source: DecisionSource | None = None,
) -> LevelTable:
    """Establishment rows and area rows, over one or several periods, protected at once
    (``_publish_levels``), remembered by a digest of the inputs: a warm read of unchanged
    data (the same figures, areas, periods and outside decisions) reuses the table built
    last time, provided its decision is still in ``DECISIONS`` (looked up, and counted,
    exactly as a rebuilt table would look it up), sharing its rows (``LevelTable.row``
    copies the rows a caller reads). Any change of the inputs is another digest and
    builds the table again.

    ``source``: where a decision not in the process may be stored (looked up by the
    decision's digest before deciding), told of the decision used, under ``family``
    (which table this is: ``results:2025-Q1``, ``activity:84:2025-Q1``)."""
    hidden_elsewhere = frozenset(hidden_elsewhere)
    published_elsewhere = frozenset(published_elsewhere)
    inputs = _inputs_digest(
        rows, areas, threshold, time_sums, hidden_elsewhere, published_elsewhere
    )
    remembered = DECISIONS.table(inputs)
    if remembered is not None:
        digest, table = remembered
        hidden = DECISIONS.get(digest)
        if hidden is not None:
            if source is not None:
                source.used(family, digest, threshold, hidden)
            return _copy_table(table)
    digest, table = _publish_levels(
        rows,
        areas,
        threshold=threshold,
        time_sums=time_sums,
        hidden_elsewhere=hidden_elsewhere,
        published_elsewhere=published_elsewhere,
        family=family,
        source=source,
    )
    DECISIONS.put_table(inputs, digest, table)
    return _copy_table(table)


def _inputs_digest(
    rows: Sequence[SlicedFigures],
    areas: Sequence[AreaSum],
    threshold: int,
    time_sums: Sequence[TimeSum],
    hidden_elsewhere: frozenset[CellKey],
    published_elsewhere: frozenset[CellKey],
) -> str:
    """Everything ``_publish_levels`` reads, in order. ``repr`` is exact for the plain
    data figures are (str, int, float, bool, None, lists, dicts: their order kept, as it
    orders the output too); a process-local key, never a decision (those are keyed by
    ``_decision_digest``, the same in every process)."""
    hasher = hashlib.sha256(f"threshold={threshold}\n".encode())
    for row in rows:
        hasher.update(f"{row.finess!r},{row.period!r},{row.figures!r}\n".encode())
    for area in areas:
        hasher.update(
            f"area {area.area!r},{area.members!r},{area.parts!r},{area.periods!r}\n".encode()
        )
    for time_sum in time_sums:
        hasher.update(f"time {time_sum.whole!r},{time_sum.parts!r}\n".encode())
    hasher.update(f"hidden {sorted(hidden_elsewhere)!r}\n".encode())
    hasher.update(f"published {sorted(published_elsewhere)!r}\n".encode())
    return hasher.hexdigest()


def _copy_table(table: LevelTable) -> LevelTable:
    """The table with its rows shared (read through ``row``, which copies)."""
    return replace(table, not_aggregated=list(table.not_aggregated))


def _copy_tree(figures: dict[str, Any]) -> dict[str, Any]:
    """A copy of a published row's figures: their dicts and lists are new, their leaves
    (str, numbers, None) immutable; several times faster than ``copy.deepcopy``."""
    return {
        name: _copy_tree(value)
        if isinstance(value, dict)
        else list(value)
        if isinstance(value, list)
        else value
        for name, value in figures.items()
    }


def _publish_levels(
    rows: Sequence[SlicedFigures],
    areas: Sequence[AreaSum],
    *,
    threshold: int,
    time_sums: Sequence[TimeSum] = (),
    hidden_elsewhere: Iterable[CellKey] = (),
    published_elsewhere: Iterable[CellKey] = (),
    family: str = "",
    source: DecisionSource | None = None,
) -> tuple[str, LevelTable]:
    """Establishment rows and area rows, over one or several periods, protected at once,
    and the digest of the decision.

    Every equation a reader of the family's responses knows is declared: each area is
    the sum of its establishments (and of its sub-areas), a period the sum of the periods
    that partition it (per figure, where it holds), and the additive groups within a row.
    ``hidden_elsewhere`` and ``published_elsewhere`` carry the decisions of another
    family that publishes some of the same cells: its hidden cells stay hidden here, its
    published ones are known to the reader and never hidden here.
    """
    flats = {(row.finess, row.period): flatten(row.figures) for row in rows}
    periods = list(dict.fromkeys(row.period for row in rows))
    numeric_paths: list[Path] = []
    text_paths: list[Path] = []
    not_aggregated: set[Path] = set()
    for flat in flats.values():
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
    numbers: dict[tuple[str, str], dict[Path, float]] = {
        key: {path: flat[path] for path in numeric_paths if _is_number(flat.get(path))}
        for key, flat in flats.items()
    }
    members_of: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for area in areas:
        for period in _periods_of(area, periods):
            members = [(finess, period) for finess in area.members if (finess, period) in numbers]
            members_of[(area.area, period)] = members
            summed: dict[Path, float] = {}
            for member in members:
                for path, value in numbers[member].items():
                    summed[path] = summed.get(path, 0) + value
            numbers[(area.area, period)] = {p: summed[p] for p in numeric_paths if p in summed}

    known = set(published_elsewhere)
    cells: dict[CellKey, Cell] = {}
    for (row_id, period), row_numbers in numbers.items():
        for path, value in row_numbers.items():
            key = (row_id, period, path)
            cells[key] = Cell(float(value), sensitive=is_sensitive(path), known=key in known)
    # Sub-tables (tau-Argus's modular method): one per period (areas and rows), one per
    # row over time; each is protected with the cells the others hide, until none adds any.
    subtables: dict[tuple[str, str], list[Equation[CellKey]]] = {}
    for area in areas:
        for period in _periods_of(area, periods):
            total = numbers[(area.area, period)]
            equations = subtables.setdefault(("period", period), [])
            for path in total:
                equations.append(
                    Equation(
                        (area.area, period, path),
                        tuple(
                            (finess, member_period, path)
                            for finess, member_period in members_of[(area.area, period)]
                            if path in numbers[(finess, member_period)]
                        ),
                    )
                )
                parts = [
                    (part, period) for part in area.parts if path in numbers.get((part, period), {})
                ]
                if parts and _sums(total[path], [numbers[part][path] for part in parts]):
                    equations.append(
                        Equation(
                            (area.area, period, path),
                            tuple((part, part_period, path) for part, part_period in parts),
                        )
                    )
    row_ids = list(dict.fromkeys(row_id for row_id, _ in numbers))
    for time_sum in time_sums:
        for row_id in row_ids:
            whole = numbers.get((row_id, time_sum.whole))
            parts_numbers = [numbers.get((row_id, part)) for part in time_sum.parts]
            if whole is None or any(part is None for part in parts_numbers):
                continue
            for path, value in whole.items():
                if not TIME_ADDITIVE.search(path):
                    continue
                values = [part[path] for part in parts_numbers if part and path in part]
                if len(values) == len(time_sum.parts) and _sums(value, values):
                    subtables.setdefault(("time", row_id), []).append(
                        Equation(
                            (row_id, time_sum.whole, path),
                            tuple((row_id, part, path) for part in time_sum.parts),
                        )
                    )
    for row_key, row_numbers in numbers.items():
        subtables.setdefault(("period", row_key[1]), []).extend(
            _group_equations(row_key, row_numbers)
        )
    forced = {key for key in hidden_elsewhere if key in cells}
    digest = _decision_digest(cells, subtables, threshold, forced)
    hidden = DECISIONS.get(digest)
    if hidden is None and source is not None:
        # Decided by the secrecy task (or another process) for exactly this table.
        hidden = source.lookup(digest)
        if hidden is not None:
            DECISIONS.count(decided=False)
            DECISIONS.put(digest, hidden)
    if hidden is None:
        if source is not None:
            source.before_deciding()
        hidden = frozenset(_protect_modular(cells, subtables, threshold, forced))
        DECISIONS.count(decided=True)
        DECISIONS.put(digest, hidden)
    if source is not None:
        source.used(family, digest, threshold, hidden)

    def publish(
        row_key: tuple[str, str], members: Sequence[tuple[str, str]] | None
    ) -> PublishedRow:
        row_id, period = row_key
        row_numbers = numbers[row_key]
        suppressed = {path for path in row_numbers if (row_id, period, path) in hidden}
        figures: dict[Path, Any] = {}
        for path in numeric_paths:
            if path in row_numbers:
                figures[path] = None if path in suppressed else row_numbers[path]
        for ratio, (numerator, denominator) in RATIOS.items():
            if numerator in row_numbers and denominator in row_numbers:
                if numerator in suppressed or denominator in suppressed:
                    figures[ratio] = None
                    suppressed.add(ratio)
                else:
                    figures[ratio] = (
                        round(row_numbers[numerator] / row_numbers[denominator], 4)
                        if row_numbers[denominator]
                        else None
                    )
        if row_numbers or row_key in flats:
            for path in sorted(not_aggregated):
                figures[path] = None
        flat = flats.get(row_key)
        for path in text_paths:
            if flat is None:
                if members:
                    figures[path] = _collect(flats[member].get(path) for member in members)
            elif path in flat:
                figures[path] = flat[path]
        return PublishedRow(unflatten(figures), sorted(suppressed))

    published_rows = {
        key: publish(key, members_of.get(key) if key not in flats else None) for key in numbers
    }
    return digest, LevelTable(
        rows=published_rows,
        not_aggregated=sorted(not_aggregated),
        threshold=threshold,
        suppressed=frozenset(key for key in hidden if key in cells),
        published=frozenset(key for key in cells if key not in hidden),
    )


def aggregate(rows: Sequence[EstablishmentFigures], *, threshold: int) -> AreaTable:
    """One area's establishments and their total, over one period."""
    table = publish_levels(
        [SlicedFigures(row.finess, "", row.figures) for row in rows],
        [AreaSum(TOTAL_ROW, tuple(row.finess for row in rows))],
        threshold=threshold,
    )
    return AreaTable(
        total=table.row(TOTAL_ROW, ""),
        rows=[(row, table.row(row.finess, "")) for row in rows],
        not_aggregated=table.not_aggregated,
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
