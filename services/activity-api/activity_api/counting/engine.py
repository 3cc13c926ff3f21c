"""Activity figures of one establishment over one period, from classified sessions.

Which sessions count: ``done`` ones, and ``planned`` ones already over (many
teams never validate agendas) unless their source counts validated sessions
only. For a young person, a session counts unless they were absent; it is
*direct* for them when they were present, *indirect* when they were named but
not expected (a synthesis about them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from activity_api.counting.duplicates import (
    ParticipantLink,
    SessionRow,
    merge_duplicates,
)
from activity_api.counting.intervals import Interval, merged_minutes
from ditep_core.nomenclatures import (
    MODALITIES,
    SUPPORT_ACTIVITIES,
    Activity,
    PersonKind,
    Presence,
    SessionStatus,
)

INDIRECT_ACTIVITIES = frozenset({Activity.COORDINATION, Activity.APPUI_RESSOURCES})


@dataclass(slots=True)
class ActivityFigures:
    file_active_total: int = 0
    file_active_by_modality: dict[Activity, int] = field(default_factory=dict)
    hours_direct: float = 0.0
    hours_indirect: float = 0.0
    hours_by_activity: dict[Activity, float] = field(default_factory=dict)
    quality_received: int = 0
    quality_counted: int = 0
    quality_unclassified: int = 0
    quality_cancelled: int = 0
    quality_absent: int = 0
    quality_not_validated: int = 0
    quality_duplicates_merged: int = 0
    rule_set_versions: list[str] = field(default_factory=list)


def is_counted(row: SessionRow, now: dt.datetime, validated_only_sources: frozenset[int]) -> bool:
    if row.status is SessionStatus.DONE:
        return True
    return (
        row.status is SessionStatus.PLANNED
        and row.end_at <= now
        and row.source_id not in validated_only_sources
    )


def compute_figures(
    sessions: Sequence[SessionRow],
    links: Iterable[ParticipantLink],
    *,
    now: dt.datetime,
    validated_only_sources: frozenset[int] = frozenset(),
) -> ActivityFigures:
    """Figures over the sessions (duplicates across agendas merged first)."""
    figures = ActivityFigures(quality_received=len(sessions))
    merged = merge_duplicates(sessions, links)
    figures.quality_duplicates_merged = merged.merged_away
    counted: dict[int, SessionRow] = {}
    versions = {row.rule_set_version for row in sessions}
    for row in merged.sessions:
        if row.status is SessionStatus.CANCELLED:
            figures.quality_cancelled += 1
        elif row.status is SessionStatus.ABSENT:
            figures.quality_absent += 1
        if not is_counted(row, now, validated_only_sources):
            continue
        if row.activity is Activity.UNCLASSIFIED:
            figures.quality_unclassified += 1
            continue
        figures.quality_counted += 1
        if row.status is SessionStatus.PLANNED:
            figures.quality_not_validated += 1
        counted[row.session_id] = row
    figures.rule_set_versions = sorted(versions)

    file_active: set[int] = set()
    by_modality: dict[Activity, set[int]] = defaultdict(set)
    direct: dict[int, list[Interval]] = defaultdict(list)
    indirect: dict[int, list[Interval]] = defaultdict(list)
    by_activity: dict[tuple[Activity, int], list[Interval]] = defaultdict(list)
    for link in merged.links:
        if link.kind is not PersonKind.YOUTH:
            continue
        linked = counted.get(link.session_id)
        if linked is None or link.presence is Presence.ABSENT:
            continue
        if linked.activity not in SUPPORT_ACTIVITIES:
            continue
        file_active.add(link.person_id)
        interval = (linked.start_at, linked.end_at)
        if link.presence is Presence.PRESENT and linked.activity in MODALITIES:
            by_modality[linked.activity].add(link.person_id)
            direct[link.person_id].append(interval)
            by_activity[(linked.activity, link.person_id)].append(interval)
        elif linked.activity in INDIRECT_ACTIVITIES:
            indirect[link.person_id].append(interval)
            by_activity[(linked.activity, link.person_id)].append(interval)

    figures.file_active_total = len(file_active)
    figures.file_active_by_modality = {
        modality: len(by_modality.get(modality, ())) for modality in MODALITIES
    }
    figures.hours_direct = _hours(direct.values())
    figures.hours_indirect = _hours(indirect.values())
    per_activity: dict[Activity, float] = defaultdict(float)
    for (activity, _person), intervals in by_activity.items():
        per_activity[activity] += merged_minutes(intervals)
    figures.hours_by_activity = {
        activity: round(per_activity.get(activity, 0.0) / 60, 2)
        for activity in (*MODALITIES, *sorted(INDIRECT_ACTIVITIES))
    }
    return figures


def _hours(per_person: Iterable[list[Interval]]) -> float:
    return round(sum(merged_minutes(intervals) for intervals in per_person) / 60, 2)
