"""A period's figures from rollup rows (pure): the body the activity API returns.

The same function serves rollups computed in memory (``figures_from_sessions``,
agenda-ingest's dry run) and rollups read back from the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ditep_core.counting.duplicates import ParticipantLink, SessionRow
from ditep_core.counting.periods import CountingPeriod, week_in_period
from ditep_core.counting.profile import DEFAULT_PROFILE, CountingProfile
from ditep_core.counting.rollups import (
    HOURS_ACTIVITIES,
    QUALITY_FIELDS,
    AppuiDay,
    QualityDay,
    Rollups,
    YouthDay,
    YouthWeek,
    compute_rollups,
)
from ditep_core.nomenclatures import MODALITIES, PathwayStatus, Setting

SCORES = ("1", "2", "3", "4")


@dataclass(frozen=True, slots=True)
class PathwaySpan:
    person_id: int
    status: PathwayStatus
    start: dt.date
    end: dt.date | None  # included; None: open


@dataclass(frozen=True, slots=True)
class ComplexitySpan:
    person_id: int
    start: dt.date
    end: dt.date | None  # included; None: open


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def _covers(span_start: dt.date, span_end: dt.date | None, day: dt.date) -> bool:
    return span_start <= day and (span_end is None or day <= span_end)


def _effective_end(span: PathwaySpan, profile: CountingProfile) -> dt.date | None:
    """Follow-up after exit lasts at most ``post_exit_years``."""
    if span.status is not PathwayStatus.SUIVI_POST_SORTIE:
        return span.end
    try:
        limit = span.start.replace(year=span.start.year + profile.post_exit_years)
    except ValueError:  # 29 February
        limit = span.start.replace(year=span.start.year + profile.post_exit_years, day=28)
    limit -= dt.timedelta(days=1)
    return limit if span.end is None else min(span.end, limit)


def aggregate(
    weeks: Iterable[YouthWeek],
    days: Iterable[YouthDay],
    quality: Iterable[QualityDay],
    appui: Iterable[AppuiDay],
    *,
    period: CountingPeriod,
    timezone: str,
    profile: CountingProfile = DEFAULT_PROFILE,
    pathways: Sequence[PathwaySpan] = (),
    complexity: Sequence[ComplexitySpan] = (),
    capacities: dict[str, int] | None = None,
    reference_week: dt.date | None = None,
) -> dict[str, Any]:
    """The figures of counting.md for the period, as the API's JSON body (minus identity)."""
    start, end = period.start, period.end
    period_weeks = [w for w in weeks if week_in_period(w.week_start, start, end)]
    all_days = list(days)
    period_days = [d for d in all_days if start <= d.day < end]

    # 1. File active, by status and modality; multi-modality; transitions.
    support_days: dict[int, list[dt.date]] = defaultdict(list)
    modalities: dict[int, set[str]] = defaultdict(set)
    for youth_day in period_days:
        if youth_day.support:
            support_days[youth_day.person_id].append(youth_day.day)
        modalities[youth_day.person_id].update(youth_day.modalities)
    spans: dict[int, list[PathwaySpan]] = defaultdict(list)
    for span in pathways:
        spans[span.person_id].append(span)
    by_status: dict[str, set[int]] = {status.value: set() for status in PathwayStatus}
    without_pathway: set[int] = set()
    for person, person_days in support_days.items():
        for day in person_days:
            statuses = {
                span.status.value
                for span in spans.get(person, ())
                if _covers(span.start, _effective_end(span, profile), day)
            }
            if not statuses:
                statuses = {PathwayStatus.ACCOMPAGNEMENT.value}
                without_pathway.add(person)
            for status in statuses:
                by_status[status].add(person)
    file_active = len(support_days)
    multi = sum(1 for person in support_days if len(modalities.get(person, ())) >= 2)
    transitions = _transitions(period_days)

    # 2. Weekly units.
    flags: dict[int, list[ComplexitySpan]] = defaultdict(list)
    for flag in complexity:
        flags[flag.person_id].append(flag)
    by_score = dict.fromkeys(SCORES, 0)
    units_total = lt_band = complexity_weeks = appui_weeks = youth_weeks = 0
    minutes_direct = minutes_indirect = 0.0
    by_activity: dict[str, float] = defaultdict(float)
    by_setting: dict[str, float] = defaultdict(float)
    for week in period_weeks:
        minutes_direct += week.minutes_direct
        minutes_indirect += week.minutes_indirect
        for activity, minutes in week.minutes_by_activity.items():
            by_activity[activity] += minutes
        for setting, minutes in week.minutes_by_setting.items():
            by_setting[setting] += minutes
        score = profile.score(week.minutes_total)
        if score is None:
            continue
        youth_weeks += 1
        units_total += score
        by_score[str(score)] += 1
        lt_band += profile.in_lt_band(week.minutes_total)
        appui_weeks += week.has_appui
        sunday = week.week_start + dt.timedelta(days=6)
        if any(
            flag.start <= sunday and (flag.end is None or flag.end >= week.week_start)
            for flag in flags.get(week.person_id, ())
        ):
            complexity_weeks += 1
    unlinked: dict[str, float] = defaultdict(float)
    for entry in appui:
        if start <= entry.day < end:
            unlinked[entry.setting] += entry.minutes

    # 3. Days, nights, acts, absences.
    half_days_total = 0
    half_days_by_modality: dict[str, int] = defaultdict(int)
    nights = absences = absent_sessions = actes = seances = 0
    for youth_day in period_days:
        half_days_total += youth_day.half_days
        for modality, count in youth_day.half_days_by_modality.items():
            half_days_by_modality[modality] += count
        nights += youth_day.night
        absences += youth_day.absent_day
        absent_sessions += youth_day.absent_sessions
        actes += youth_day.actes
        seances += youth_day.seances

    # 4. Capacity for the reference week.
    capacity: dict[str, Any] = {
        "reference_week": reference_week.isoformat() if reference_week else None
    }
    occupied: dict[str, set[int]] = defaultdict(set)
    if reference_week is not None:
        week_end = reference_week + dt.timedelta(days=7)
        for youth_day in all_days:
            if reference_week <= youth_day.day < week_end:
                for modality in youth_day.modalities:
                    occupied[modality].add(youth_day.person_id)
    for modality in MODALITIES:
        installed = (capacities or {}).get(modality.value)
        taken = len(occupied.get(modality.value, ()))
        capacity[modality.value] = {
            "installed": installed,
            "occupied": taken,
            "available": None if installed is None else max(installed - taken, 0),
        }

    # 5. Data quality.
    quality_totals = dict.fromkeys(QUALITY_FIELDS, 0)
    per_source: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(QUALITY_FIELDS, 0))
    versions: set[str] = set()
    for quality_day in quality:
        if not start <= quality_day.day < end:
            continue
        if quality_day.counts.get("received", 0):
            versions.add(quality_day.rule_set_version)
        for name in QUALITY_FIELDS:
            value = quality_day.counts.get(name, 0)
            quality_totals[name] += value
            per_source[quality_day.source_id][name] += value

    return {
        "period": {
            "code": period.code,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "timezone": timezone,
        },
        "profile_version": profile.version,
        "rule_set_versions": sorted(versions),
        "file_active": {
            "total": file_active,
            "by_status": {status: len(people) for status, people in by_status.items()},
            "by_modality": {
                modality.value: sum(1 for m in modalities.values() if modality.value in m)
                for modality in MODALITIES
            },
        },
        "multi_modality": {
            "youth": multi,
            "share": round(multi / file_active, 4) if file_active else 0.0,
        },
        "transitions": transitions,
        "units": {
            "total": units_total,
            "youth_weeks": youth_weeks,
            "by_score": by_score,
            "lt_1h": lt_band,
            "surcharges": {"complexity": complexity_weeks, "appui_ressources": appui_weeks},
        },
        "hours": {
            "direct": _hours(minutes_direct),
            "indirect": _hours(minutes_indirect),
            "total": _hours(minutes_direct + minutes_indirect),
            "by_activity": {a.value: _hours(by_activity[a.value]) for a in HOURS_ACTIVITIES},
            "by_setting": {s.value: _hours(by_setting[s.value]) for s in Setting},
            "appui_ressources_unlinked": {
                "total": _hours(sum(unlinked.values())),
                "by_setting": {s.value: _hours(unlinked[s.value]) for s in Setting},
            },
        },
        "days": {
            "journees": {
                "total": half_days_total / 2,
                **{m.value: half_days_by_modality[m.value] / 2 for m in MODALITIES},
            },
            "nuits": nights,
            "absences": absences,
            "absent_sessions": absent_sessions,
        },
        "acts": {"actes": actes, "seances": seances},
        "capacity": capacity,
        "quality": {
            **quality_totals,
            "youth_without_pathway": len(without_pathway),
            "by_source": [
                {"source_id": source_id, **counts}
                for source_id, counts in sorted(per_source.items())
            ],
        },
    }


