"""The one place a dry run reaches the counting engine.

The rule-set dry run (``figures_of_drafts``): drafts that were never stored become the
engine's rows, with made-up ids, and give the same body as the activity route, over the
whole ISO weeks the feed covers. The push dry run (``figures_of_months``): the body of the
activity route for whole months, from the sessions in the caller's transaction (before or
after a rehearsed import that is then rolled back), summed in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda_ingest.parsing.drafts import SessionDraft
from agenda_ingest.rulesets.repository import CountingFactsRepository
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment
from ditep_core.reports import ActivityFigures
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow
from ditep_counting.engine.figures import aggregate, figures_from_sessions
from ditep_counting.engine.periods import (
    covering_weeks,
    monday,
    parse_period,
    range_period,
    reference_week,
)
from ditep_counting.engine.rollups import compute_rollups
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import LOOKBACK, active_profile

DRY_RUN_SOURCE_ID = 0


def figures_of_drafts(
    drafts: Sequence[SessionDraft], *, timezone: str, now: dt.datetime
) -> ActivityFigures | None:
    """The figures the drafts would give once stored (None for a feed with no session).

    The period is the feed's whole ISO weeks, since a youth-week belongs to the period
    holding its Thursday: a partial week would lose its hours.
    """
    if not drafts:
        return None
    zone = ZoneInfo(timezone)
    people: dict[tuple[str, str], int] = {}
    rows: list[SessionRow] = []
    links: list[ParticipantLink] = []
    for index, draft in enumerate(drafts, start=1):
        rows.append(
            SessionRow(
                index,
                DRY_RUN_SOURCE_ID,
                draft.uid,
                draft.recurrence_id,
                draft.start_at,
                draft.end_at,
                draft.status,
                draft.classification.activity,
                draft.classification.rule_set_version,
                draft.classification.setting,
            )
        )
        for participant in draft.participants:
            key = (participant.kind.value, participant.pseudonym)
            person_id = people.setdefault(key, len(people) + 1)
            links.append(ParticipantLink(index, person_id, participant.kind, participant.presence))
    first = min(draft.start_at for draft in drafts).astimezone(zone).date()
    last = max(draft.end_at for draft in drafts).astimezone(zone).date()
    period = range_period(monday(first), monday(last) + dt.timedelta(days=7))
    return figures_from_sessions(rows, links, period=period, timezone=timezone, now=now)


def months_of(starts: Sequence[dt.datetime], timezone: str) -> list[str]:
    """The months (``YYYY-MM``, local) holding these instants, in order."""
    zone = ZoneInfo(timezone)
    return sorted({moment.astimezone(zone).strftime("%Y-%m") for moment in starts})


def figures_of_months(
    session: Session, establishment: Establishment, months: Sequence[str], *, now: dt.datetime
) -> dict[str, ActivityFigures]:
    """Each month's body as the activity route computes it, from the sessions this
    transaction sees, for a rehearsed import that is then rolled back.

    The rollups are those ``ditep_counting.rollups.service.refresh_rollups`` would store
    for the months' weeks, computed and summed in memory (``compute_rollups``,
    ``aggregate``): nothing is written, and before and after are computed alike.
    ``tests/agenda_ingest/feeds/test_dry_run.py`` checks them against the activity route.
    """
    if not months:
        return {}
    profile = active_profile(session)
    zone = ZoneInfo(establishment.timezone)
    periods = [parse_period(month) for month in months]
    weeks = sorted(
        {
            week
            for period in periods
            for week in (*covering_weeks(period.start, period.end), reference_week(period))
        }
    )
    first_week, end_week = weeks[0], weeks[-1] + dt.timedelta(days=7)
    rollups = RollupRepository(session)
    # What ditep_counting.rollups.service.refresh_rollups reads for these weeks.
    load_start = _utc(first_week, zone) - LOOKBACK
    load_end = _utc(end_week + dt.timedelta(days=1), zone)
    computed = compute_rollups(
        rollups.sessions_starting_between(establishment.id, load_start, load_end),
        rollups.participant_links_between(establishment.id, load_start, load_end),
        timezone=zone,
        now=now,
        profile=profile,
        validated_only_sources=rollups.validated_only_sources(establishment.id),
        days=(first_week, end_week),
    )
    facts = CountingFactsRepository(session)
    pathways = facts.pathway_spans(establishment.id)
    complexity = facts.complexity_spans(establishment.id, first_week, end_week)
    capacities = _capacities(session, establishment)
    return {
        month: aggregate(
            computed.weeks,
            computed.days,
            computed.quality,
            computed.appui,
            period=period,
            timezone=establishment.timezone,
            profile=profile,
            pathways=pathways,
            complexity=complexity,
            capacities=capacities,
            reference_week=reference_week(period),
        )
        for month, period in zip(months, periods, strict=True)
    }


def _capacities(session: Session, establishment: Establishment) -> dict[str, int]:
    found = EstablishmentRepository(session).get_by_finess(
        establishment.finess, with_capacities=True
    )
    if found is None:
        return {}
    return {capacity.modality.value: capacity.places for capacity in found.capacities}


def _utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
