"""The one place a dry run reaches the counting engine.

Turns drafts that were never stored into the engine's rows, with made-up ids, and
computes the same body as the activity route, over the whole ISO weeks the feed covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from agenda_ingest.parsing.drafts import SessionDraft
from ditep_core.reports import ActivityFigures
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow
from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.periods import monday, range_period

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
