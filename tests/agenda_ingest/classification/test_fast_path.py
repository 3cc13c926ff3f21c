"""Issue 20 (throughput): the fast path (memos, projected texts, per-word reading, time keys)
classifies every session exactly as a plain evaluation of the words as they are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenda_ingest.classification.engine import (
    LOW_CONFIDENCE,
    CompiledRuleSet,
    SessionFacts,
    compile_rule_set,
    default_rules_text,
)
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.normalise import SPELT_OUT
from agenda_ingest.classification.places import parse_place_registry
from agenda_ingest.classification.schema import RuleSetDocument, parse_rule_set
from ditep_core.nomenclatures import AgendaKind
from tests.conftest import REPO_ROOT

ENTRY_FILES = (
    REPO_ROOT / "tests/data/wording/entries.jsonl",
    REPO_ROOT / "tests/agenda_ingest/classification/labelled_entries.jsonl",
    REPO_ROOT / "tests/agenda_ingest/classification/heldout_entries.jsonl",
)
PLACES = REPO_ROOT / "tests/data/wording/places.yaml"
# The default rules and a rule reading the duration (no default rule does): every time path.
WITH_DURATION = (
    "  - id: longue-sortie\n    explanation: Sortie de plus de six heures\n"
    "    when: {words: [sortie], duration_minutes: {min: 360, max: 720}}\n"
    "    then: {activity: accueil_jour, setting: exterieur}\n"
)
PARIS = ZoneInfo("Europe/Paris")


def _document(duration: bool) -> RuleSetDocument:
    text = default_rules_text()
    if duration:
        text = text.replace("rules:\n", "rules:\n" + WITH_DURATION, 1)
    return parse_rule_set(text)


@cache
def _pair(duration: bool, places: bool) -> tuple[CompiledRuleSet, CompiledRuleSet]:
    """The fast rule set (kept across examples: its memos fill up) and the reference."""
    document = _document(duration)
    registry = parse_place_registry(PLACES.read_text(encoding="utf-8")) if places else None
    return (
        compile_rule_set(document, "test", registry),
        compile_rule_set(document, "test", registry, project=False),
    )


def _entries() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in ENTRY_FILES
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _same(fast: CompiledRuleSet, reference: CompiledRuleSet, facts: SessionFacts) -> None:
    expected = reference.classify_uncached(facts)
    got = fast.classify(facts)
    assert got == expected, facts
    # The labels the counts and the review queue read, named for a readable failure.
    assert (got.activity, got.setting, got.nature, got.rule_id, LOW_CONFIDENCE in got.flags) == (
        expected.activity,
        expected.setting,
        expected.nature,
        expected.rule_id,
        LOW_CONFIDENCE in expected.flags,
    )
    assert fast.classify(facts) == expected  # again, from the memo
    assert fast.explain(facts) == reference.explain(facts)


@pytest.mark.parametrize("places", [False, True], ids=["default", "with-registry"])
def test_every_wording_labelled_and_heldout_entry_is_classified_as_the_reference(
    places: bool,
) -> None:
    fast, reference = _pair(False, places)
    entries = _entries()
    assert len(entries) >= 900
    for entry in entries:
        _same(fast, reference, facts_from_entry(entry))


def test_entries_differing_only_in_words_no_rule_reads_share_one_projected_text() -> None:
    fast, _reference = _pair(False, False)
    read = fast.reader.read
    assert read("Atelier cuisine Lucas") is read("Atelier cuisine Emma-Louise")
    assert read("Atelier cuisine") is not read("Atelier cuisine Lucas")  # a word was dropped
    # A phrase is not made across a dropped word, and a typo is still corrected.
    assert read("en Lucas ligne").padded == " en _ ligne "
    assert read("reunoin Lucas").padded == " reunion _ "


# --- Property: any wording, counts and times ---------------------------------------------------


def _vocabulary() -> list[str]:
    document = _document(True)
    terms: list[str] = [*SPELT_OUT]
    for rule in document.rules:
        when = rule.when
        for words in (when.words, when.also_words, when.location_words, when.unless_words):
            terms.extend(
                term.rstrip("*") + ("phonie" if term.endswith("*") else "") for term in words or ()
            )
    for place in document.places:
        terms.extend(place.words or ())
    terms.extend(["Tilleuls", "Colibris", "IME", "Purpan", "centre social", "salle de sport"])
    return sorted(set(terms))


VOCABULARY = _vocabulary()
NOISE = ["Lucas", "Emma D.", "réf. 12", "n°3", "–", "’", "(", "groupe B", "l’école", "Œuvre", "ÉTÉ"]


@st.composite
def _typo(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(VOCABULARY))
    if len(word) < 4:
        return word
    at = draw(st.integers(1, len(word) - 2))
    how = draw(st.sampled_from(["drop", "swap", "double", "upper", "same"]))
    if how == "drop":
        return word[:at] + word[at + 1 :]
    if how == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if how == "double":
        return word[:at] + word[at] + word[at:]
    return word.upper() if how == "upper" else word


_texts = st.lists(
    st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(NOISE), _typo()), max_size=6
).map(" ".join)


@st.composite
def _facts(draw: st.DrawFn) -> SessionFacts:
    start = end = None
    if draw(st.booleans()):
        start = dt.datetime(2025, 3, 27) + dt.timedelta(minutes=15 * draw(st.integers(0, 500)))
        end = start + dt.timedelta(minutes=15 * draw(st.integers(0, 120)))
        zone = draw(st.sampled_from(["naive", "paris", "mixed"]))
        if zone != "naive":
            # Paris changes to summer time on 30 March 2025; "mixed" ends in another zone.
            start, end = start.replace(tzinfo=PARIS), end.replace(tzinfo=PARIS)
            if zone == "mixed":
                end = end.astimezone(dt.UTC)
    youth = draw(st.integers(0, 3))
    return SessionFacts(
        summary=draw(_texts),
        location=draw(st.one_of(st.just(""), _texts)),
        categories=tuple(draw(st.lists(_texts, max_size=2))),
        codes=tuple(
            draw(
                st.lists(
                    st.sampled_from(
                        [
                            "https://serafin-ph|2.2.1",
                            "http://serafin.example|3.1.5.2",
                            "link|zoom.us",
                            "X-DUI|VAD",
                        ]
                    ),
                    max_size=2,
                )
            )
        ),
        youth=youth,
        youth_present=draw(st.integers(0, youth)),
        professionals=draw(st.integers(0, 3)),
        functions=tuple(
            draw(
                st.lists(st.sampled_from(["educateur", "orthophoniste", "psychologue"]), max_size=2)
            )
        ),
        start=start,
        end=end,
        all_day=draw(st.booleans()),
        source_kind=draw(st.sampled_from(list(AgendaKind))),
    )


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    facts=_facts(),
    duration=st.booleans(),
    places=st.booleans(),
    renamed=st.sampled_from(["", "Lucas", "Emma D."]),
)
def test_the_fast_path_classifies_any_session_as_the_reference(
    facts: SessionFacts, duration: bool, places: bool, renamed: str
) -> None:
    fast, reference = _pair(duration, places)
    _same(fast, reference, facts)
    # The same entry with another name, at another time: found by the facts that matter.
    later = dataclasses.replace(
        facts,
        summary=f"{facts.summary} {renamed}",
        start=facts.start + dt.timedelta(hours=13) if facts.start else None,
        end=facts.end + dt.timedelta(hours=13) if facts.end else None,
    )
    _same(fast, reference, later)
