"""The rule a review group becomes matches every member of the group, whatever the key left out."""

from __future__ import annotations

import datetime as dt

from agenda_ingest.classification.engine import SessionFacts, compile_rule_set
from agenda_ingest.classification.schema import Actions, Conditions, Rule, RuleSetDocument
from agenda_ingest.reclassify.repository import StoredSession
from agenda_ingest.review.service import _group_phrases, group_key
from ditep_core.nomenclatures import Activity

_MONDAY = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def _member(summary: str) -> StoredSession:
    fields: dict[str, object] = dict.fromkeys(StoredSession.__dataclass_fields__)
    fields.update(summary=summary, start_at=_MONDAY, end_at=_MONDAY + dt.timedelta(hours=1))
    return StoredSession(**fields)  # type: ignore[arg-type]


def test_the_group_rule_matches_members_with_arrows_question_marks_and_digits() -> None:
    summaries = ("Taxi domicile → DITEP", "Taxi domicile -> DITEP", "Taxi ?? domicile DITEP")
    members = [_member(summary) for summary in summaries]
    [key] = {group_key(summary) for summary in summaries}
    assert key == "taxi domicile ditep"
    rule = Rule(
        id="taxi-local",
        explanation="test",
        when=Conditions(words=_group_phrases(key, members)),
        then=Actions(activity=Activity.TRANSPORT, setting="inconnu", nature="auto"),
    )
    rules = compile_rule_set(RuleSetDocument(version="t", rules=[rule]), "t")
    for summary in (*summaries, "Taxi domicile DITEP"):
        assert rules.classify(SessionFacts(summary=summary)).rule_id == "taxi-local", summary
    # Worded alike later (the key): still the group's rule; other words: not.
    assert rules.classify(SessionFacts(summary="RDV")).activity is Activity.UNCLASSIFIED


def test_digits_group_together_and_the_key_covers_later_ones() -> None:
    members = [_member("RDV 14h"), _member("Rdv 16h")]
    [key] = {group_key(member.summary) for member in members}
    phrases = _group_phrases(key, members)
    assert phrases == ["rdv", "rdv 14h", "rdv 16h"]
