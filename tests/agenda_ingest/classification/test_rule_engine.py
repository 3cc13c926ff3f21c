"""The rule engine: documents validated with located errors, the default rule set measured
against the labelled entries, explain traces, time conditions, and the memo."""

from __future__ import annotations

import datetime as dt
import json
import random
import unicodedata
from pathlib import Path

import pytest

from agenda_ingest.classification.engine import (
    _ACCENT_TABLE,
    _ACCENTS,
    _TABLE_END,
    _WORD,
    Classification,
    SessionFacts,
    compile_rule_set,
    default_rule_set,
    default_rules_text,
    default_with_places,
    overlaps_night,
)
from agenda_ingest.classification.engine import _tokens as tokens
from agenda_ingest.classification.entries import facts_from_entry, measure
from agenda_ingest.classification.schema import RuleSetInvalid, parse_rule_set
from ditep_core.nomenclatures import Activity, Nature, Setting
from tests.agenda_ingest.parsing.drafting import sample_draft_context

LABELLED = Path(__file__).with_name("labelled_entries.jsonl")


def _labelled() -> list[dict[str, object]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def test_the_labelled_set_is_large_and_varied() -> None:
    entries = _labelled()
    assert len(entries) >= 300
    assert len({entry["vendor_style"] for entry in entries}) >= 6
    assert sum(1 for entry in entries if not entry.get("summary")) >= 20  # codes or location only


def test_default_rule_set_agrees_with_the_labelled_entries() -> None:
    accuracy = measure(default_rule_set(), _labelled())
    assert accuracy.rate >= 0.95, [
        (entry.get("summary"), labels, got.rule_id) for entry, labels, got in accuracy.misses
    ]


def test_the_memo_gives_what_a_fresh_evaluation_gives() -> None:
    rules = default_rule_set()
    for entry in _labelled():
        facts = facts_from_entry(entry)
        assert rules.classify(facts) == rules.classify_uncached(facts)
        assert rules.explain(facts).classification == rules.classify(facts)


RULE = """
format: ditep-rules/1
rules:
  - id: nuit
    explanation: Un jeune la nuit
    when: {youth_present: {min: 1}, night: true}
    then: {activity: accueil_nuit, setting: site}
  - id: long
    explanation: Plus de six heures
    when: {duration_minutes: {min: 360}}
    then: {activity: accueil_jour}
"""


def test_validation_errors_name_the_rule_and_the_field() -> None:
    text = """
rules:
  - id: ok
    explanation: Bonne règle
    when: {words: [internat]}
    then: {activity: accueil_nuit}
  - id: mauvaise
    explanation: Une activité inconnue
    when: {words: [atelier], youth: {min: 3, max: 1}}
    then: {activity: garderie}
  - explanation: Sans identifiant
    when: {}
    then: {activity: transport}
"""
    with pytest.raises(RuleSetInvalid) as raised:
        parse_rule_set(text)
    located = {(error.rule, error.field) for error in raised.value.errors}
    assert ("mauvaise", "then.activity") in located
    assert ("mauvaise", "when.youth") in located
    assert ("#3", "id") in located
    assert ("#3", "when") in located
    assert "rule mauvaise, field then.activity" in str(raised.value)


def test_unreadable_yaml_and_duplicate_ids() -> None:
    with pytest.raises(RuleSetInvalid, match="line 3"):
        parse_rule_set("rules:\n  - id: [\n")
    with pytest.raises(RuleSetInvalid, match="'!!' has no letter or digit"):
        parse_rule_set(RULE.replace("{duration_minutes: {min: 360}}", "{words: ['!!']}"))
    with pytest.raises(RuleSetInvalid, match="a '\\*' ends a single word"):
        parse_rule_set(RULE.replace("{duration_minutes: {min: 360}}", "{words: ['deux mots*']}"))
    twice = RULE.replace("id: long", "id: nuit")
    with pytest.raises(RuleSetInvalid, match="two rules have the id 'nuit'"):
        parse_rule_set(twice)


def test_night_window_and_duration() -> None:
    rules = compile_rule_set(parse_rule_set(RULE), "test")
    evening = SessionFacts(
        youth=1,
        youth_present=1,
        start=dt.datetime(2025, 3, 11, 19, 0),
        end=dt.datetime(2025, 3, 11, 22, 0),
    )
    day = SessionFacts(
        youth=1,
        youth_present=1,
        start=dt.datetime(2025, 3, 11, 9, 0),
        end=dt.datetime(2025, 3, 11, 16, 0),
    )
    short = SessionFacts(start=dt.datetime(2025, 3, 11, 9), end=dt.datetime(2025, 3, 11, 10))
    assert rules.classify(evening).activity is Activity.ACCUEIL_NUIT
    assert rules.classify(day).activity is Activity.ACCUEIL_JOUR
    assert rules.classify(short).activity is Activity.UNCLASSIFIED
    assert rules.reads_time
    assert overlaps_night(
        dt.datetime(2025, 3, 12, 6), dt.datetime(2025, 3, 12, 8), dt.time(21), dt.time(7)
    )
    assert not overlaps_night(
        dt.datetime(2025, 3, 12, 7), dt.datetime(2025, 3, 12, 21), dt.time(21), dt.time(7)
    )


def test_explain_lists_the_rules_tried_and_the_evidence() -> None:
    facts = SessionFacts(summary="VAD famille", youth=1, youth_present=1, professionals=1)
    explanation = default_rule_set().explain(facts)
    matched = explanation.matched
    assert matched is not None
    assert matched.rule_id == "ambulatoire"
    assert "word «vad»" in matched.evidence
    tried = {trial.rule_id: trial.failed_on for trial in explanation.trials[:-1]}
    assert tried["transport"] == "words"
    assert tried["institutionnel"] == "youth"
    assert explanation.setting_evidence == "summary word «vad»"
    assert explanation.classification.setting is Setting.DOMICILE


def test_words_are_whole_and_accent_free_codes_before_words() -> None:
    rules = default_rule_set()
    assert rules.classify(SessionFacts(summary="ÉQUIPE DE SUIVI DE SCOLARISATION")).nature is (
        Nature.INDIRECT
    )
    assert rules.classify(SessionFacts(summary="Internationale")).activity is (
        Activity.UNCLASSIFIED
    )


def _tokens_by_the_mapping(text: str) -> list[str]:
    """The words of a text read with the mapping itself (what the list copies)."""
    text = text.lower().translate(_ACCENTS)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _WORD.findall(text)


def test_the_accent_list_reads_every_character_as_the_accent_mapping_does() -> None:
    # The list is a faster copy of the mapping (issue 20, throughput): a character it read
    # otherwise would change a word.
    for code in range(0x80, _TABLE_END):
        char = chr(code)
        assert char.translate(_ACCENT_TABLE) == char.translate(_ACCENTS), hex(code)
    draw = random.Random(3)
    alphabet = [*"aeiou lmnrst-'", *map(chr, range(0xC0, 0x250)), "’", "«", "→", "📞", "🌙", "ｆ"]
    titles = ["Réunion → Métropole ☎ l’école", "Nuit 🌙 internat", "Œuvre « x » — ß", "ＲＤＶ"]
    titles += ["".join(draw.choices(alphabet, k=draw.randrange(1, 40))) for _ in range(3000)]
    assert {title: tokens(title) for title in titles} == {
        title: _tokens_by_the_mapping(title) for title in titles
    }


QUESTION_AND_BOTH = """
format: ditep-rules/1
rules:
  - id: vague
    explanation: Rien de fixé
    when: {words: ["?"]}
    then: {activity: institutionnel, setting: inconnu}
  - id: accueil-jour-avec-ppa
    explanation: La modalité nommée avec le PPA cité
    when: {words: [ppa], also_words: ["accueil de jour"]}
    then: {activity: accueil_jour, setting: site}
  - id: ppa
    explanation: Le PPA seul
    when: {words: [ppa]}
    then: {activity: coordination, setting: site}
"""


def test_a_run_of_question_marks_is_one_word_and_also_words_need_both_lists() -> None:
    rules = compile_rule_set(parse_rule_set(QUESTION_AND_BOTH), "t")
    for summary in ("???", "Lucas ??", "RDV ? Emma"):
        assert rules.classify(SessionFacts(summary=summary)).rule_id == "vague", summary
    assert rules.classify(SessionFacts(summary="Lucas")).activity is Activity.UNCLASSIFIED
    both = rules.explain(SessionFacts(summary="Accueil de jour Tom (PPA: 3j/sem)"))
    assert both.classification.rule_id == "accueil-jour-avec-ppa"
    matched = both.matched
    assert matched is not None
    assert "word too «accueil de jour»" in matched.evidence
    assert rules.classify(SessionFacts(summary="PPA de Tom")).rule_id == "ppa"
    assert rules.classify(SessionFacts(summary="Accueil de jour")).activity is (
        Activity.UNCLASSIFIED
    )


def test_placeholders_and_two_first_names_are_not_classified_by_the_default_rules() -> None:
    rules = default_rule_set()
    for summary in ("???", "à caler", "A CONFIRMER", "Créneau réservé", "[OGI] Activité"):
        facts = SessionFacts(
            summary=summary, youth=1, youth_present=1, professionals=1, functions=("psychologue",)
        )
        assert rules.classify(facts).activity is Activity.UNCLASSIFIED, summary
    two = SessionFacts(summary="Mathis + Enzo", youth=2, youth_present=2, professionals=1)
    assert rules.classify(two).activity is Activity.UNCLASSIFIED
    three = SessionFacts(summary="Mathis, Enzo et Lou", youth=3, youth_present=3, professionals=1)
    assert rules.classify(three).activity is Activity.ACCUEIL_JOUR
    alone = SessionFacts(
        summary="Lucas P.", youth=1, youth_present=1, professionals=1, functions=("orthophoniste",)
    )
    assert rules.classify(alone).activity is Activity.AMBULATOIRE


def test_the_default_rule_set_is_declared_as_package_data() -> None:
    """A non-editable install must carry the YAML file next to the engine."""
    import tomllib

    root = Path(__file__).resolve().parents[3]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    assert "default_rules.yaml" in package_data["agenda_ingest.classification"]
    assert default_rules_text().startswith("# Règles de classement par défaut")


def _night_minute_by_minute(start: dt.datetime, end: dt.datetime) -> bool:
    moment = start
    while moment < end:
        if moment.hour >= 21 or moment.hour < 7:
            return True
        moment += dt.timedelta(minutes=1)
    return False


@pytest.mark.parametrize("seed", range(3))
def test_night_overlap_agrees_with_a_minute_by_minute_walk(seed: int) -> None:
    import random

    draw = random.Random(seed)
    for _ in range(300):
        start = dt.datetime(2025, 3, 11) + dt.timedelta(minutes=draw.randrange(1440))
        end = start + dt.timedelta(minutes=draw.randrange(1500))
        assert overlaps_night(start, end, dt.time(21), dt.time(7)) == _night_minute_by_minute(
            start, end
        ), (start, end)


def test_vendor_properties_of_an_ical_event_are_codes_rules_can_test() -> None:

    from agenda_ingest.parsing.drafts import DraftBuilder
    from agenda_ingest.parsing.normalised import Occurrence

    rules = compile_rule_set(
        parse_rule_set(
            "rules:\n  - id: prestation-vad\n    explanation: Le DUI dit VAD\n"
            "    when: {codes: ['X-DUI-PRESTATION|VAD']}\n"
            "    then: {activity: ambulatoire, setting: domicile}\n"
        ),
        "test",
    )
    builder = DraftBuilder(sample_draft_context(rules=rules))
    moment = dt.datetime(2025, 3, 11, 9, tzinfo=dt.UTC)
    occurrence = Occurrence(
        uid="a",
        start=moment,
        end=moment + dt.timedelta(hours=1),
        all_day=False,
        recurrence_id=None,
        summary="Rendez-vous",
        properties={"X-DUI-PRESTATION": "VAD", "X-ALT-DESC": "<p>" + "x" * 200 + "</p>"},
    )
    draft = builder.build(occurrence)
    assert draft.codes == ("X-DUI-PRESTATION|VAD",)
    assert (draft.classification.rule_id, draft.classification.setting) == (
        "prestation-vad",
        Setting.DOMICILE,
    )


def test_the_memo_holds_when_rules_read_night_and_duration() -> None:
    """Same entries at random times: remembered answers equal fresh evaluations."""
    import random

    text = default_rules_text().replace(
        "rules:\n",
        "rules:\n"
        "  - id: longue-sortie\n    explanation: Sortie de plus de six heures\n"
        "    when: {words: [sortie], duration_minutes: {min: 360, max: 720}}\n"
        "    then: {activity: accueil_jour, setting: exterieur}\n",
        1,
    )
    rules = compile_rule_set(parse_rule_set(text), "test")
    assert rules.reads_night
    assert rules.reads_duration
    draw = random.Random(5)
    entries = _labelled()
    for _ in range(3000):
        facts = facts_from_entry(draw.choice(entries))
        start = dt.datetime(2025, 3, 11) + dt.timedelta(minutes=15 * draw.randrange(96))
        end = start + dt.timedelta(minutes=30 * draw.randrange(0, 40))
        timed = SessionFacts(
            **{
                **{name: getattr(facts, name) for name in facts.__slots__},
                "summary": draw.choice([facts.summary, "Sortie", "Sortie internat"]),
                "start": start,
                "end": end,
            }
        )
        assert rules.classify(timed) == rules.classify_uncached(timed), timed


def test_drafting_reuses_what_the_rule_set_remembers_without_rebuilding_facts() -> None:
    """The builder's memo key is the rule set's own: a repeated entry is not classified
    again (and a time-dependent one still is)."""

    from agenda_ingest.parsing.drafts import DraftBuilder
    from agenda_ingest.parsing.normalised import Occurrence

    rules = compile_rule_set(parse_rule_set(default_rules_text()), "test")
    builder = DraftBuilder(sample_draft_context(rules=rules))
    moment = dt.datetime(2025, 3, 11, 9, tzinfo=dt.UTC)

    def occurrence(uid: str, summary: str, hours: int) -> Occurrence:
        return Occurrence(
            uid=uid,
            start=moment,
            end=moment + dt.timedelta(hours=hours),
            all_day=False,
            recurrence_id=None,
            summary=summary,
            properties={"X-DUI-TYPE": "ATELIER"},
        )

    first = builder.build(occurrence("a", "Semi-internat", 7)).classification
    calls: list[SessionFacts] = []
    classify = rules.classify

    def counted(facts: SessionFacts) -> Classification:
        calls.append(facts)
        return classify(facts)

    rules.classify = counted  # type: ignore[method-assign]
    assert builder.build(occurrence("b", "Semi-internat", 7)).classification == first
    assert calls == []
    builder.build(occurrence("c", "Une entrée jamais vue", 1))
    assert len(calls) == 1


WHERE_RULES = """
places:
  - {setting: distance, words: [telephone]}
  - {setting: distance, links: [zoom.us]}
  - {setting: domicile, words: [domicile]}
  - {setting: site, words: [salle]}
# A room named by a number or at an address (the section is data: none without it).
place_reading: {numbered_rooms: true, number_signs: [n], street_words: [rue]}
rules:
  - id: lieu-connu
    explanation: Un lieu dit où
    when: {where_known: true}
    then: {activity: ambulatoire, default_setting: inconnu}
  - id: nulle-part
    explanation: Rien ne dit où
    when: {where_known: false}
    then: {activity: coordination, default_setting: inconnu}
"""

WHERE_PLACES = """
format: ditep-places/1
own:
  - {name: Les Tilleuls, kind: house}
partners:
  - {name: CMP Les Lilas, kind: care}
"""


@pytest.mark.parametrize(
    ("summary", "location", "codes", "registry", "expected"),
    [
        ("Yanis", "Domicile", (), False, ("lieu-connu", Setting.DOMICILE)),
        ("Tél. Yanis", "", (), False, ("lieu-connu", Setting.DISTANCE)),
        ("Yanis", "", ("link|zoom.us",), False, ("lieu-connu", Setting.DISTANCE)),
        ("Yanis", "CMP Les Lilas", (), True, ("lieu-connu", Setting.SOINS)),
        ("Yanis - Les Tilleuls", "", (), True, ("lieu-connu", Setting.SITE)),
        # A place that is a room named by a function or a name ("Salle bleue": it starts with
        # the word) is the DITEP's own.
        ("Yanis", "Salle bleue", (), True, ("lieu-connu", Setting.SITE)),
        # A room named by a number or at a street address is a room, but nobody's in
        # particular: the session is somewhere (where_known), the setting is not known.
        ("Yanis", "Salle 4", (), True, ("lieu-connu", Setting.INCONNU)),
        ("Salle 4", "salle n° 4 (bâtiment B)", (), True, ("lieu-connu", Setting.INCONNU)),
        ("Yanis", "Salle bleue, 4 rue Lakanal", (), True, ("lieu-connu", Setting.INCONNU)),
        # Nothing says where: a name, a place nobody knows, a "salle" inside a place the
        # registry does not know.
        ("RDV Yanis", "", (), False, ("nulle-part", Setting.INCONNU)),
        ("Yanis", "Kermaria", (), True, ("nulle-part", Setting.INCONNU)),
        ("Yanis", "Kermaria, salle 4", (), True, ("nulle-part", Setting.INCONNU)),
    ],
)
def test_where_known_holds_when_the_place_links_or_title_say_where(
    summary: str,
    location: str,
    codes: tuple[str, ...],
    registry: bool,
    expected: tuple[str, Setting],
) -> None:
    from agenda_ingest.classification.places import parse_place_registry

    places = parse_place_registry(WHERE_PLACES) if registry else None
    rules = compile_rule_set(parse_rule_set(WHERE_RULES), "test", places)
    facts = SessionFacts(
        summary=summary, location=location, codes=codes, youth=1, youth_present=1, professionals=1
    )
    result = rules.classify(facts)
    assert (result.rule_id, result.setting) == expected
    trial = rules.explain(facts).matched
    assert trial is not None
    evidence = " ".join(str(item) for item in trial.evidence)
    assert ("where:" in evidence) is (expected[0] == "lieu-connu"), evidence


UNPLACED_RULES = """
places:
  - {setting: ecole, words: [ecole]}
place_reading: {elsewhere_without_youth: true}
rules:
  - id: appui
    explanation: Appui aux acteurs du jeune
    when: {words: [appui]}
    then: {activity: appui_ressources, unplaced_setting: inconnu}
  - id: reunion
    explanation: Réunion d'équipe
    when: {words: [reunion]}
    then: {activity: institutionnel}
"""


@pytest.mark.parametrize(
    ("summary", "location", "expected"),
    [
        # No place given, nothing saying where: the rule's unplaced setting (round 10).
        ("Appui ressources", "", Setting.INCONNU),
        # A word saying where still does; a place the registry does not know, without a young
        # person, keeps the default setting's reading: elsewhere, outside.
        ("Appui équipe école Jaurès", "", Setting.ECOLE),
        ("Appui ressources", "Inspection Nord", Setting.EXTERIEUR),
        ("Appui ressources", "Les Tilleuls", Setting.SITE),
        # Without ``unplaced_setting``, the default setting (site) as before.
        ("Réunion", "", Setting.SITE),
    ],
)
def test_unplaced_setting_is_the_setting_when_no_place_is_given(
    summary: str, location: str, expected: Setting
) -> None:
    from agenda_ingest.classification.places import parse_place_registry

    rules = compile_rule_set(
        parse_rule_set(UNPLACED_RULES), "test", parse_place_registry(WHERE_PLACES)
    )
    facts = SessionFacts(
        summary=summary, location=location, youth=0, youth_present=0, professionals=1
    )
    assert rules.classify(facts).setting is expected
    assert rules.explain(facts).classification.setting is expected


def test_explain_gives_what_classify_gives_on_every_own_entry() -> None:
    """``explain`` (GET .../classification: "why is this counted so?") must say what was
    stored: the same classification as ``classify`` on every entry of the wording set, with
    its registry and without (an unclassified entry naming a group only in its title is
    ``inconnu`` for both)."""
    wording = Path(__file__).parents[2] / "data" / "wording"
    entries = [json.loads(line) for line in (wording / "entries.jsonl").read_text().splitlines()]
    for rules in (
        default_rule_set(),
        default_with_places((wording / "places.yaml").read_text(encoding="utf-8")),
    ):
        for entry in entries:
            facts = facts_from_entry(entry)
            assert rules.explain(facts).classification == rules.classify(facts), entry["summary"]


EVENING = """
format: ditep-rules/1
rules:
  - id: soir
    explanation: Des jeunes le soir
    when: {youth_present: {min: 2}, start_time: {min: "17:00", max: "20:59"}}
    then: {activity: accueil_nuit}
  - id: jour
    explanation: Des jeunes de jour
    when: {youth_present: {min: 2}}
    then: {activity: accueil_jour}
"""


def test_start_time_reads_the_local_start_both_ends_included() -> None:
    rules = compile_rule_set(parse_rule_set(EVENING), "test")
    assert rules.reads_time

    def at(hour: int, minute: int) -> Activity:
        start = dt.datetime(2025, 3, 11, hour, minute)
        facts = SessionFacts(
            summary="Atelier cuisine",
            youth=3,
            youth_present=3,
            professionals=1,
            start=start,
            end=start + dt.timedelta(hours=1),
        )
        got = rules.classify(facts)
        assert got == rules.classify_uncached(facts)
        return got.activity

    assert at(16, 59) is Activity.ACCUEIL_JOUR
    assert at(17, 0) is Activity.ACCUEIL_NUIT
    assert at(20, 59) is Activity.ACCUEIL_NUIT
    assert at(21, 0) is Activity.ACCUEIL_JOUR
    assert at(12, 0) is Activity.ACCUEIL_JOUR
    # Without times the start is not known: the condition does not hold.
    untimed = SessionFacts(summary="Atelier", youth=3, youth_present=3, professionals=1)
    assert rules.classify(untimed).activity is Activity.ACCUEIL_JOUR
    assert (
        "starts at 17:30"
        in rules.explain(
            SessionFacts(
                summary="Atelier",
                youth=3,
                youth_present=3,
                professionals=1,
                start=dt.datetime(2025, 3, 11, 17, 30),
                end=dt.datetime(2025, 3, 11, 18, 30),
            )
        )
        .trials[0]
        .evidence
    )


@pytest.mark.parametrize(
    "clock", ['{min: "25:00"}', '{max: "7h"}', "{}", '{min: "18:00", max: "17:00"}']
)
def test_start_time_must_be_a_time_of_day_range(clock: str) -> None:
    with pytest.raises(RuleSetInvalid):
        parse_rule_set(EVENING.replace('{min: "17:00", max: "20:59"}', clock))
