"""The one place a dry run reaches the counting engine (re-point it here if the engine moves).

Turns drafts that were never stored into the engine's rows, with made-up ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from activity_api.counting.duplicates import ParticipantLink, SessionRow
from activity_api.counting.engine import compute_figures
from agenda_ingest.drafts import SessionDraft

DRY_RUN_SOURCE_ID = 0


def figures_of_drafts(drafts: Sequence[SessionDraft], *, now: dt.datetime) -> dict[str, Any]:
    """The main figures the drafts would give once stored: a small, generic block."""
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
            )
        )
        for participant in draft.participants:
            key = (participant.kind.value, participant.pseudonym)
            person_id = people.setdefault(key, len(people) + 1)
            links.append(ParticipantLink(index, person_id, participant.kind, participant.presence))
    figures = compute_figures(rows, links, now=now)
    return {
        "file_active_total": figures.file_active_total,
        "file_active_by_modality": {
            activity.value: count for activity, count in figures.file_active_by_modality.items()
        },
        "hours_direct": figures.hours_direct,
        "hours_indirect": figures.hours_indirect,
        "hours_by_activity": {
            activity.value: hours for activity, hours in figures.hours_by_activity.items()
        },
        "sessions_counted": figures.quality_counted,
        "sessions_unclassified": figures.quality_unclassified,
    }
