"""Dry run: a rule set and a feed in, each session's classification and the counts out.

Nothing is stored: the feed is parsed and drafted as the ingestion would, with
the rule set given (or the one in force), and the drafts are counted in memory.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import CompiledRuleSet, compile_rule_set, content_sha256
from agenda_ingest.feeds.service import build_drafts
from agenda_ingest.parsing.drafts import DraftContext
from agenda_ingest.parsing.fhir.parser import parse_fhir
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import DEFAULT_LIMITS, FeedLimits
from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable
from agenda_ingest.parsing.participants import ParticipantOptions
from agenda_ingest.rulesets.counting_adapter import figures_of_drafts
from agenda_ingest.rulesets.schemas import DryRunRequest, DryRunResult, DryRunSession
from agenda_ingest.rulesets.service import active_rule_set, parse_or_problem
from agenda_ingest.sources.service import window_of
from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import FeedFormat
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.problems import FeedRejected, InvalidRequest

DRY_RUN_VERSION_PREFIX = "dry-run-"


def dry_run(
    session: Session,
    establishment: Establishment,
    request: DryRunRequest,
    pseudonymiser: Pseudonymiser,
    *,
    now: dt.datetime | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> DryRunResult:
    rules: CompiledRuleSet
    if request.rules is None:
        rules = active_rule_set(session, establishment.id)
    else:
        document = parse_or_problem(request.rules)
        rules = compile_rule_set(
            document, f"{DRY_RUN_VERSION_PREFIX}{content_sha256(request.rules)[:12]}"
        )
    now = now or utc_now()
    timezone = ZoneInfo(establishment.timezone)
    start, end = window_of(request.window_start, request.window_end, 180, now.date())
    if end < start:
        raise InvalidRequest(
            f"the window ends ({end}) before it starts ({start})",
            errors=[{"location": "body.window_end", "message": "before window_start"}],
        )
    if isinstance(request.feed, str):
        payload = request.feed.encode()
    elif request.format is FeedFormat.FHIR:
        # A FHIR document sent as JSON itself, not as a string holding it.
        payload = json.dumps(request.feed).encode()
    else:
        raise InvalidRequest(
            "an iCalendar feed is text: send it as a JSON string",
            errors=[{"location": "body.feed", "message": "expected a string for format ical"}],
        )
    try:
        if request.format is FeedFormat.ICAL:
            parsed = parse_ical(
                payload, window_start=start, window_end=end, default_tz=timezone, limits=limits
            )
            occurrences, rejected, paths = parsed.occurrences, list(parsed.rejected), None
        else:
            fhir = parse_fhir(
                payload, window_start=start, window_end=end, default_tz=timezone, limits=limits
            )
            occurrences, rejected, paths = fhir.occurrences, list(fhir.rejected), fhir.paths
    except FeedUnreadable as unreadable:
        raise FeedRejected(
            "the feed could not be read", errors=[error.as_dict() for error in unreadable.errors]
        ) from unreadable
    context = DraftContext(
        timezone=timezone,
        agenda_kind=request.source_kind,
        options=ParticipantOptions(),
        pseudonymiser=pseudonymiser.for_establishment(establishment.finess),
        rules=rules,
    )
    built, duplicates = build_drafts(occurrences, context, paths=paths)
    drafts = [draft for _occurrence, draft in built]
    errors: list[FeedError] = [*rejected, *duplicates]
    return DryRunResult(
        rule_set_version=rules.version,
        sessions=[
            DryRunSession(
                uid=draft.uid,
                recurrence_id=draft.recurrence_id,
                start=draft.start_at,
                end=draft.end_at,
                summary=draft.summary,
                location=draft.location,
                activity=draft.classification.activity,
                setting=draft.classification.setting,
                nature=draft.classification.nature,
                serafin=draft.classification.serafin_code,
                rule=draft.classification.rule_id,
            )
            for draft in drafts
        ],
        sessions_by_activity=dict(
            sorted(Counter(d.classification.activity.value for d in drafts).items())
        ),
        figures=figures_of_drafts(drafts, timezone=establishment.timezone, now=now),
        rejected=[error.as_dict() for error in errors],
    )
