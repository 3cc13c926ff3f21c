"""Compiling a rule-set document and classifying sessions with it: pure, no I/O.

Words are compared without case or accents, on whole words (a phrase is a run
of whole words; ``ortho*`` is any word starting with ``ortho``). Rules are
compiled once into word sets, phrase and prefix lists and code sets; a
classification is remembered by the features the rules can test (texts,
codes, counts, functions, source kind, all-day, and — only when a rule reads
time — the night flag and the duration band), since agendas repeat the same
entries week after week. ``explain`` gives the same answer, and says which
rules were tried, which one matched, and on what words or codes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from agenda_ingest.classification.schema import (
    Actions,
    Conditions,
    Range,
    Rule,
    RuleSetDocument,
    parse_rule_set,
)
from ditep_core.nomenclatures import Activity, AgendaKind, Nature, Setting

UNCLASSIFIED_RULE_ID = "none"
MANUAL_RULE_PREFIX = "manual:"
DEFAULT_RULES_RESOURCE = "default_rules.yaml"
TDDUI_OUTSIDE_SERVICE_CODE = (
    "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-outside-service|true"
)
"""The code a feed states for "hors prestation" (the TDDUI event extension valued true)."""
_MEMO_LIMIT = 200_000
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What a rule can look at. ``start``/``end`` are local wall-clock times (the
    establishment's zone); ``youth_present`` counts the young people attending."""

    summary: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    youth: int = 0
    youth_present: int = 0
    professionals: int = 0
    functions: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    all_day: bool = False
    source_kind: AgendaKind = AgendaKind.ESTABLISHMENT


@dataclass(frozen=True, slots=True)
class Classification:
    activity: Activity
    setting: Setting
    nature: Nature
    rule_id: str
    serafin_code: str | None = None
    rule_set_version: str = ""
    flags: tuple[str, ...] = ()


