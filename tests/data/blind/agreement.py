"""How far the writers' labels are a measure: a second, independent labeller against the
writer, and the shipped rules against both (run from the repository root:
``python tests/data/blind/agreement.py``).

Some blind sets have ``second_labels.jsonl`` beside ``entries.jsonl``: the same entries
labelled again by someone who read only the specification and saw neither the writer's
labels nor the rules (README.md). Per set and in total, this prints:

- writer ~ second: how often the two labellers agree (activity; all three);
- rules ~ writer and rules ~ second: the shipped rules against each;
- rules on agreed entries: the rules against the entries both labellers agree on.

A field a label leaves ``null`` (classification.md's "—") is not scored, as in
``ditep classify evaluate``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agenda_ingest.classification.engine import default_with_places
from agenda_ingest.classification.entries import facts_from_entry

HERE = Path(__file__).resolve().parent
FIELDS = ("activity", "setting", "nature")

Label = dict[str, Any]


def agrees(first: Label, second: Label) -> tuple[bool, bool]:
    """(same activity, same on all three); a null field matches anything."""
    same = [
        first[name] is None or second[name] is None or first[name] == second[name]
        for name in FIELDS
    ]
    return first["activity"] == second["activity"], all(same)


@dataclass
class Tally:
    entries: int = 0
    labellers_activity: int = 0
    labellers_all: int = 0
    writer_activity: int = 0
    writer_all: int = 0
    second_activity: int = 0
    second_all: int = 0
    agreed_activity: int = 0
    rules_on_agreed_activity: int = 0
    agreed_all: int = 0
    rules_on_agreed_all: int = 0

    def add(self, writer: Label, second: Label, rules: Label) -> None:
        self.entries += 1
        activity, every = agrees(writer, second)
        self.labellers_activity += activity
        self.labellers_all += every
        on_writer = agrees(writer, rules)
        on_second = agrees(second, rules)
        self.writer_activity += on_writer[0]
        self.writer_all += on_writer[1]
        self.second_activity += on_second[0]
        self.second_all += on_second[1]
        if activity:
            self.agreed_activity += 1
            self.rules_on_agreed_activity += on_writer[0]
        if every:
            self.agreed_all += 1
            self.rules_on_agreed_all += on_writer[1] and on_second[1]

    def merge(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self, name: str) -> str:
        def pct(part: int, whole: int) -> str:
            return f"{100 * part / whole:5.1f}" if whole else "    -"

        n = self.entries
        return (
            f"{name:>5} {n:5}  writer~second {pct(self.labellers_activity, n)} "
            f"{pct(self.labellers_all, n)}  rules~writer {pct(self.writer_activity, n)} "
            f"{pct(self.writer_all, n)}  rules~second {pct(self.second_activity, n)} "
            f"{pct(self.second_all, n)}  rules on agreed "
            f"{pct(self.rules_on_agreed_activity, self.agreed_activity)} "
            f"({self.agreed_activity}) {pct(self.rules_on_agreed_all, self.agreed_all)} "
            f"({self.agreed_all})"
        )


def tally(folder: Path) -> Tally:
    rule_set = default_with_places((folder / "places.yaml").read_text(encoding="utf-8"))
    entries = [json.loads(line) for line in (folder / "entries.jsonl").open(encoding="utf-8")]
    seconds = [json.loads(line) for line in (folder / "second_labels.jsonl").open(encoding="utf-8")]
    if [label["line"] for label in seconds] != list(range(1, len(entries) + 1)):
        raise SystemExit(f"{folder.name}: second_labels.jsonl must number every entry in order")
    result = Tally()
    for entry, second in zip(entries, seconds, strict=True):
        got = rule_set.classify(facts_from_entry(entry))
        rules = {"activity": got.activity.value, "setting": got.setting.value}
        rules["nature"] = got.nature.value
        result.add(entry["expected"], second, rules)
    return result


def main() -> None:
    total = Tally()
    print("activity % then all three %, per set")
    for folder in sorted(HERE.iterdir()):
        if (folder / "second_labels.jsonl").is_file():
            found = tally(folder)
            print(found.line(folder.name))
            total.merge(found)
    print(total.line("all"))


if __name__ == "__main__":
    main()
