"""Re-running the rules on an establishment's stored sessions after a rule-set change.

Manual classifications still win. Only sessions whose classification (or the
version that gave it) changes are written; the run is recorded with the
sessions per activity before and after.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import Classification, CompiledRuleSet, SessionFacts
from agenda_ingest.reclassify.repository import StoredSession, StoredSessionRepository
from agenda_ingest.rulesets.repository import ManualRepository
from agenda_ingest.rulesets.service import active_rule_set, manual_classification
from ditep_core.models import Establishment, ReclassificationRun
from ditep_counting.rollups.service import invalidate_after_write

logger = structlog.get_logger("ditep.reclassify")

ManualBySession = Mapping[tuple[int, str, str], Classification]


@dataclass(slots=True)
class ReclassificationOutcome:
    run_id: int
    rule_set_version: str
    sessions_examined: int
    sessions_changed: int
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    changed_session_ids: list[int] = field(default_factory=list)


def facts_of(stored: StoredSession, timezone: ZoneInfo) -> SessionFacts:
    """The facts of a stored session, as the ingestion built them."""
    # All-day sessions are stored from their local midnights: the same wall clock comes back.
    start, end = stored.start_at.astimezone(timezone), stored.end_at.astimezone(timezone)
    return SessionFacts(
        summary=stored.summary,
        location=stored.location,
        categories=stored.categories,
        codes=stored.codes,
        youth=stored.youth,
        youth_present=stored.youth_present,
        professionals=stored.professionals,
        functions=stored.functions,
        start=start,
        end=end,
        all_day=stored.all_day,
        source_kind=stored.source_kind,
    )


def classify_stored(
    stored: StoredSession,
    rules: CompiledRuleSet,
    timezone: ZoneInfo,
    manual: ManualBySession,
) -> Classification:
    by_hand = manual.get((stored.source_id, stored.uid, stored.recurrence_id))
    return by_hand or rules.classify(facts_of(stored, timezone))


def manual_by_session(session: Session, establishment_id: int, version: str) -> ManualBySession:
    return {
        (row.source_id, row.uid, row.recurrence_id): manual_classification(row, version)
        for row in ManualRepository(session).for_establishment(establishment_id)
    }


def reclassification_runs(session: Session, establishment_id: int) -> Sequence[ReclassificationRun]:
    return StoredSessionRepository(session).runs(establishment_id)


def reclassify_establishment(
    session: Session,
    establishment: Establishment,
    *,
    created_by_key_id: int | None,
    session_ids: Sequence[int] | None = None,
) -> ReclassificationOutcome:
    rules = active_rule_set(session, establishment.id)
    timezone = ZoneInfo(establishment.timezone)
    manual = manual_by_session(session, establishment.id, rules.version)
    repository = StoredSessionRepository(session)
    stored_sessions = repository.for_establishment(establishment.id, session_ids)
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    changes: list[tuple[int, Classification]] = []
    for stored in stored_sessions:
        classification = classify_stored(stored, rules, timezone, manual)
        before[stored.activity.value] += 1
        after[classification.activity.value] += 1
        if not stored.same_as(classification):
            changes.append((stored.id, classification))
    repository.store_classifications(changes)
    changed_ids = [session_id for session_id, _ in changes]
    run = repository.add_run(
        ReclassificationRun(
            establishment_id=establishment.id,
            rule_set_version=rules.version,
            sessions_examined=len(stored_sessions),
            sessions_changed=len(changes),
            before=dict(sorted(before.items())),
            after=dict(sorted(after.items())),
            created_by_key_id=created_by_key_id,
        )
    )
    starts = {stored.id: stored.start_at for stored in stored_sessions}
    after_sessions_reclassified(session, establishment, [starts[i] for i in changed_ids])
    logger.info(
        "sessions_reclassified",
        establishment_id=establishment.id,
        rule_set_version=rules.version,
        examined=len(stored_sessions),
        changed=len(changes),
    )
    return ReclassificationOutcome(
        run_id=run.id,
        rule_set_version=rules.version,
        sessions_examined=len(stored_sessions),
        sessions_changed=len(changes),
        before=run.before,
        after=run.after,
        changed_session_ids=changed_ids,
    )


def after_sessions_reclassified(
    session: Session, establishment: Establishment, changed_starts: Sequence[dt.datetime]
) -> None:
    """After a reclassification (or a manual classification) changed sessions, in the same
    transaction: the weeks they start in are marked out of date, so counts follow."""
    invalidate_after_write(session, establishment, changed_starts)