def normalise_words(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, padded with spaces."""
    return " " + " ".join(_tokens(text)) + " "


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return _WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WORD.findall(stripped.lower())


def serafin_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The SERAFIN-PH codes among a feed's ``system|code`` codes (any system naming SERAFIN)."""
    found: list[str] = []
    for code in codes:
        system, _, value = code.rpartition("|")
        if "serafin" in system.lower() and value.strip():
            found.append(value.strip())
    return tuple(found)


# --- Features: the facts in the form the compiled rules read ---------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    tokens: frozenset[str]
    padded: str

    @classmethod
    def of(cls, *texts: str) -> _Text:
        words = [token for text in texts for token in _tokens(text)]
        return cls(frozenset(words), " " + " ".join(words) + " ")


@dataclass(frozen=True, slots=True)
class _Features:
    words: _Text
    location: _Text
    functions: _Text
    codes: frozenset[str]
    serafin: str | None
    youth: int
    youth_present: int
    professionals: int
    all_day: bool
    source_kind: AgendaKind
    night: bool
    duration: int | None


def overlaps_night(
    start: dt.datetime, end: dt.datetime, night_start: dt.time, night_end: dt.time
) -> bool:
    """Whether [start, end) (wall-clock) overlaps the night window of any day."""
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    if end <= start:
        return False
    if end - start >= dt.timedelta(days=1):
        return True
    wraps = night_end <= night_start
    day = start.date() - dt.timedelta(days=1)
    while day <= end.date():
        begins = dt.datetime.combine(day, night_start)
        ends = dt.datetime.combine(day + dt.timedelta(days=1) if wraps else day, night_end)
        if start < ends and end > begins:
            return True
        day += dt.timedelta(days=1)
    return False


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    if start.tzinfo is not None and end.tzinfo is not None:
        # Aware times sharing a zone subtract on the wall clock: compare instants.
        return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)
    return int((end - start).total_seconds() // 60)


# --- Compiled conditions: each returns what it matched on, or None ---------------------------


class _Words:
    """Any of some words, phrases or word prefixes."""

    __slots__ = ("phrases", "prefixes", "singles")

    def __init__(self, terms: Iterable[str]) -> None:
        singles: set[str] = set()
        phrases: list[str] = []
        prefixes: list[str] = []
        for term in terms:
            if term.strip().endswith("*"):
                prefixes.extend(_tokens(term))
                continue
            words = _tokens(term)
            if len(words) == 1:
                singles.add(words[0])
            elif words:
                phrases.append(" " + " ".join(words) + " ")
        self.singles = frozenset(singles)
        self.phrases = tuple(phrases)
        self.prefixes = tuple(prefixes)

    def find(self, text: _Text) -> str | None:
        common = self.singles & text.tokens
        if common:
            return min(common)
        for phrase in self.phrases:
            if phrase in text.padded:
                return phrase.strip()
        for prefix in self.prefixes:
            for token in text.tokens:
                if token.startswith(prefix):
                    return token
        return None


Test = Callable[[_Features], str | None]


def _range_text(name: str, value: int) -> str:
    return f"{name} = {value}"


def _count(name: str, read: Callable[[_Features], int], wanted: Range) -> Test:
    return lambda f: _range_text(name, read(f)) if wanted.holds(read(f)) else None


def _compile_conditions(when: Conditions) -> tuple[tuple[str, Test], ...]:
    tests: list[tuple[str, Test]] = []
    # Cheap tests first: counts and flags fail most rules before any word is looked at.
    for name, wanted, read in (
        ("youth", when.youth, _youth),
        ("youth_present", when.youth_present, _youth_present),
        ("professionals", when.professionals, _professionals),
    ):
        if wanted is not None:
            tests.append((name, _count(name, read, wanted)))
    if when.all_day is not None:
        expected_all_day = when.all_day
        tests.append(
            (
                "all_day",
                lambda f: f"all_day = {f.all_day}" if f.all_day is expected_all_day else None,
            )
        )
    if when.source_kind is not None:
        kinds = frozenset(when.source_kind)
        tests.append(
            (
                "source_kind",
                lambda f: f"source = {f.source_kind.value}" if f.source_kind in kinds else None,
            )
        )
    if when.night is not None:
        expected_night = when.night
        tests.append(
            ("night", lambda f: f"night = {f.night}" if f.night is expected_night else None)
        )
    if when.duration_minutes is not None:
        band = when.duration_minutes
        tests.append(
            (
                "duration_minutes",
                lambda f: (
                    f"duration = {f.duration} min"
                    if f.duration is not None and band.holds(f.duration)
                    else None
                ),
            )
        )
    if when.codes is not None:
        tests.append(("codes", _codes_test(when.codes)))
    if when.serafin is not None:
        tests.append(("serafin", _serafin_test(when.serafin)))
    if when.functions is not None:
        functions = _Words(when.functions)
        tests.append(("functions", lambda f: _said("function", functions.find(f.functions))))
    if when.words is not None:
        words = _Words(when.words)
        tests.append(("words", lambda f: _said("word", words.find(f.words))))
    if when.location_words is not None:
        places = _Words(when.location_words)
        tests.append(("location_words", lambda f: _said("location word", places.find(f.location))))
    if when.unless_words is not None:
        unless = _Words(when.unless_words)
        tests.append(
            (
                "unless_words",
                lambda f: (
                    "no excluded word"
                    if unless.find(f.words) is None and unless.find(f.location) is None
                    else None
                ),
            )
        )
    return tuple(tests)


def _said(kind: str, found: str | None) -> str | None:
    return None if found is None else f"{kind} «{found}»"


def _youth(f: _Features) -> int:
    return f.youth


def _youth_present(f: _Features) -> int:
    return f.youth_present


def _professionals(f: _Features) -> int:
    return f.professionals


def _codes_test(codes: list[str]) -> Test:
    exact = frozenset(code for code in codes if not code.endswith("*"))
    prefixes = tuple(code[:-1] for code in codes if code.endswith("*"))

    def test(f: _Features) -> str | None:
        common = exact & f.codes
        if common:
            return f"code {min(common)}"
        for code in f.codes:
            if code.startswith(prefixes):
                return f"code {code}"
        return None

    return test


def _serafin_test(prefixes: list[str]) -> Test:
    wanted = tuple(prefixes)

    def test(f: _Features) -> str | None:
        # The first SERAFIN-PH code stated decides (a DUI states one per event).
        code = f.serafin
        if code is None:
            return None
        for prefix in wanted:
            if code == prefix or code.startswith(prefix + "."):
                return f"SERAFIN-PH {code}"
        return None

    return test


# --- Compiled rules and the rule set ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    id: str
    explanation: str
    tests: tuple[tuple[str, Test], ...]
    then: Actions


@dataclass(frozen=True, slots=True)
class RuleTrial:
    """One rule looked at while classifying a session."""

    rule_id: str
    explanation: str
    matched: bool
    evidence: tuple[str, ...] = ()
    failed_on: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    classification: Classification
    trials: tuple[RuleTrial, ...]
    setting_evidence: str | None = None

    @property
    def matched(self) -> RuleTrial | None:
        last = self.trials[-1] if self.trials else None
        return last if last is not None and last.matched else None


FeaturesKey = tuple[object, ...]


@dataclass(eq=False)
class CompiledRuleSet:
    """A document compiled for fast classification; ``version`` names the document exactly."""

    document: RuleSetDocument
    version: str
    rules: tuple[_CompiledRule, ...]
    places: tuple[tuple[Setting, _Words], ...]
    night_window: tuple[dt.time, dt.time]
    reads_night: bool
    reads_duration: bool
    duration_points: tuple[int, ...]
    _memo: dict[FeaturesKey, Classification] = field(default_factory=dict, repr=False)

    @property
    def reads_time(self) -> bool:
        return self.reads_night or self.reads_duration

    def key(self, facts: SessionFacts) -> FeaturesKey:
        """What the rules can tell apart: two sessions with one key get one classification."""
        base: FeaturesKey = (
            facts.summary,
            facts.location,
            facts.categories,
            facts.codes,
            facts.youth,
            facts.youth_present,
            facts.professionals,
            facts.functions,
            facts.all_day,
            facts.source_kind,
        )
        if not self.reads_time:
            return base
        night, duration = self._time_features(facts)
        band = None if duration is None else bisect.bisect_right(self.duration_points, duration)
        return (*base, night if self.reads_night else None, band)

    def classify(self, facts: SessionFacts) -> Classification:
        key = self.key(facts)
        known = self._memo.get(key)
        if known is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            known = self._memo[key] = self._evaluate(self._features(facts))
        return known

    def classify_uncached(self, facts: SessionFacts) -> Classification:
        return self._evaluate(self._features(facts))

    def explain(self, facts: SessionFacts) -> Explanation:
        features = self._features(facts)
        trials: list[RuleTrial] = []
        for rule in self.rules:
            evidence: list[str] = []
            failed_on: str | None = None
            for name, test in rule.tests:
                said = test(features)
                if said is None:
                    failed_on = name
                    break
                evidence.append(said)
            trials.append(
                RuleTrial(rule.id, rule.explanation, failed_on is None, tuple(evidence), failed_on)
            )
            if failed_on is None:
                setting, where = self._setting(rule.then, features)
                return Explanation(self._result(rule, features, setting), tuple(trials), where)
        setting, where = self._place(features, Setting.INCONNU)
        return Explanation(self._unclassified(features, setting), tuple(trials), where)

    def _evaluate(self, features: _Features) -> Classification:
        for rule in self.rules:
            for _name, test in rule.tests:
                if test(features) is None:
                    break
            else:
                return self._result(rule, features, self._setting(rule.then, features)[0])
        return self._unclassified(features, self._place(features, Setting.INCONNU)[0])

    def _result(self, rule: _CompiledRule, f: _Features, setting: Setting) -> Classification:
        then = rule.then
        if then.nature != "auto":
            nature = then.nature
        elif f.youth == 0 and then.nature_without_youth is not None:
            # A synthesis is indirect even when the DUI attaches nobody to it.
            nature = then.nature_without_youth
        else:
            nature = _nature(f)
        return Classification(
            activity=then.activity,
            setting=setting,
            nature=nature,
            rule_id=rule.id,
            # The feed's own SERAFIN-PH code, when it states one, is kept as it is.
            serafin_code=f.serafin[:16] if f.serafin else then.serafin,
            rule_set_version=self.version,
            flags=tuple(then.flags),
        )

    def _unclassified(self, f: _Features, setting: Setting) -> Classification:
        return Classification(
            activity=Activity.UNCLASSIFIED,
            setting=setting,
            nature=_nature(f),
            rule_id=UNCLASSIFIED_RULE_ID,
            serafin_code=f.serafin[:16] if f.serafin else None,
            rule_set_version=self.version,
        )

    def _setting(self, then: Actions, f: _Features) -> tuple[Setting, str | None]:
        if then.setting != "auto":
            return then.setting, None
        return self._place(f, then.default_setting)

    def _place(self, f: _Features, default: Setting) -> tuple[Setting, str | None]:
        """The location decides first; then the summary and categories; else ``default``."""
        for text, where in ((f.location, "location"), (f.words, "summary")):
            for setting, words in self.places:
                found = words.find(text)
                if found is not None:
                    return setting, f"{where} word «{found}»"
        return default, None

    def _time_features(self, facts: SessionFacts) -> tuple[bool, int | None]:
        if facts.start is None or facts.end is None:
            return False, None
        night = overlaps_night(facts.start, facts.end, *self.night_window)
        return night, _minutes(facts.start, facts.end)

    def _features(self, facts: SessionFacts) -> _Features:
        night, duration = self._time_features(facts) if self.reads_time else (False, None)
        stated = serafin_codes(facts.codes) if facts.codes else ()
        return _Features(
            words=_Text.of(facts.summary, *facts.categories),
            location=_Text.of(facts.location),
            functions=_Text.of(*facts.functions),
            codes=frozenset(facts.codes),
            serafin=stated[0] if stated else None,
            youth=facts.youth,
            youth_present=facts.youth_present,
            professionals=facts.professionals,
            all_day=facts.all_day,
            source_kind=facts.source_kind,
            night=night,
            duration=duration,
        )


def _nature(f: _Features) -> Nature:
    if f.youth_present > 0:
        return Nature.DIRECT
    if f.youth > 0:
        return Nature.INDIRECT
    return Nature.INSTITUTIONNEL


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def compile_rule_set(document: RuleSetDocument, version: str) -> CompiledRuleSet:
    night = (_clock(document.night.start), _clock(document.night.end))
    rules = tuple(_compile_rule(rule) for rule in document.rules)
    points: set[int] = set()
    for rule in document.rules:
        band = rule.when.duration_minutes
        if band is not None:
            points.update(value for value in (band.min,) if value is not None)
            points.update(value + 1 for value in (band.max,) if value is not None)
    return CompiledRuleSet(
        document=document,
        version=version,
        rules=rules,
        places=tuple((place.setting, _Words(place.words)) for place in document.places),
        night_window=night,
        reads_night=any(rule.when.night is not None for rule in document.rules),
        reads_duration=bool(points),
        duration_points=tuple(sorted(points)),
    )


def _compile_rule(rule: Rule) -> _CompiledRule:
    return _CompiledRule(rule.id, rule.explanation, _compile_conditions(rule.when), rule.then)


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def default_version(document: RuleSetDocument, text: str) -> str:
    """The shipped document's version: its declared version and the start of its hash."""
    return f"default-{document.version or 'unversioned'}-{content_sha256(text)[:12]}"


def default_rules_text() -> str:
    return (
        resources.files("agenda_ingest.classification")
        .joinpath(DEFAULT_RULES_RESOURCE)
        .read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def default_rule_set() -> CompiledRuleSet:
    """The French rule set shipped with the product (used when an establishment has none)."""
    text = default_rules_text()
    document = parse_rule_set(text)
    return compile_rule_set(document, default_version(document, text))


@lru_cache(maxsize=64)
def compiled_from_text(text: str, version: str) -> CompiledRuleSet:
    """A stored document compiled once per process (its memo of classifications is kept too)."""
    return compile_rule_set(parse_rule_set(text), version)


def classify(facts: SessionFacts) -> Classification:
    """``facts`` classified by the default rule set."""
    return default_rule_set().classify(facts)
