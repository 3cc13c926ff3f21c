"""Classification speed with the default rule set, against a naive evaluation, in one run.

Synthetic sessions are drawn from realistic agenda entries (the labelled set's
entries, varied with names, places, counts and weekly dates), as agendas repeat
the same entries week after week. Three measures:

(a) baseline: the same rules applied naively, one regular expression per word
    condition of each rule, tried in order on every session, no memo;
(b) ours, realistic agendas: ``CompiledRuleSet.classify`` (compiled word sets,
    memo on the features the rules test), on ``--sessions`` sessions;
(c) ours, every entry distinct (a unique word in each summary, as a name or a
    reference): no entry is seen twice as it is, so each session's words are read
    (tokens, abbreviations, typo correction with rapidfuzz, projection on the rule
    words); the memo on the facts that matter then finds the entry's wording;
(d) ours without any memo (``classify_uncached``) on the distinct entries: the
    cost of the compiled evaluation itself (no target; for comparison with a).

Facts are built outside the timed loop (ingestion builds them while drafting).
The baseline's results are checked equal to ours before timing (it reads the
same normalised words: abbreviations spelt out, typos corrected), and so are the
memoised and unmemoised results on the distinct entries. Times are the CPU time
of this process (``time.process_time``: other work on a shared machine does not
count), the median of ``--runs`` runs. Prints sessions per second for each and
the ratios b/a and c/a; the targets (issue 20) are b ≥ 1,000,000 sessions/s,
c ≥ 100,000 sessions/s, and b/a ≥ 5.

    .venv/bin/python -m benchmarks.bench_classification [--quick] [--sessions N] [--runs N]

``--quick`` is for a smoke test, not for the targets: the pool's entries are evaluated once
each (about 3,000 evaluations) whatever the number of sessions, so on 20,000 distinct sessions
instead of 200,000 they weigh ten times more and (c) reads far lower. Compare full runs, two
versions alternated in one sitting (``docs/architecture.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from agenda_ingest.classification.engine import (
    Classification,
    CompiledRuleSet,
    SessionFacts,
    compile_rule_set,
    default_rule_set,
    normalise_words,
    overlaps_night,
    serafin_codes,
)
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.normalise import spelt_phrase
from agenda_ingest.classification.schema import Actions, Conditions, RuleSetDocument
from ditep_core.nomenclatures import Activity, Nature, Setting

LABELLED = (
    Path(__file__).resolve().parents[1]
    / "tests/agenda_ingest/classification/labelled_entries.jsonl"
)
TARGET_RATE = 1_000_000
TARGET_DISTINCT_RATE = 100_000
TARGET_RATIO = 5.0
CHUNK = 100_000
NAMES = [f"{first} {last}" for first in "ABCDEFGHJKLMNPRST" for last in ("M.", "D.", "P.", "L.")]
PLACES = ["", "Domicile", "Collège Jean Moulin", "DITEP – bâtiment A", "CMP Bron", "Internat"]


# --- The naive baseline ----------------------------------------------------------------------


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    parts = []
    for term in terms:
        words = normalise_words(term.rstrip("*")).split()
        if not term.endswith("*"):
            words = spelt_phrase(words)  # as the engine looks for a phrase
        body = r"\s".join(re.escape(word) for word in words)
        parts.append(body + (r"[a-z0-9]*" if term.endswith("*") else ""))
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")


class NaiveRule:
    def __init__(self, rule_id: str, when: Conditions, then: Actions) -> None:
        self.id, self.when, self.then = rule_id, when, then
        self.words = _pattern(when.words) if when.words else None
        self.also = _pattern(when.also_words) if when.also_words else None
        self.only = (
            frozenset(w for term in when.only_words for w in normalise_words(term).split())
            if when.only_words
            else None
        )
        self.location = _pattern(when.location_words) if when.location_words else None
        self.unless = _pattern(when.unless_words) if when.unless_words else None
        self.functions = _pattern(when.functions) if when.functions else None


class NaiveRuleSet:
    """The same document, evaluated the obvious way: regular expressions, every time."""

    def __init__(self, document: RuleSetDocument, version: str) -> None:
        self.version = version
        self.rules = [NaiveRule(rule.id, rule.when, rule.then) for rule in document.rules]
        self.places = [
            (place.setting, _pattern(place.words), not place.location_only)
            for place in document.places
            if place.words
        ]
        # Where a young person in care lives (MECS, foyer de l'enfance): his home when he is
        # there, a partner's place when he is not (place_reading.residence_words).
        residences = document.place_reading.residence_words
        self.residences = _pattern(residences) if residences else None
        # The same spelling-out and typo correction as the engine (rapidfuzz), no memo.
        self.normaliser = default_rule_set().reader.normaliser
        # A call or video word among the title's first two rule words says a distance, unless
        # an idiom holds it (« zoom sur »): place_reading.call_idioms, the engine's _call_head.
        self.rule_words = default_rule_set().reading.rule_words
        self.calls = {
            word
            for place in document.places
            if place.setting is Setting.DISTANCE and place.words and not place.location_only
            for term in place.words
            if len(term.split()) == 1
            for word in normalise_words(term).split()
        }
        idioms = document.place_reading.call_idioms
        self.call_idioms = _pattern(idioms) if idioms else None
        night = document.night
        self.night = (dt.time.fromisoformat(night.start), dt.time.fromisoformat(night.end))
        # A no-show or a cancelled session keeps the nature of the session planned (no_show).
        self.no_show = document.no_show
        self.no_show_words = (
            _pattern(document.no_show.words)
            if document.no_show is not None and document.no_show.words
            else None
        )

    def _read(self, text: str) -> str:
        typed = normalise_words(text).split()
        spelt = self.normaliser.words(typed)
        return " " + " ".join(spelt) + " | " + " ".join(typed) + " "

    def classify(self, facts: SessionFacts) -> Classification:
        text = self._read(" ".join((facts.summary, *facts.categories)))
        location = self._read(facts.location)
        functions = normalise_words(" ".join(facts.functions))
        stated = serafin_codes(facts.codes)
        serafin = stated[0] if stated else None
        for rule in self.rules:
            if self._holds(rule, facts, text, location, functions, serafin):
                then = rule.then
                setting = then.setting if then.setting != "auto" else None
                default = then.default_setting
                if then.unplaced_setting is not None and not location.replace("|", "").strip():
                    default = then.unplaced_setting  # no place given (round 10)
                return Classification(
                    activity=then.activity,
                    setting=setting or self._place(facts, text, location, default),
                    nature=self._nature(facts, then, text),
                    rule_id=rule.id,
                    serafin_code=serafin[:16] if serafin else then.serafin,
                    rule_set_version=self.version,
                    flags=tuple(then.flags),
                )
        return Classification(
            activity=Activity.UNCLASSIFIED,
            setting=self._place(facts, text, location, Setting.INCONNU),
            nature=self._nature(facts, None, text),
            rule_id="none",
            serafin_code=serafin[:16] if serafin else None,
            rule_set_version=self.version,
        )

    def _holds(
        self,
        rule: NaiveRule,
        facts: SessionFacts,
        text: str,
        location: str,
        functions: str,
        serafin: str | None,
    ) -> bool:
        when = rule.when
        for wanted, value in (
            (when.youth, facts.youth),
            (when.youth_present, facts.youth_present),
            (when.professionals, facts.professionals),
        ):
            if wanted is not None and not wanted.holds(value):
                return False
        if when.all_day is not None and when.all_day is not facts.all_day:
            return False
        if when.source_kind is not None and facts.source_kind not in when.source_kind:
            return False
        if when.place is not None:
            return False  # no place registry in this benchmark: a place is never known
        if when.located is not None and bool(location.replace("|", "").strip()) is not (
            when.located
        ):
            return False
        if when.across_midnight is not None:
            start, end = facts.start, facts.end
            # Past the local midnight that follows the start (ending at it is not past it).
            across = (
                start is not None
                and end is not None
                and end.replace(tzinfo=None)
                > dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
            )
            if across is not when.across_midnight:
                return False
        if when.duration_minutes is not None:
            # Minutes from start to end (instants when both carry a zone, else the wall clock).
            if facts.start is None or facts.end is None:
                return False
            if facts.start.tzinfo is not None and facts.end.tzinfo is not None:
                length = facts.end.astimezone(dt.UTC) - facts.start.astimezone(dt.UTC)
            else:
                length = facts.end.replace(tzinfo=None) - facts.start.replace(tzinfo=None)
            if not when.duration_minutes.holds(int(length.total_seconds() // 60)):
                return False
        if when.start_time is not None:
            # The local clock at the start, in minutes after midnight.
            if facts.start is None:
                return False
            if not when.start_time.minutes.holds(facts.start.hour * 60 + facts.start.minute):
                return False
        if when.night is not None:
            night = (
                facts.start is not None
                and facts.end is not None
                and overlaps_night(facts.start, facts.end, *self.night)
            )
            if night is not when.night:
                return False
        if when.codes is not None and not any(
            code in when.codes
            or any(c.endswith("*") and code.startswith(c[:-1]) for c in when.codes)
            for code in facts.codes
        ):
            return False
        if when.serafin is not None and not (
            serafin is not None
            and any(serafin == p or serafin.startswith(p + ".") for p in when.serafin)
        ):
            return False
        if when.where_known is not None:
            # No registry nor links here: the places words of the location or the title.
            # The first place found says where, unless it gives ``inconnu`` ("à voir").
            found = next(
                (
                    setting
                    for where, title in ((location, False), (text, True))
                    for setting, pattern, in_title in self.places
                    if (in_title or not title) and pattern.search(where)
                ),
                None,
            )
            known = found is not None and found is not Setting.INCONNU
            if known is not when.where_known:
                return False
        if rule.functions is not None and not rule.functions.search(functions):
            return False
        if rule.also is not None and not rule.also.search(text):
            return False
        if rule.only is not None:
            spelt = text.split("|")[0].split()
            if not spelt or not rule.only.issuperset(spelt):
                return False
        if rule.words is not None and not rule.words.search(text):
            return False
        if rule.location is not None and not rule.location.search(location):
            return False
        return not (
            rule.unless is not None and (rule.unless.search(text) or rule.unless.search(location))
        )

    def _place(self, facts: SessionFacts, text: str, location: str, default: Setting) -> Setting:
        if location.strip() and not (self.call_idioms and self.call_idioms.search(text)):
            read = [word for word in text.split("|")[0].split() if word in self.rule_words]
            if not self.calls.isdisjoint(read[:2]):
                return Setting.DISTANCE
        if self.residences is not None and self.residences.search(location):
            return Setting.DOMICILE if facts.youth_present else Setting.EXTERIEUR
        for where, title in ((location, False), (text, True)):
            for setting, pattern, in_title in self.places:
                if (in_title or not title) and pattern.search(where):
                    return setting
        return default

    def _nature(self, facts: SessionFacts, then: Actions | None, text: str) -> Nature:
        if then is not None and then.nature != "auto":
            return then.nature
        if then is not None and facts.youth == 0 and then.nature_without_youth is not None:
            return then.nature_without_youth
        no_show = self.no_show
        if (
            then is not None
            and no_show is not None
            and facts.youth > 0
            and facts.youth_present == 0
            and then.activity in no_show.activities
            and (
                (self.no_show_words is not None and self.no_show_words.search(text) is not None)
                or any(f"cue|{cue}" in facts.codes for cue in no_show.cues or ())
            )
        ):
            return no_show.nature
        if facts.youth_present:
            return Nature.DIRECT
        return Nature.INDIRECT if facts.youth else Nature.INSTITUTIONNEL


# --- Synthetic sessions ----------------------------------------------------------------------


def _templates() -> list[SessionFacts]:
    entries = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    return [facts_from_entry(entry) for entry in entries]


def _pool(templates: list[SessionFacts], draw: random.Random, size: int) -> list[SessionFacts]:
    """Distinct entries as DUI agendas hold them: a template, often a name, sometimes a place."""
    pool = []
    for _ in range(size):
        base = draw.choice(templates)
        summary = base.summary
        if summary and draw.random() < 0.6:
            summary = f"{summary} {draw.choice(NAMES)}"
        location = base.location if draw.random() < 0.8 else draw.choice(PLACES)
        youth = base.youth if draw.random() < 0.8 else draw.randint(0, 3)
        pool.append(
            dataclasses.replace(
                base,
                summary=summary,
                location=location,
                youth=youth,
                youth_present=min(base.youth_present, youth),
            )
        )
    return pool


def sessions(
    count: int, seed: int, *, distinct: bool = False, pool_size: int = 4_000
) -> Iterator[list[SessionFacts]]:
    """``count`` sessions in chunks; weekly repetitions of the pool's entries, or all distinct."""
    draw = random.Random(seed)
    pool = _pool(_templates(), draw, pool_size)
    produced = 0
    while produced < count:
        chunk = []
        for index in range(produced, min(count, produced + CHUNK)):
            base = draw.choice(pool)
            shift = dt.timedelta(days=7 * draw.randrange(52))
            start = base.start + shift if base.start else None
            end = base.end + shift if base.end else None
            summary = f"{base.summary} ref{_letters(index)}" if distinct else base.summary
            chunk.append(dataclasses.replace(base, summary=summary, start=start, end=end))
        produced += len(chunk)
        yield chunk


