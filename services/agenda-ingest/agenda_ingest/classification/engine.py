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
import copy
import datetime as dt
import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from agenda_ingest.classification.normalise import Normaliser
from agenda_ingest.classification.places import PlaceRegistry, parse_place_registry
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
_MEMO_LIMIT = 100_000
PLACES_VERSION_MARK = "+places-"
"""Between a rule-set version and its place registry's digest, in a classification's version."""
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


LOW_CONFIDENCE = "low_confidence"
"""The flag of a rule that guesses from the people alone (a fallback)."""


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


def _accent_free(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


# Latin letters with accents, straight to their base letter (faster than decomposing).
_ACCENTS = str.maketrans(
    {
        **{
            chr(code): _accent_free(chr(code))
            for code in range(0xC0, 0x250)
            if _accent_free(chr(code)) != chr(code) and _accent_free(chr(code)).isascii()
        },
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
    }
)


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return _WORD.findall(text.lower())
    text = text.lower().translate(_ACCENTS)
    if text.isascii():
        return _WORD.findall(text)
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


class _Text:
    """A text's words, as a set and as a space-padded string (plain slots: built per miss)."""

    __slots__ = ("padded", "tokens")

    def __init__(self, tokens: frozenset[str], padded: str) -> None:
        self.tokens = tokens
        self.padded = padded

    @classmethod
    def of(cls, *texts: str) -> _Text:
        words = [token for text in texts for token in _tokens(text)]
        return cls(frozenset(words), " " + " ".join(words) + " ")

    @classmethod
    def read(cls, normaliser: Normaliser, *texts: str) -> _Text:
        """Words spelt out and corrected; the words as typed stay in the set too."""
        words = [token for text in texts for token in _tokens(text)]
        spelt = normaliser.words(words)
        typed = frozenset(words)
        return cls(typed if spelt is words else typed.union(spelt), " " + " ".join(spelt) + " ")


_NO_TEXT = _Text(frozenset(), "  ")


class _Features:
    """The facts in the form the compiled tests read (plain slots: built on every miss)."""

    __slots__ = (
        "across",
        "all_day",
        "codes",
        "duration",
        "functions",
        "location",
        "night",
        "place",
        "professionals",
        "serafin",
        "source_kind",
        "time_read",
        "words",
        "youth",
        "youth_present",
    )

    def __init__(
        self,
        facts: SessionFacts,
        night: bool,
        duration: int | None,
        reader: _Reader,
        across: bool = False,
    ) -> None:
        self.words = (
            reader.text(facts.summary)
            if not facts.categories
            else _Text.read(reader.normaliser, facts.summary, *facts.categories)
        )
        self.location = reader.text(facts.location) if facts.location else _NO_TEXT
        self.functions = _Text.of(*facts.functions) if facts.functions else _NO_TEXT
        self.codes = frozenset(facts.codes)
        stated = serafin_codes(facts.codes) if facts.codes else ()
        self.serafin = stated[0] if stated else None
        self.youth = facts.youth
        self.youth_present = facts.youth_present
        self.professionals = facts.professionals
        self.all_day = facts.all_day
        self.source_kind = facts.source_kind
        self.night = night
        self.duration = duration
        self.across = across
        self.time_read = False
        """Set by a condition on the time when it is looked at (see ``CompiledRuleSet._learn``)."""
        self.place = reader.registry.where(self) if reader.registry is not None else _NO_PLACE

    def at(self, night: bool, duration: int | None, across: bool = False) -> _Features:
        """The same session with another night flag, duration and midnight crossing."""
        other = copy.copy(self)
        other.night, other.duration, other.across = night, duration, across
        return other


@dataclass(frozen=True, slots=True)
class _PlaceHit:
    """What the registry says of a session's place: the codes a ``place`` condition tests,
    the setting, and the words that said it."""

    codes: frozenset[str]
    setting: Setting | None = None
    evidence: str | None = None


_NO_PLACE = _PlaceHit(frozenset())


class _Registry:
    """A place registry compiled: each place's names as rule words, with its codes."""

    __slots__ = ("places",)

    def __init__(self, registry: PlaceRegistry, normaliser: Normaliser) -> None:
        self.places = tuple(
            (frozenset((kind, owner)), setting, _Words(_as_read(names, normaliser)))
            for kind, owner, setting, names in registry.entries()
        )

    def find(self, text: _Text) -> tuple[frozenset[str], Setting, str] | None:
        """The place whose name is found, the longest name winning ("École des Tilleuls" is
        the school, not the house "Tilleuls")."""
        best: tuple[frozenset[str], Setting, str] | None = None
        for codes, setting, names in self.places:
            found = names.find(text)
            if found is not None and (best is None or len(found) > len(best[2])):
                best = codes, setting, found
        return best

    def where(self, f: _Features) -> _PlaceHit:
        in_location = self.find(f.location) if f.location is not _NO_TEXT else None
        if in_location is not None:
            codes, setting, found = in_location
            return _PlaceHit(codes, setting, f"location place «{found}»")
        unknown = frozenset(("unknown",)) if f.location is not _NO_TEXT else frozenset()
        in_summary = self.find(f.words)
        if in_summary is not None:
            codes, setting, found = in_summary
            return _PlaceHit(codes | unknown, setting, f"summary place «{found}»")
        return _PlaceHit(unknown)


def _as_read(names: Iterable[str], normaliser: Normaliser) -> list[str]:
    """Names as typed and as texts are read: an alias "gym Roseliere" is found in a place
    read as "gymnase roseliere" (abbreviations are spelt out before matching)."""
    out = list(names)
    for name in names:
        tokens = _tokens(name)
        spelt = normaliser.words(tokens)
        if spelt != tokens:
            out.append(" ".join(spelt))
    return out


@dataclass(frozen=True, slots=True)
class _Reader:
    normaliser: Normaliser
    registry: _Registry | None = None
    texts: dict[str, _Text] = field(default_factory=dict)
    """Texts already read: a summary or a place recurs with other counts or other places."""

    def text(self, raw: str) -> _Text:
        known = self.texts.get(raw)
        if known is None:
            if len(self.texts) >= _MEMO_LIMIT:
                self.texts.clear()
            known = self.texts[raw] = _Text.read(self.normaliser, raw)
        return known


def overlaps_night(
    start: dt.datetime, end: dt.datetime, night_start: dt.time, night_end: dt.time
) -> bool:
    """Whether [start, end) (wall-clock) overlaps the night window of any day."""
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return night_overlap(
        start.hour * 60 + start.minute,
        wall.days * 1440 + wall.seconds // 60,
        night_start.hour * 60 + night_start.minute,
        night_end.hour * 60 + night_end.minute,
    )


@lru_cache(maxsize=65_536)
def night_overlap(start_minute: int, minutes: int, night_start: int, night_end: int) -> bool:
    """The same on minutes: a session starting ``start_minute`` after midnight and lasting
    ``minutes``, a window from ``night_start`` to ``night_end`` (minutes after midnight;
    across midnight when it ends earlier than it starts). Agendas repeat a few such pairs."""
    if minutes <= 0:
        return False
    if minutes >= 1440:
        return True
    length = (night_end - night_start) % 1440 or 1440
    end_minute = start_minute + minutes
    # The windows of the day before, of the day, and of the day after.
    return any(
        start_minute < begins + length and end_minute > begins
        for begins in (night_start - 1440, night_start, night_start + 1440)
    )


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    if start.tzinfo is not None and end.tzinfo is not None:
        # Aware times sharing a zone subtract on the wall clock: compare instants.
        return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)
    return int((end - start).total_seconds() // 60)


# --- Compiled conditions: each returns what it matched on, or None ---------------------------


class _Words:
    """Any of some words, phrases or word prefixes: single words by set intersection,
    phrases and prefixes by one compiled expression over the padded text."""

    __slots__ = ("pattern", "singles")

    def __init__(self, terms: Iterable[str]) -> None:
        singles: set[str] = set()
        others: list[str] = []
        for term in terms:
            words = _tokens(term)
            if not words:
                continue
            if term.strip().endswith("*"):
                others.append(re.escape(words[0]) + "[a-z0-9]*")
            elif len(words) == 1:
                singles.add(words[0])
            else:
                others.append(re.escape(" ".join(words)))
        self.singles = frozenset(singles)
        self.pattern = (
            re.compile(" (" + "|".join(sorted(others, key=len, reverse=True)) + ") ")
            if others
            else None
        )

    def hit(self, text: _Text) -> bool:
        if not self.singles.isdisjoint(text.tokens):
            return True
        return self.pattern is not None and self.pattern.search(text.padded) is not None

    def find(self, text: _Text) -> str | None:
        common = self.singles & text.tokens
        if common:
            return min(common)
        if self.pattern is not None:
            found = self.pattern.search(text.padded)
            if found is not None:
                return found.group(1)
        return None


Test = Callable[[_Features], str | None]
"""A condition for ``explain``: what it matched on, or None."""
Check = Callable[[_Features], bool]
"""The same condition for the fast path: only whether it holds."""
Compiled = tuple[str, Test, Check]
_NO_LIMIT = 1 << 62


def _count(name: str, wanted: Range) -> Compiled:
    low, high = wanted.min or 0, _NO_LIMIT if wanted.max is None else wanted.max
    read = operator.attrgetter(name)
    check: Check = lambda f: low <= read(f) <= high  # noqa: E731

    def say(f: _Features) -> str | None:
        return f"{name} = {read(f)}" if check(f) else None

    return name, say, check


def _flag(name: str, expected: bool) -> Compiled:
    read = operator.attrgetter(name)
    check: Check = lambda f: read(f) is expected  # noqa: E731

    def say(f: _Features) -> str | None:
        return f"{name} = {expected}" if check(f) else None

    return name, say, check


def _words_in(name: str, kind: str, terms: list[str], where: str) -> Compiled:
    words = _Words(terms)
    read = operator.attrgetter(where)

    def say(f: _Features) -> str | None:
        return _said(kind, words.find(read(f)))

    return name, say, lambda f: words.hit(read(f))


def _compile_conditions(when: Conditions) -> tuple[Compiled, ...]:
    compiled: list[Compiled] = []
    # Cheap tests first: counts and flags fail most rules before any word is looked at.
    for name in ("youth", "youth_present", "professionals"):
        wanted = getattr(when, name)
        if wanted is not None:
            compiled.append(_count(name, wanted))
    if when.all_day is not None:
        compiled.append(_flag("all_day", when.all_day))
    if when.source_kind is not None:
        kinds = frozenset(when.source_kind)

        def source_said(f: _Features) -> str | None:
            return f"source = {f.source_kind.value}" if f.source_kind in kinds else None

        compiled.append(("source_kind", source_said, lambda f: f.source_kind in kinds))
    if when.place is not None:
        wanted_places = frozenset(when.place)

        def place_said(f: _Features) -> str | None:
            common = wanted_places & f.place.codes
            if not common:
                return None
            return f"place {min(common)}" + (f" ({f.place.evidence})" if f.place.evidence else "")

        compiled.append(
            ("place", place_said, lambda f: not wanted_places.isdisjoint(f.place.codes))
        )
    if when.codes is not None:
        codes_said = _codes_test(when.codes)
        compiled.append(
            ("codes", codes_said, lambda f: bool(f.codes) and codes_said(f) is not None)
        )
    if when.serafin is not None:
        serafin_said = _serafin_test(when.serafin)
        compiled.append(("serafin", serafin_said, lambda f: serafin_said(f) is not None))
    if when.functions is not None:
        compiled.append(_words_in("functions", "function", when.functions, "functions"))
    if when.words is not None:
        compiled.append(_words_in("words", "word", when.words, "words"))
    if when.location_words is not None:
        compiled.append(
            _words_in("location_words", "location word", when.location_words, "location")
        )
    if when.unless_words is not None:
        unless = _Words(when.unless_words)

        def unless_check(f: _Features) -> bool:
            return not unless.hit(f.words) and not unless.hit(f.location)

        compiled.append(
            (
                "unless_words",
                lambda f: "no excluded word" if unless_check(f) else None,
                unless_check,
            )
        )
    # The time last: an entry whose rules fail before it are classified the same at any time
    # (``CompiledRuleSet._learn`` then remembers one answer for all its sessions).
    if when.night is not None:
        compiled.append(_timed(_flag("night", when.night)))
    if when.across_midnight is not None:
        compiled.append(_timed(_flag("across", when.across_midnight)))
    if when.duration_minutes is not None:
        band = when.duration_minutes

        def duration_said(f: _Features) -> str | None:
            duration = f.duration
            held = duration is not None and band.holds(duration)
            return f"duration = {duration} min" if held else None

        compiled.append(
            _timed(("duration_minutes", duration_said, lambda f: duration_said(f) is not None))
        )
    return tuple(compiled)


def _timed(compiled: Compiled) -> Compiled:
    """A condition on the time that says when it is looked at."""
    name, say, check = compiled

    def timed(f: _Features) -> bool:
        f.time_read = True
        return check(f)

    return name, say, timed


def _said(kind: str, found: str | None) -> str | None:
    return None if found is None else f"{kind} «{found}»"


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
    checks: tuple[Check, ...] = ()
    """The same tests without their names, for the fast path."""


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
TimeVariant = tuple[bool, bool, int | None]
_BASE_KEY = operator.attrgetter(
    "summary",
    "location",
    "categories",
    "codes",
    "youth",
    "youth_present",
    "professionals",
    "functions",
    "all_day",
    "source_kind",
)


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
    reader: _Reader
    reads_across: bool = False
    links: tuple[tuple[Setting, frozenset[str]], ...] = ()
    _memo: dict[FeaturesKey, Classification | dict[TimeVariant, Classification]] = field(
        default_factory=dict, repr=False
    )
    _results: dict[tuple[str, Setting, Nature, str | None], Classification] = field(
        default_factory=dict, repr=False
    )

    @property
    def _night_minutes(self) -> tuple[int, int]:
        begins, ends = self.night_window
        return begins.hour * 60 + begins.minute, ends.hour * 60 + ends.minute

    @property
    def reads_time(self) -> bool:
        return self.reads_night or self.reads_duration or self.reads_across

    @property
    def low_confidence_rule_ids(self) -> frozenset[str]:
        """Rules flagged ``low_confidence`` (the fallbacks): their sessions are counted and
        also listed in the review queue, to be confirmed or set by hand."""
        return frozenset(
            rule.id for rule in self.document.rules if LOW_CONFIDENCE in rule.then.flags
        )

    def key(self, facts: SessionFacts) -> FeaturesKey:
        """What the rules can tell apart, time aside: the memo's key."""
        return _BASE_KEY(facts)

    def time_variant(self, facts: SessionFacts) -> TimeVariant:
        """The night flag, midnight crossing and duration band of a session (constant when no
        rule reads them)."""
        night, across, duration = self._time_features(facts)
        band = None if duration is None else bisect.bisect_right(self.duration_points, duration)
        return night, across, band

    def remembered(self, key: FeaturesKey) -> Classification | None:
        """The classification already learnt for an entry (``key(facts)``) when it does not
        depend on the time: lets a caller skip building the facts (and their local times)."""
        known = self._memo.get(key)
        return known if isinstance(known, Classification) else None

    def classify(self, facts: SessionFacts) -> Classification:
        key = _BASE_KEY(facts)
        known = self._memo.get(key)
        if known is None:
            return self._learn(key, facts)
        if isinstance(known, Classification):
            return known
        variant = self.time_variant(facts)
        found = known.get(variant)
        if found is None:
            found = known[variant] = self._evaluate(self._features(facts))
        return found

    def _learn(self, key: FeaturesKey, facts: SessionFacts) -> Classification:
        """Classify the entry with its own time; when no condition on the time was looked at
        on the way to the rule that matched (most entries: their words decide), the answer
        holds at any time and later sessions of the entry need no time at all. Otherwise it
        is kept for this night flag, midnight crossing and duration band only."""
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        # First without the time (computing it costs more than most entries need).
        features = _Features(facts, False, None, self.reader)
        result = self._evaluate(features)
        if not features.time_read:
            self._memo[key] = result
            return result
        night, across, duration = self._time_features(facts)
        result = self._evaluate(features.at(night, duration, across))
        band = None if duration is None else bisect.bisect_right(self.duration_points, duration)
        self._memo[key] = {(night, across, band): result}
        return result

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
        return self._outcome(self._match(features), features)

    def _match(self, features: _Features) -> int:
        """The index of the first rule that holds (``len(rules)`` when none does)."""
        for index, rule in enumerate(self.rules):
            for check in rule.checks:
                if not check(features):
                    break
            else:
                return index
        return len(self.rules)

    def _outcome(self, index: int, features: _Features) -> Classification:
        if index == len(self.rules):
            return self._unclassified(features, self._place(features, Setting.INCONNU)[0])
        rule = self.rules[index]
        return self._result(rule, features, self._setting(rule.then, features)[0])

    def _result(self, rule: _CompiledRule, f: _Features, setting: Setting) -> Classification:
        then = rule.then
        if then.nature != "auto":
            nature = then.nature
        elif f.youth == 0 and then.nature_without_youth is not None:
            # A synthesis is indirect even when the DUI attaches nobody to it.
            nature = then.nature_without_youth
        else:
            nature = _nature(f)
        # The feed's own SERAFIN-PH code, when it states one, is kept as it is.
        serafin = f.serafin[:16] if f.serafin else then.serafin
        made = (rule.id, setting, nature, serafin)
        known = self._results.get(made)
        if known is None:
            # Few distinct results: one object each (building a frozen dataclass is not free).
            if len(self._results) >= _MEMO_LIMIT:
                self._results.clear()
            known = self._results[made] = Classification(
                activity=then.activity,
                setting=setting,
                nature=nature,
                rule_id=rule.id,
                serafin_code=serafin,
                rule_set_version=self.version,
                flags=tuple(then.flags),
            )
        return known

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
        """The location decides first (the registry, then the ``places`` words), then links
        in the description, then the summary and categories (registry, words); else
        ``default`` — but a location the registry does not know is not the DITEP's ``site``."""
        hit = f.place
        if hit.setting is not None and hit.evidence and hit.evidence.startswith("location"):
            return hit.setting, hit.evidence
        found = self._place_word(f.location)
        # A "salle" or "bureau" the registry does not know is someone else's, not the site.
        if found is not None and not (found[0] is Setting.SITE and "unknown" in hit.codes):
            return found[0], f"location word «{found[1]}»"
        if self.links and f.codes:
            for setting, hosts in self.links:
                for code in f.codes:
                    if code.startswith("link|") and code[5:] in hosts:
                        return setting, f"link to {code[5:]}"
        if hit.setting is not None:
            return hit.setting, hit.evidence
        found = self._place_word(f.words)
        if found is not None:
            return found[0], f"summary word «{found[1]}»"
        if default is Setting.SITE and "unknown" in hit.codes:
            # With a registry, the DITEP's own places are known: another one is not its site.
            return Setting.INCONNU, "a location the place registry does not know"
        return default, None

    def _place_word(self, text: _Text) -> tuple[Setting, str] | None:
        for setting, words in self.places:
            found = words.find(text)
            if found is not None:
                return setting, found
        return None

    def _time_features(self, facts: SessionFacts) -> tuple[bool, bool, int | None]:
        start, end = facts.start, facts.end
        if start is None or end is None:
            return False, False, None
        night = across = False
        if self.reads_night or self.reads_across:
            wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
            start_minute = start.hour * 60 + start.minute
            wall_minutes = wall.days * 1440 + wall.seconds // 60
            if self.reads_night:
                night = night_overlap(start_minute, wall_minutes, *self._night_minutes)
            # Evening to morning: the session goes past the local midnight.
            across = self.reads_across and wall_minutes > 0 and start_minute + wall_minutes > 1440
        return night, across, _minutes(start, end) if self.reads_duration else None

    def _features(self, facts: SessionFacts) -> _Features:
        night, across, duration = (
            self._time_features(facts) if self.reads_time else (False, False, None)
        )
        return _Features(facts, night, duration, self.reader, across)


def _nature(f: _Features) -> Nature:
    if f.youth_present > 0:
        return Nature.DIRECT
    if f.youth > 0:
        return Nature.INDIRECT
    return Nature.INSTITUTIONNEL


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _vocabulary(document: RuleSetDocument, registry: PlaceRegistry | None) -> set[str]:
    """Every word the rules (and the registry's names) can match: what typos are corrected to."""
    terms: list[str] = []
    for rule in document.rules:
        when = rule.when
        for words in (when.words, when.location_words, when.unless_words):
            terms.extend(word for word in words or () if not word.strip().endswith("*"))
    for place in document.places:
        terms.extend(word for word in place.words or () if not word.strip().endswith("*"))
    if registry is not None:
        for _kind, _owner, _setting, names in registry.entries():
            terms.extend(names)
    return {token for term in terms for token in _tokens(term)}


def compile_rule_set(
    document: RuleSetDocument, version: str, registry: PlaceRegistry | None = None
) -> CompiledRuleSet:
    """The document compiled; with an establishment's place registry, its version says so
    (``…+places-<digest>``): the same words may then be classified otherwise."""
    night = (_clock(document.night.start), _clock(document.night.end))
    rules = tuple(_compile_rule(rule) for rule in document.rules)
    normaliser = Normaliser(_vocabulary(document, registry))
    points: set[int] = set()
    for rule in document.rules:
        band = rule.when.duration_minutes
        if band is not None:
            points.update(value for value in (band.min,) if value is not None)
            points.update(value + 1 for value in (band.max,) if value is not None)
    return CompiledRuleSet(
        document=document,
        version=version if not registry_has_places(registry) else _with_places(version, registry),
        rules=rules,
        places=tuple(
            (place.setting, _Words(place.words)) for place in document.places if place.words
        ),
        links=tuple(
            (place.setting, frozenset(place.links)) for place in document.places if place.links
        ),
        reader=_Reader(
            normaliser,
            _Registry(registry, normaliser)
            if registry is not None and registry_has_places(registry)
            else None,
        ),
        reads_across=any(rule.when.across_midnight is not None for rule in document.rules),
        night_window=night,
        reads_night=any(rule.when.night is not None for rule in document.rules),
        reads_duration=bool(points),
        duration_points=tuple(sorted(points)),
    )


def registry_has_places(registry: PlaceRegistry | None) -> bool:
    return registry is not None and bool(registry.own or registry.partners)


def _with_places(version: str, registry: PlaceRegistry | None) -> str:
    assert registry is not None
    return f"{version}{PLACES_VERSION_MARK}{registry.digest[:8]}"


def _compile_rule(rule: Rule) -> _CompiledRule:
    compiled = _compile_conditions(rule.when)
    return _CompiledRule(
        rule.id,
        rule.explanation,
        tuple((name, say) for name, say, _check in compiled),
        rule.then,
        tuple(check for _name, _say, check in compiled),
    )


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


@lru_cache(maxsize=16)
def compiled_from_text(text: str, version: str, places_text: str | None = None) -> CompiledRuleSet:
    """A stored document (and place registry) compiled once per process (its memo of
    classifications is kept too)."""
    registry = parse_place_registry(places_text) if places_text else None
    return compile_rule_set(parse_rule_set(text), version, registry)


@lru_cache(maxsize=16)
def default_with_places(places_text: str) -> CompiledRuleSet:
    """The shipped rules with an establishment's place registry."""
    text = default_rules_text()
    document = parse_rule_set(text)
    return compile_rule_set(
        document, default_version(document, text), parse_place_registry(places_text)
    )


def classify(facts: SessionFacts) -> Classification:
    """``facts`` classified by the default rule set."""
    return default_rule_set().classify(facts)