def _transitions(period_days: Sequence[YouthDay]) -> dict[str, Any]:
    """Changes of main modality (most direct minutes) from one month to the next."""
    changes = monthly_transitions(period_days)
    by_pair: dict[str, int] = defaultdict(int)
    for _person, _month, left, entered in changes:
        by_pair[f"{left}>{entered}"] += 1
    return {
        "count": len(changes),
        "youth": len({change[0] for change in changes}),
        "by_pair": dict(sorted(by_pair.items())),
    }


def monthly_transitions(period_days: Sequence[YouthDay]) -> list[tuple[int, str, str, str]]:
    """(person, month 'YYYY-MM' left, from, to) for each change, for the detail endpoint."""
    minutes: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for youth_day in period_days:
        month = youth_day.day.year * 12 + youth_day.day.month - 1
        for modality, value in youth_day.minutes_by_modality.items():
            minutes[(youth_day.person_id, month)][modality] += value
    order = [m.value for m in MODALITIES]
    main = {
        key: max(order, key=lambda m: (values.get(m, 0.0), -order.index(m)))
        for key, values in minutes.items()
        if any(v > 0 for v in values.values())
    }
    changes = []
    for (person, month), modality in sorted(main.items()):
        following = main.get((person, month + 1))
        if following is not None and following != modality:
            changes.append((person, f"{month // 12:04d}-{month % 12 + 1:02d}", modality, following))
    return changes


def figures_from_sessions(
    sessions: Sequence[SessionRow],
    links: Iterable[ParticipantLink],
    *,
    period: CountingPeriod,
    timezone: str,
    now: dt.datetime,
    profile: CountingProfile = DEFAULT_PROFILE,
    validated_only_sources: frozenset[int] = frozenset(),
    pathways: Sequence[PathwaySpan] = (),
    complexity: Sequence[ComplexitySpan] = (),
    capacities: dict[str, int] | None = None,
    reference_week: dt.date | None = None,
) -> dict[str, Any]:
    """Figures straight from in-memory sessions (no database): what a feed would give."""
    rollups: Rollups = compute_rollups(
        sessions,
        links,
        timezone=timezone,
        now=now,
        profile=profile,
        validated_only_sources=validated_only_sources,
    )
    return aggregate(
        rollups.weeks,
        rollups.days,
        rollups.quality,
        rollups.appui,
        period=period,
        timezone=timezone,
        profile=profile,
        pathways=pathways,
        complexity=complexity,
        capacities=capacities,
        reference_week=reference_week,
    )
