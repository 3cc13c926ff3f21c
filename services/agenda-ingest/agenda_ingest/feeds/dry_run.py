"""A push rehearsed: what ``POST /v1/sources/{id}/feed`` would do, and nothing written.

The feed goes through the push's own code: the source is checked as a push checks it
(writable by the key, enabled, content type), the feed is parsed and drafted by the same
``_prepare`` (window, parser, stays, classification), then applied by the same
``apply_import`` inside a savepoint of a write transaction. What it changed is read there
(the sessions, the months' figures after it, summed in memory from the sessions the
transaction sees), the savepoint is rolled back, the months' figures before it are read
alike, and the whole transaction is rolled back: no import, session, person, stay or
rollup is left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from agenda_ingest.feeds.schemas import (
    FeedErrorOut,
    MonthFigures,
    PendingSession,
    PlannedSession,
    PushDryRun,
    outcome_fields,
)
from agenda_ingest.feeds.service import (
    ImportOutcome,
    _prepare_safely,
    _record_receipt,
    _rule_context,
    apply_import,
    receiving_source,
)
from agenda_ingest.parsing.drafts import SessionDraft
from agenda_ingest.parsing.limits import DEFAULT_LIMITS, FeedLimits
from agenda_ingest.parsing.memory import collector_paused
from agenda_ingest.rulesets.counting_adapter import figures_of_months, months_of
from ditep_core.auth.principal import Principal
from ditep_core.db import Database
from ditep_core.models import utc_now
from ditep_core.nomenclatures import ImportStatus, PersonKind
from ditep_core.protection import DataProtection
from ditep_core.reports import ActivityFigures
from ditep_core.web.problems import FeedRejected


def dry_run_push(
    database: Database,
    *,
    source_id: int,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    principal: Principal | None = None,
    today: dt.date | None = None,
    allow_mass_delete: bool = False,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> PushDryRun:
    """What pushing ``payload`` to the source would do (see the module's docstring).

    Raises what a push raises before storing (NotFound, Forbidden, SourceDisabled,
    UnsupportedMediaType), and FeedRejected (422, with the errors) for a feed that cannot
    be read at all: a push would store it and answer 422 too.
    """
    now = utc_now()
    with database.unit_of_work() as session:
        source = receiving_source(session, source_id, principal, content_type)
        context = _rule_context(session, source)
    prepared = _prepare_safely(
        source, payload, protection, today or now.date(), context, limits=limits
    )
    if isinstance(prepared, list):
        raise FeedRejected(
            "the feed could not be read; a push would be stored and answered 422",
            errors=[error.as_dict() for error in prepared],
        )
    drafts = list(prepared.drafts)
    # As a push does: the feed's many small objects, none in a cycle, are not walked
    # again and again by the cyclic collector while the figures are computed.
    with collector_paused(), database.unit_of_work(write=True) as session:
        try:
            establishment = source.establishment
            rehearsal = session.begin_nested()
            # The rehearsal's import only anchors its sessions' import id and goes with the
            # rollback: its payload is not sealed (the feed is never kept).
            feed_import = _record_receipt(
                session, source, b"", content_type, protection, snapshot=True, now=now
            )
            outcome = apply_import(
                session, source.id, feed_import.id, prepared, allow_mass_delete, rehearsal=True
            )
            applied = outcome.status is ImportStatus.PROCESSED
            months = months_of(outcome.touched_starts, establishment.timezone) if applied else []
            after = figures_of_months(session, establishment, months, now=now)
            rehearsal.rollback()
            before = figures_of_months(session, establishment, months, now=now)
        finally:
            # Nothing of the rehearsal is kept, whatever happened in it.
            session.rollback()
    return _answer(source.id, outcome, drafts, months, before, after)


def _answer(
    source_id: int,
    outcome: ImportOutcome,
    drafts: Sequence[SessionDraft],
    months: Sequence[str],
    before: dict[str, ActivityFigures],
    after: dict[str, ActivityFigures],
) -> PushDryRun:
    created, updated = set(outcome.created_keys), set(outcome.updated_keys)
    deleted = (
        outcome.deleted_sessions
        if outcome.status is ImportStatus.PROCESSED
        else [item for item in outcome.pending_deletions if "uid" in item]
    )
    return PushDryRun(
        **outcome_fields(outcome),
        source_id=source_id,
        deleted_sessions=[PendingSession.model_validate(item) for item in deleted],
        sessions=[
            PlannedSession(
                uid=draft.uid,
                recurrence_id=draft.recurrence_id,
                start=draft.start_at,
                end=draft.end_at,
                title=draft.summary,
                change="created"
                if draft.key in created
                else "updated"
                if draft.key in updated
                else "unchanged",
                status=draft.status,
                activity=draft.classification.activity,
                setting=draft.classification.setting,
                nature=draft.classification.nature,
                serafin=draft.classification.serafin_code,
                rule=draft.classification.rule_id,
                rule_set_version=draft.classification.rule_set_version,
                youth=sum(1 for p in draft.participants if p.kind is PersonKind.YOUTH),
                professionals=sum(
                    1 for p in draft.participants if p.kind is PersonKind.PROFESSIONAL
                ),
            )
            for draft in drafts
        ],
        months=[
            MonthFigures(month=month, before=before[month], after=after[month]) for month in months
        ],
        warnings=[FeedErrorOut.model_validate(item) for item in outcome.warnings],
        errors=[FeedErrorOut.model_validate(item) for item in outcome.errors],
    )
