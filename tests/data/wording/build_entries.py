"""Writes entries.jsonl: the wording set, from the phrasings of phrasings.tsv (run from the
repository root: ``python tests/data/wording/build_entries.py``). Each phrasing gives two
entries, on two weeks, at its own times; the labels were decided from docs (domain
classification.md) and issue 20's families of wording, by the person who wrote them, before
looking at what the rules say.

phrasings.tsv has one phrasing a line (tab-separated, with a header; ``#`` lines and blank lines
are comments): summary, location, youth, youth present, professionals,
"activity/setting/nature", ``hard`` or ``-``, and optional ``times`` (start-end clock, as
``19:30-07:45``; an end before the start is the next morning), ``kind`` (source kind),
``functions`` (comma-separated), ``description`` (with links).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def phrasings() -> list[tuple[Any, ...]]:
    """The phrasings of phrasings.tsv: (summary, location, youth, present, pros, labels,
    hard, extras) where extras may give ``t`` (start, end), ``kind``, ``fn``, ``desc``."""
    with (HERE / "phrasings.tsv").open(encoding="utf-8", newline="") as file:
        lines = [line for line in file if line.strip() and not line.startswith("#")]
    rows: list[tuple[Any, ...]] = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        extra: dict[str, Any] = {}
        if row["times"]:
            extra["t"] = tuple(row["times"].split("-"))
        if row["kind"]:
            extra["kind"] = row["kind"]
        if row["functions"]:
            extra["fn"] = row["functions"].split(",")
        if row["description"]:
            extra["desc"] = row["description"]
        counts = (int(row["youth"]), int(row["present"]), int(row["professionals"]))
        rows.append(
            (row["summary"], row["location"], *counts, row["labels"], row["hard"] == "hard", extra)
        )
    return rows


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def entries() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, (summary, location, youth, present, pros, labels, hard, extra) in enumerate(
        phrasings()
    ):
        activity, setting, nature = labels.split("/")
        begin, finish = extra.get("t", ("10:00", "11:00"))
        for week in (0, 1):
            day = dt.date(2026, 3, 2) + dt.timedelta(days=7 * week + index % 5)
            start = dt.datetime.combine(day, _clock(begin))
            end = dt.datetime.combine(day, _clock(finish))
            if end <= start:
                end += dt.timedelta(days=1)
            entry: dict[str, Any] = {
                "summary": summary if week == 0 or hard else summary.upper(),
                "location": location,
                "start": start.isoformat(timespec="minutes"),
                "end": end.isoformat(timespec="minutes"),
                "youth": youth,
                "youth_present": present,
                "professionals": pros,
                "source_kind": extra.get("kind", "establishment"),
            }
            if "fn" in extra:
                entry["functions"] = extra["fn"]
            if "desc" in extra:
                entry["description"] = extra["desc"]
            entry["hard"] = hard
            entry["expected"] = {"activity": activity, "setting": setting, "nature": nature}
            out.append(entry)
    return out


if __name__ == "__main__":
    rows = entries()
    (HERE / "entries.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    hard = sum(1 for row in rows if row["hard"])
    print(f"{len(rows)} entries, {hard} hard")