def _letters(number: int) -> str:
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters += chr(ord("a") + digit)
        if not number:
            return letters


def rate(
    classify: Callable[[SessionFacts], Classification], chunks: Iterator[list[SessionFacts]]
) -> float:
    done = 0
    elapsed = 0.0
    for chunk in chunks:
        gc.collect()
        gc.disable()
        started = time.process_time()
        for facts in chunk:
            classify(facts)
        elapsed += time.process_time() - started
        gc.enable()
        done += len(chunk)
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--baseline-sessions", type=int, default=100_000)
    parser.add_argument("--distinct-sessions", type=int, default=200_000)
    parser.add_argument("--uncached-sessions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs (3)")
    parser.add_argument(
        "--quick", action="store_true", help="100,000 / 10,000 / 20,000 / 2,000 sessions"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        (
            arguments.sessions,
            arguments.baseline_sessions,
            arguments.distinct_sessions,
            arguments.uncached_sessions,
        ) = (100_000, 10_000, 20_000, 2_000)
    default = default_rule_set()
    naive = NaiveRuleSet(default.document, default.version)

    # The baseline must give the same answers before its speed means anything; so must the
    # memo on distinct entries (found by the facts that matter) and a fresh evaluation of
    # the words as they are (no projection).
    check = fresh_rules(default)
    reference = compile_rule_set(default.document, default.version, project=False)
    for chunk in sessions(20_000, seed=7):
        for facts in chunk:
            if naive.classify(facts) != default.classify_uncached(facts):
                raise SystemExit(f"baseline and engine disagree on {facts}")
    for chunk in sessions(20_000, seed=7, distinct=True):
        for facts in chunk:
            if check.classify(facts) != reference.classify_uncached(facts):
                raise SystemExit(f"memo and fresh evaluation disagree on {facts}")

    def median(measure: Callable[[], float]) -> float:
        return statistics.median(measure() for _ in range(arguments.runs))

    baseline = median(lambda: rate(naive.classify, sessions(arguments.baseline_sessions, seed=1)))
    realistic = median(
        lambda: rate(fresh_rules(default).classify, sessions(arguments.sessions, seed=1))
    )
    distinct = median(
        lambda: rate(
            fresh_rules(default).classify,
            sessions(arguments.distinct_sessions, seed=1, distinct=True),
        )
    )
    uncached = median(
        lambda: rate(
            fresh_rules(default).classify_uncached,
            sessions(arguments.uncached_sessions, seed=1, distinct=True),
        )
    )
    n_realistic, n_distinct = f"{arguments.sessions:,}", f"{arguments.distinct_sessions:,}"
    print(f"rule set {default.version}, {len(default.rules)} rules")
    print(f"CPU time, median of {arguments.runs} runs")
    print(f"(a) baseline, one regex per rule condition, no memo: {baseline:12,.0f} sessions/s")
    print(f"(b) compiled + memo, realistic agendas ({n_realistic}): {realistic:12,.0f} sessions/s")
    print(f"(c) compiled + memo, every entry distinct ({n_distinct}): {distinct:12,.0f} sessions/s")
    n_uncached = f"{arguments.uncached_sessions:,}"
    print(f"(d) compiled, no memo at all, distinct ({n_uncached}): {uncached:12,.0f} sessions/s")
    print(f"ratio b/a: {realistic / baseline:.1f}x (target {TARGET_RATIO:.0f}x)")
    print(f"ratio c/a: {distinct / baseline:.1f}x")
    print(f"ratio d/a: {uncached / baseline:.1f}x")
    met = realistic >= TARGET_RATE and realistic / baseline >= TARGET_RATIO
    verdict = "met" if met else "NOT met"
    print(f"target b >= {TARGET_RATE:,}/s and b/a >= {TARGET_RATIO:.0f}x: {verdict}")
    verdict = "met" if distinct >= TARGET_DISTINCT_RATE else "NOT met"
    print(f"target c >= {TARGET_DISTINCT_RATE:,}/s: {verdict}")


def fresh_rules(default: CompiledRuleSet) -> CompiledRuleSet:
    """The default rules compiled again: empty memos."""
    return compile_rule_set(default.document, default.version)


if __name__ == "__main__":
    main()
