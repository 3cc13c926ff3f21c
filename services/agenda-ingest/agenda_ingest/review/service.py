"""The review queue: unclassified sessions grouped by similar summary, set by hand or made a rule.

Sessions are grouped on their normalised summary (lower case, no accents, no
digits: "RDV 14h" and "Rdv 16h" are one group). A manual classification is kept
per (source, UID, recurrence id), so the next import of the same feed keeps it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import UNCLASSIFIED_RULE_ID, normalise_words
from agenda_ingest.classification.schema import (
    Actions,
    Conditions,
    Rule,
    dump_rule_set,
    parse_rule_set,
)
from agenda_ingest.reclassify.repository import StoredSession, StoredSessionRepository
from agenda_ingest.reclassify.service import (
    ReclassificationOutcome,
    after_sessions_reclassified,
    reclassify_establishment,
)
from agenda_ingest.review.schemas import (
    ManualClassificationIn,
    ReviewGroup,
    ReviewQueue,
    RuleFromGroupIn,
)
from agenda_ingest.rulesets.repository import ManualRepository
from agenda_ingest.rulesets.service import (
    active_rule_set,
    add_version,
    base_document_text,
    manual_classification,
)
from ditep_core.models import ClassificationRuleSet, Establishment, ManualClassification
from ditep_core.nomenclatures import Activity
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound

_MAX_LOCATIONS = 3


def group_key(summary: str) -> str:
    """Similar summaries share a key: normalised words, digits and question marks left out."""
    # Words with digits and question marks (read as the word "?" by the rules) left out.
    words = [word for word in normalise_words(summary).split() if word.isalpha()]
    return " ".join(words)[:500]


def group_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _groups(stored: list[StoredSession]) -> dict[tuple[str, str], list[StoredSession]]:
    """Sessions by (rule, normalised summary): an unclassified group and a fallback's group of
    the same words are two groups."""
    grouped: dict[tuple[str, str], list[StoredSession]] = defaultdict(list)
    for session in stored:
        grouped[(session.rule_id, group_key(session.summary))].append(session)
    return grouped


def _group_id(rule_id: str, key: str) -> str:
    # An unclassified group keeps the id of its words alone (stable across versions).
    return group_id(key if rule_id == UNCLASSIFIED_RULE_ID else f"{rule_id}\n{key}")


def _to_review(session: Session, establishment: Establishment) -> list[StoredSession]:
    low_confidence = active_rule_set(session, establishment.id).low_confidence_rule_ids
    return StoredSessionRepository(session).to_review(establishment.id, low_confidence)


def _iso_week(start: dt.datetime, timezone: ZoneInfo) -> str:
    year, week, _day = start.astimezone(timezone).isocalendar()
    return f"{year}-W{week:02d}"


def review_queue(session: Session, establishment: Establishment) -> ReviewQueue:
    """Unclassified sessions, then those a fallback rule classified, grouped by summary."""
    to_review = _to_review(session, establishment)
    timezone = ZoneInfo(establishment.timezone)
    unclassified = [s for s in to_review if s.activity is Activity.UNCLASSIFIED]
    groups = [
        ReviewGroup(
            group=_group_id(rule_id, key),
            key=key,
            reason="unclassified" if rule_id == UNCLASSIFIED_RULE_ID else "low_confidence",
            classified_as=members[0].activity,
            rule_id=rule_id,
            example_summary=members[0].summary,
            sessions=len(members),
            locations=[
                location
                for location, _count in Counter(
                    m.location for m in members if m.location
                ).most_common(_MAX_LOCATIONS)
            ],
            first_start=min(m.start_at for m in members),
            last_start=max(m.start_at for m in members),
            source_ids=sorted({m.source_id for m in members}),
            weeks=sorted({_iso_week(m.start_at, timezone) for m in members}),
        )
        for (rule_id, key), members in _groups(to_review).items()
    ]
    groups.sort(key=lambda group: (group.reason != "unclassified", -group.sessions, group.key))
    return ReviewQueue(
        finess=establishment.finess,
        unclassified_sessions=len(unclassified),
        low_confidence_sessions=len(to_review) - len(unclassified),
        groups=groups,
    )


def _group_members(
    session: Session, establishment: Establishment, group: str
) -> tuple[str, list[StoredSession]]:
    for (rule_id, key), members in _groups(_to_review(session, establishment)).items():
        if _group_id(rule_id, key) == group:
            return key, members
    raise NotFound(f"no group {group} to review in establishment {establishment.finess}")


def classify_group(
    session: Session,
    establishment: Establishment,
    group: str,
    wanted: ManualClassificationIn,
    *,
    created_by_key_id: int | None,
) -> int:
    """Classify every session of the group by hand, now and at every later import."""
    key, members = _group_members(session, establishment, group)
    version = active_rule_set(session, establishment.id).version
    manual = ManualRepository(session)
    changes = []
    for member in members:
        row = manual.get(member.source_id, member.uid, member.recurrence_id)
        if row is None:
            row = manual.add(
                ManualClassification(
                    establishment_id=establishment.id,
                    source_id=member.source_id,
                    uid=member.uid,
                    recurrence_id=member.recurrence_id,
                    activity=wanted.activity,
                    setting=wanted.setting,
                    nature=wanted.nature,
                    serafin_code=wanted.serafin_code,
                    group_key=key,
                    created_by_key_id=created_by_key_id,
                )
            )
        else:
            row.activity, row.setting, row.nature = wanted.activity, wanted.setting, wanted.nature
            row.serafin_code = wanted.serafin_code
        changes.append((member.id, manual_classification(row, version)))
    repository = StoredSessionRepository(session)
    repository.store_classifications(changes)
    after_sessions_reclassified(session, establishment, [member.start_at for member in members])
    return len(members)


@dataclass(frozen=True, slots=True)
class RuleFromGroup:
    rule_id: str
    rule_set: ClassificationRuleSet
    reclassification: ReclassificationOutcome


_MAX_PHRASES = 50


def _group_phrases(key: str, members: list[StoredSession]) -> list[str]:
    """The group's key, for later titles worded alike ("RDV 15h" after "RDV 14h"), then its
    members' titles as the rules read them: the key leaves out digits, question marks and
    arrows, which the rules read as words, so its words in a row are not in every member's
    title ("Taxi domicile → DITEP" reads "taxi domicile > ditep")."""
    titles = sorted({normalise_words(member.summary).strip() for member in members} - {"", key})
    return [key, *titles[:_MAX_PHRASES]]


def rule_from_group(
    session: Session,
    establishment: Establishment,
    group: str,
    wanted: RuleFromGroupIn,
    *,
    created_by_key_id: int | None,
) -> RuleFromGroup:
    """A new rule matching the group's words, first in a new version of the rule set, then
    the establishment's sessions reclassified with it."""
    key, members = _group_members(session, establishment, group)
    if not key:
        raise InvalidRequest("this group has no words in its summary: classify it by hand")
    document = parse_rule_set(base_document_text(session, establishment.id))
    rule_id = wanted.rule_id or f"revue-{group[:8]}"
    if any(rule.id == rule_id for rule in document.rules):
        raise Conflict(f"the rule set already has a rule '{rule_id}'")
    try:
        rule = Rule(
            id=rule_id,
            explanation=wanted.explanation
            or f"Créée depuis la file de revue : « {key} » → {wanted.activity.label}.",
            when=Conditions(words=_group_phrases(key, members)),
            then=Actions(
                activity=wanted.activity,
                setting=wanted.setting or "auto",
                nature=wanted.nature or "auto",
            ),
        )
    except ValueError as error:
        raise InvalidRequest(f"the rule cannot be made: {error}") from error
    text = dump_rule_set(document.model_copy(update={"rules": [rule, *document.rules]}))
    row, _created = add_version(
        session,
        establishment,
        text,
        created_by_key_id=created_by_key_id,
        comment=f"rule {rule_id} from review group {group}",
    )
    outcome = reclassify_establishment(session, establishment, created_by_key_id=created_by_key_id)
    return RuleFromGroup(rule_id, row, outcome)
