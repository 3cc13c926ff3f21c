"""From classified sessions to per youth-day and per youth-week rollups (pure).

A rollup row holds everything counting.md needs from one young person's day or
week, so that a period's figures are a sum over a few thousand rows
(``figures.aggregate``), whether the rows were just computed in memory or read
back from the rollup tables the imports keep up to date.

Attribution:
- a youth-week is the ISO week of the sessions' local start date, and holds the
  whole duration of those sessions (a night across Sunday stays in its week);
- file active, acts, séances and absences go to the local date a session starts;
- half-days go to the date of the window a session overlaps, nuits to the date
  the night window starts.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from ditep_core.nomenclatures import (
    MODALITIES,
    SUPPORT_ACTIVITIES,
    Activity,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
)
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow, merge_duplicates
from ditep_counting.engine.intervals import Interval, merged_minutes
from ditep_counting.engine.periods import monday
from ditep_counting.engine.profile import DEFAULT_PROFILE, CountingProfile

INDIRECT_ACTIVITIES: tuple[Activity, ...] = (Activity.COORDINATION, Activity.APPUI_RESSOURCES)
HOURS_ACTIVITIES: tuple[Activity, ...] = (*MODALITIES, *INDIRECT_ACTIVITIES)


@dataclass(slots=True)
class YouthWeek:
    person_id: int
    week_start: dt.date
    minutes_direct: float = 0.0
    minutes_indirect: float = 0.0
    minutes_by_activity: dict[str, float] = field(default_factory=dict)
    minutes_by_setting: dict[str, float] = field(default_factory=dict)
    has_appui: bool = False

    @property
    def minutes_total(self) -> float:
        return self.minutes_direct + self.minutes_indirect


@dataclass(slots=True)
class YouthDay:
    person_id: int
    day: dt.date
    # A counted direct or indirect support session starts that day (file active).
    support: bool = False
    # Modalities of the counted direct sessions starting that day.
    modalities: set[str] = field(default_factory=set)
    # Direct minutes per modality of sessions starting that day (main modality of a month).
    minutes_by_modality: dict[str, float] = field(default_factory=dict)
    # Half-days (0, 1 or 2) counted that day, in total and per modality.
    half_days: int = 0
    half_days_by_modality: dict[str, int] = field(default_factory=dict)
    night: bool = False
    actes: int = 0
    seances: int = 0
    absent_sessions: int = 0

    @property
    def absent_day(self) -> bool:
        """Absent from something that day and present at no direct session."""
        return self.absent_sessions > 0 and self.half_days == 0 and not self.modalities


QUALITY_FIELDS: tuple[str, ...] = (
    "received",
    "counted",
    "unclassified",
    "cancelled",
    "absent",
    "not_validated",
    "overlaps",
    "without_participants",
    "duplicates_merged",
)


@dataclass(slots=True)
class QualityDay:
    day: dt.date
    source_id: int
    rule_set_version: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(QUALITY_FIELDS, 0))


@dataclass(slots=True)
class AppuiDay:
    """Appui-ressources minutes linked to no young person, per setting."""

    day: dt.date
    setting: str
    minutes: float = 0.0


@dataclass(slots=True)
class Rollups:
    weeks: list[YouthWeek]
    days: list[YouthDay]
    quality: list[QualityDay]
    appui: list[AppuiDay]


def is_counted(
    row: SessionRow,
    now: dt.datetime,
    validated_only_sources: frozenset[int],
    profile: CountingProfile = DEFAULT_PROFILE,
) -> bool:
    """``done``, or ``planned`` and over unless validated sessions only are counted."""
    if row.status is SessionStatus.DONE:
        return True
    return (
        profile.count_past_planned
        and row.status is SessionStatus.PLANNED
        and row.end_at <= now
        and row.source_id not in validated_only_sources
    )


@functools.lru_cache(maxsize=4096)
def _local_window(
    day: dt.date, bounds: tuple[dt.time, dt.time], zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, bounds[0], tzinfo=zone)
    end_day = day + dt.timedelta(days=1) if bounds[1] <= bounds[0] else day
    end = dt.datetime.combine(end_day, bounds[1], tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _overlaps(interval: Interval, window: tuple[dt.datetime, dt.datetime]) -> bool:
    return interval[0] < window[1] and window[0] < interval[1]


def _local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def compute_rollups(
    sessions: Sequence[SessionRow],
    links: Iterable[ParticipantLink],
    *,
    timezone: str | ZoneInfo,
    now: dt.datetime,
    profile: CountingProfile = DEFAULT_PROFILE,
    validated_only_sources: frozenset[int] = frozenset(),
    days: tuple[dt.date, dt.date] | None = None,
) -> Rollups:
    """Rollups of the sessions, keeping only dates (and weeks' Mondays) in ``days``.

    Sessions starting before ``days`` may be given: they are merged and their
    half-days, nuits and overlaps still count where they fall inside ``days``.
    """
    zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)

    def keep(day: dt.date) -> bool:
        return days is None or days[0] <= day < days[1]

    quality: dict[tuple[dt.date, int, str], QualityDay] = {}

    def quality_of(row: SessionRow) -> dict[str, int]:
        day = _local_date(row.start_at, zone)
        key = (day, row.source_id, row.rule_set_version)
        if key not in quality:
            quality[key] = QualityDay(day, row.source_id, row.rule_set_version)
        return quality[key].counts

    # Every instant in UTC: one zone's datetimes subtract as wall-clock times.
    sessions = [
        row
        if row.start_at.tzinfo is dt.UTC and row.end_at.tzinfo is dt.UTC
        else replace(
            row, start_at=row.start_at.astimezone(dt.UTC), end_at=row.end_at.astimezone(dt.UTC)
        )
        for row in sessions
    ]
    for raw in sessions:
        quality_of(raw)["received"] += 1

    merged = merge_duplicates(sessions, links)
    merged_ids = {row.session_id for row in merged.sessions}
    for raw in sessions:
        if raw.session_id not in merged_ids:
            quality_of(raw)["duplicates_merged"] += 1

    youth_links: dict[int, list[ParticipantLink]] = defaultdict(list)
    professionals: dict[int, int] = defaultdict(int)
    for link in merged.links:
        if link.kind is PersonKind.YOUTH:
            youth_links[link.session_id].append(link)
        else:
            professionals[link.session_id] += 1

    counted: list[SessionRow] = []
    for row in merged.sessions:
        counts = quality_of(row)
        if row.status is SessionStatus.CANCELLED:
            counts["cancelled"] += 1
        elif row.status is SessionStatus.ABSENT:
            counts["absent"] += 1
        if not youth_links.get(row.session_id) and not professionals.get(row.session_id):
            counts["without_participants"] += 1
        if not is_counted(row, now, validated_only_sources, profile):
            continue
        if row.activity is Activity.UNCLASSIFIED:
            counts["unclassified"] += 1
            continue
        counts["counted"] += 1
        if row.status is SessionStatus.PLANNED:
            counts["not_validated"] += 1
        counted.append(row)

    weeks: dict[tuple[int, dt.date], YouthWeek] = {}
    day_rows: dict[tuple[int, dt.date], YouthDay] = {}

    def day_of(person_id: int, day: dt.date) -> YouthDay:
        key = (person_id, day)
        if key not in day_rows:
            day_rows[key] = YouthDay(person_id, day)
        return day_rows[key]

    def week_of(person_id: int, week_start: dt.date) -> YouthWeek:
        key = (person_id, week_start)
        if key not in weeks:
            weeks[key] = YouthWeek(person_id, week_start)
        return weeks[key]

    # Intervals per (youth, week): direct, indirect, per activity, per setting.
    direct: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
    indirect: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
    by_activity: dict[tuple[int, dt.date, str], list[Interval]] = defaultdict(list)
    by_setting: dict[tuple[int, dt.date, str], list[Interval]] = defaultdict(list)
    by_day_modality: dict[tuple[int, dt.date, str], list[Interval]] = defaultdict(list)
    # Half-days: (youth, date) -> modality -> {0: morning, 1: afternoon}.
    half_days: dict[tuple[int, dt.date], dict[str, set[int]]] = defaultdict(
        lambda: defaultdict(set)
    )
    support_intervals: dict[int, list[tuple[dt.datetime, dt.datetime, SessionRow]]] = defaultdict(
        list
    )
    appui: dict[tuple[dt.date, str], float] = defaultdict(float)

    # Absences: the session's status, or the young person marked absent.
    for row in merged.sessions:
        if row.status is SessionStatus.CANCELLED:
            continue
        start_day = _local_date(row.start_at, zone)
        for link in youth_links.get(row.session_id, ()):
            if row.status is SessionStatus.ABSENT or link.presence is Presence.ABSENT:
                day_of(link.person_id, start_day).absent_sessions += 1

    for row in counted:
        interval: Interval = (row.start_at, row.end_at)
        start_day = _local_date(row.start_at, zone)
        week_start = monday(start_day)
        activity = row.activity.value
        present = [
            link
            for link in youth_links.get(row.session_id, ())
            if link.presence is Presence.PRESENT
        ]
        linked = [
            link
            for link in youth_links.get(row.session_id, ())
            if link.presence is not Presence.ABSENT
        ]
        if row.activity is Activity.APPUI_RESSOURCES and not linked:
            appui[(start_day, row.setting.value)] += merged_minutes([interval])
            continue
        if row.activity not in SUPPORT_ACTIVITIES:
            continue
        if row.activity is Activity.AMBULATOIRE and present:
            for link in present:
                youth_day = day_of(link.person_id, start_day)
                youth_day.actes += max(1, professionals.get(row.session_id, 0))
                youth_day.seances += 1
        for link in linked:
            person = link.person_id
            day_of(person, start_day).support = True
            key = (person, week_start)
            if row.activity in MODALITIES:
                if link.presence is not Presence.PRESENT:
                    continue
                direct[key].append(interval)
                support_intervals[person].append((row.start_at, row.end_at, row))
                youth_day = day_of(person, start_day)
                youth_day.modalities.add(activity)
                by_day_modality[(person, start_day, activity)].append(interval)
                # From the day before (a night started then) to the day it ends.
                span = (_local_date(row.end_at, zone) - start_day).days
                for offset in range(-1, span + 1):
                    day = start_day + dt.timedelta(days=offset)
                    for index, window in enumerate((profile.morning, profile.afternoon)):
                        if _overlaps(interval, _local_window(day, window, zone)):
                            half_days[(person, day)][activity].add(index)
                    if row.activity is Activity.ACCUEIL_NUIT and _overlaps(
                        interval, _local_window(day, profile.night, zone)
                    ):
                        day_of(person, day).night = True
            else:
                indirect[key].append(interval)
                support_intervals[person].append((row.start_at, row.end_at, row))
                if row.activity is Activity.APPUI_RESSOURCES:
                    week_of(person, week_start).has_appui = True
            week_of(person, week_start)
            by_activity[(person, week_start, activity)].append(interval)
            by_setting[(person, week_start, row.setting.value)].append(interval)

    for (person, week_start), intervals in direct.items():
        week_of(person, week_start).minutes_direct = merged_minutes(intervals)
    for (person, week_start), intervals in indirect.items():
        week_of(person, week_start).minutes_indirect = merged_minutes(intervals)
    for (person, week_start, activity), intervals in by_activity.items():
        week_of(person, week_start).minutes_by_activity[activity] = merged_minutes(intervals)
    for (person, week_start, setting), intervals in by_setting.items():
        week_of(person, week_start).minutes_by_setting[setting] = merged_minutes(intervals)
    for (person, day, modality), intervals in by_day_modality.items():
        day_of(person, day).minutes_by_modality[modality] = merged_minutes(intervals)
    for (person, day), per_modality in half_days.items():
        youth_day = day_of(person, day)
        youth_day.half_days = len(set().union(*per_modality.values()))
        youth_day.half_days_by_modality = {
            modality: len(indexes) for modality, indexes in per_modality.items()
        }

    # Overlapping sessions of one young person (each session counted once).
    overlapping: set[int] = set()
    for entries in support_intervals.values():
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        reach: dt.datetime | None = None
        reach_row: SessionRow | None = None
        for start, end, row in entries:
            if reach is not None and reach_row is not None and start < reach:
                overlapping.add(row.session_id)
                overlapping.add(reach_row.session_id)
            if reach is None or end > reach:
                reach, reach_row = end, row
    for row in counted:
        if row.session_id in overlapping:
            quality_of(row)["overlaps"] += 1

    return Rollups(
        weeks=[
            week
            for week in weeks.values()
            if keep(week.week_start) and (week.minutes_total > 0 or week.has_appui)
        ],
        days=[day for day in day_rows.values() if keep(day.day)],
        quality=[entry for entry in quality.values() if keep(entry.day)],
        appui=[
            AppuiDay(day, setting, minutes)
            for (day, setting), minutes in appui.items()
            if keep(day)
        ],
    )


__all__ = [
    "HOURS_ACTIVITIES",
    "INDIRECT_ACTIVITIES",
    "QUALITY_FIELDS",
    "AppuiDay",
    "QualityDay",
    "Rollups",
    "Setting",
    "YouthDay",
    "YouthWeek",
    "compute_rollups",
    "is_counted",
]
