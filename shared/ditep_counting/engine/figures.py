"""A period's figures from rollup rows (pure): the body the activity API returns, as
``ditep_core.reports`` models.

The same function serves rollups computed in memory (``figures_from_sessions``,
agenda-ingest's dry run) and rollups read back from the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ditep_core.nomenclatures import MODALITIES, PathwayStatus, Setting
from ditep_core.reports import (
    ActivityFigures,
    Acts,
    ByModality,
    BySetting,
    ByStatus,
    Capacity,
    CapacityFigures,
    Days,
    FileActive,
    Hours,
    HoursByActivity,
    Journees,
    MultiModality,
    Period,
    Quality,
    Scores,
    SourceQuality,
    Surcharges,
    Transitions,
    Units,
    UnlinkedAppui,
)
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow
from ditep_counting.engine.periods import CountingPeriod, week_in_period
from ditep_counting.engine.profile import DEFAULT_PROFILE, CountingProfile
from ditep_counting.engine.rollups import (
    HOURS_ACTIVITIES,
    QUALITY_FIELDS,
    AppuiDay,
    QualityDay,
    Rollups,
    YouthDay,
    YouthWeek,
    compute_rollups,
)

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


@dataclass(slots=True)
class Totals:
    """A period's sums, from rollup rows in memory or from SQL: the body is built from these."""

    file_active: int = 0
    by_modality: dict[str, int] = field(default_factory=dict)
    multi_modality: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    without_pathway: int = 0
    # (person, month index, main modality) of each young person's months in the period.
    main_modalities: list[tuple[int, int, str]] = field(default_factory=list)
    units_total: int = 0
    youth_weeks: int = 0
    by_score: dict[str, int] = field(default_factory=dict)
    lt_band: int = 0
    complexity_weeks: int = 0
    appui_weeks: int = 0
    minutes_direct: float = 0.0
    minutes_indirect: float = 0.0
    by_activity: dict[str, float] = field(default_factory=dict)
    by_setting: dict[str, float] = field(default_factory=dict)
    unlinked_appui: dict[str, float] = field(default_factory=dict)
    half_days: int = 0
    half_days_by_modality: dict[str, int] = field(default_factory=dict)
    nights: int = 0
    absences: int = 0
    absent_sessions: int = 0
    actes: int = 0
    seances: int = 0
    occupied: dict[str, int] = field(default_factory=dict)
    quality: dict[str, int] = field(default_factory=dict)
    quality_by_source: dict[int, dict[str, int]] = field(default_factory=dict)
    rule_set_versions: set[str] = field(default_factory=set)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def main_modality(minutes: dict[str, float]) -> str | None:
    """The modality with the most direct minutes (ties: the decree's order)."""
    order = [m.value for m in MODALITIES]
    if not any(minutes.get(m, 0.0) > 0 for m in order):
        return None
    return max(order, key=lambda m: (minutes.get(m, 0.0), -order.index(m)))


def totals_from_rollups(
    weeks: Iterable[YouthWeek],
    days: Iterable[YouthDay],
    quality: Iterable[QualityDay],
    appui: Iterable[AppuiDay],
    *,
    period: CountingPeriod,
    profile: CountingProfile = DEFAULT_PROFILE,
    pathways: Sequence[PathwaySpan] = (),
    complexity: Sequence[ComplexitySpan] = (),
    reference_week: dt.date | None = None,
) -> Totals:
    """The sums over rollup rows held in memory (the SQL path computes the same)."""
    start, end = period.start, period.end
    totals = Totals()
    period_weeks = [w for w in weeks if week_in_period(w.week_start, start, end)]
    all_days = list(days)
    period_days = [d for d in all_days if start <= d.day < end]

    support_days: dict[int, list[dt.date]] = defaultdict(list)
    modalities: dict[int, set[str]] = defaultdict(set)
    month_minutes: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for youth_day in period_days:
        if youth_day.support:
            support_days[youth_day.person_id].append(youth_day.day)
        modalities[youth_day.person_id].update(youth_day.modalities)
        for modality, value in youth_day.minutes_by_modality.items():
            month_minutes[(youth_day.person_id, month_index(youth_day.day))][modality] += value
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
    totals.file_active = len(support_days)
    totals.by_modality = {
        m.value: sum(1 for person in support_days if m.value in modalities.get(person, ()))
        for m in MODALITIES
    }
    totals.multi_modality = sum(
        1 for person in support_days if len(modalities.get(person, ())) >= 2
    )
    totals.by_status = {status: len(people) for status, people in by_status.items()}
    totals.without_pathway = len(without_pathway)
    totals.main_modalities = [
        (person, month, main)
        for (person, month), values in month_minutes.items()
        if (main := main_modality(values)) is not None
    ]

    flags: dict[int, list[ComplexitySpan]] = defaultdict(list)
    for flag in complexity:
        flags[flag.person_id].append(flag)
    totals.by_score = dict.fromkeys(SCORES, 0)
    by_activity: dict[str, float] = defaultdict(float)
    by_setting: dict[str, float] = defaultdict(float)
    for week in period_weeks:
        totals.minutes_direct += week.minutes_direct
        totals.minutes_indirect += week.minutes_indirect
        for activity, minutes in week.minutes_by_activity.items():
            by_activity[activity] += minutes
        for setting, minutes in week.minutes_by_setting.items():
            by_setting[setting] += minutes
        score = profile.score(week.minutes_total)
        if score is None:
            continue
        totals.youth_weeks += 1
        totals.units_total += score
        totals.by_score[str(score)] += 1
        totals.lt_band += profile.in_lt_band(week.minutes_total)
        totals.appui_weeks += week.has_appui
        sunday = week.week_start + dt.timedelta(days=6)
        if any(
            flag.start <= sunday and (flag.end is None or flag.end >= week.week_start)
            for flag in flags.get(week.person_id, ())
        ):
            totals.complexity_weeks += 1
    totals.by_activity = dict(by_activity)
    totals.by_setting = dict(by_setting)
    unlinked: dict[str, float] = defaultdict(float)
    for entry in appui:
        if start <= entry.day < end:
            unlinked[entry.setting] += entry.minutes
    totals.unlinked_appui = dict(unlinked)

    half_days_by_modality: dict[str, int] = defaultdict(int)
    for youth_day in period_days:
        totals.half_days += youth_day.half_days
        for modality, count in youth_day.half_days_by_modality.items():
            half_days_by_modality[modality] += count
        totals.nights += youth_day.night
        totals.absences += youth_day.absent_day
        totals.absent_sessions += youth_day.absent_sessions
        totals.actes += youth_day.actes
        totals.seances += youth_day.seances
    totals.half_days_by_modality = dict(half_days_by_modality)

    occupied: dict[str, set[int]] = defaultdict(set)
    if reference_week is not None:
        week_end = reference_week + dt.timedelta(days=7)
        for youth_day in all_days:
            if reference_week <= youth_day.day < week_end:
                for modality in youth_day.modalities:
                    occupied[modality].add(youth_day.person_id)
    totals.occupied = {modality: len(people) for modality, people in occupied.items()}

    totals.quality = dict.fromkeys(QUALITY_FIELDS, 0)
    per_source: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(QUALITY_FIELDS, 0))
    for quality_day in quality:
        if not start <= quality_day.day < end:
            continue
        if quality_day.counts.get("received", 0):
            totals.rule_set_versions.add(quality_day.rule_set_version)
        for name in QUALITY_FIELDS:
            value = quality_day.counts.get(name, 0)
            totals.quality[name] += value
            per_source[quality_day.source_id][name] += value
    totals.quality_by_source = dict(per_source)
    return totals


def build_body(
    totals: Totals,
    *,
    period: CountingPeriod,
    timezone: str,
    profile: CountingProfile = DEFAULT_PROFILE,
    capacities: dict[str, int] | None = None,
    reference_week: dt.date | None = None,
) -> ActivityFigures:
    """The figures of counting.md for the period, as the API's body (minus identity)."""
    capacity: dict[str, CapacityFigures] = {}
    for modality in MODALITIES:
        installed = (capacities or {}).get(modality.value)
        taken = totals.occupied.get(modality.value, 0)
        capacity[modality.value] = CapacityFigures(
            installed=installed,
            occupied=taken,
            available=None if installed is None else max(installed - taken, 0),
        )
    file_active = totals.file_active
    by_score = dict.fromkeys(SCORES, 0)
    by_score.update(totals.by_score)
    quality = dict.fromkeys(QUALITY_FIELDS, 0)
    quality.update(totals.quality)
    journees = {m.value: totals.half_days_by_modality.get(m.value, 0) / 2 for m in MODALITIES}
    return ActivityFigures(
        period=Period(code=period.code, start=period.start, end=period.end, timezone=timezone),
        profile_version=profile.version,
        rule_set_versions=sorted(totals.rule_set_versions),
        file_active=FileActive(
            total=file_active,
            by_status=ByStatus(
                **{s.value: totals.by_status.get(s.value, 0) for s in PathwayStatus}
            ),
            by_modality=ByModality(
                **{m.value: totals.by_modality.get(m.value, 0) for m in MODALITIES}
            ),
        ),
        multi_modality=MultiModality(
            youth=totals.multi_modality,
            share=round(totals.multi_modality / file_active, 4) if file_active else 0.0,
        ),
        transitions=_transitions(totals.main_modalities),
        units=Units(
            total=totals.units_total,
            youth_weeks=totals.youth_weeks,
            by_score=Scores.model_validate(by_score),
            lt_1h=totals.lt_band,
            surcharges=Surcharges(
                complexity=totals.complexity_weeks, appui_ressources=totals.appui_weeks
            ),
        ),
        hours=Hours(
            direct=_hours(totals.minutes_direct),
            indirect=_hours(totals.minutes_indirect),
            total=_hours(totals.minutes_direct + totals.minutes_indirect),
            by_activity=HoursByActivity(
                **{a.value: _hours(totals.by_activity.get(a.value, 0.0)) for a in HOURS_ACTIVITIES}
            ),
            by_setting=BySetting(
                **{s.value: _hours(totals.by_setting.get(s.value, 0.0)) for s in Setting}
            ),
            appui_ressources_unlinked=UnlinkedAppui(
                total=_hours(sum(totals.unlinked_appui.values())),
                by_setting=BySetting(
                    **{s.value: _hours(totals.unlinked_appui.get(s.value, 0.0)) for s in Setting}
                ),
            ),
        ),
        days=Days(
            journees=Journees(total=totals.half_days / 2, **journees),
            nuits=totals.nights,
            absences=totals.absences,
            absent_sessions=totals.absent_sessions,
        ),
        acts=Acts(actes=totals.actes, seances=totals.seances),
        capacity=Capacity(reference_week=reference_week, **capacity),
        quality=Quality(
            **quality,
            youth_without_pathway=totals.without_pathway,
            by_source=[
                SourceQuality(
                    source_id=source_id, **{name: counts.get(name, 0) for name in QUALITY_FIELDS}
                )
                for source_id, counts in sorted(totals.quality_by_source.items())
            ],
        ),
    )


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
) -> ActivityFigures:
    """The body from rollup rows held in memory."""
    totals = totals_from_rollups(
        weeks,
        days,
        quality,
        appui,
        period=period,
        profile=profile,
        pathways=pathways,
        complexity=complexity,
        reference_week=reference_week,
    )
    return build_body(
        totals,
        period=period,
        timezone=timezone,
        profile=profile,
        capacities=capacities,
        reference_week=reference_week,
    )


def monthly_transitions(
    main_modalities: Iterable[tuple[int, int, str]],
) -> list[tuple[int, str, str, str]]:
    """(person, month left 'YYYY-MM', from, to): changes of main modality to the next month."""
    main = {(person, month): modality for person, month, modality in main_modalities}
    changes = []
    for (person, month), modality in sorted(main.items()):
        following = main.get((person, month + 1))
        if following is not None and following != modality:
            changes.append((person, f"{month // 12:04d}-{month % 12 + 1:02d}", modality, following))
    return changes


def _transitions(main_modalities: Iterable[tuple[int, int, str]]) -> Transitions:
    changes = monthly_transitions(main_modalities)
    by_pair: dict[str, int] = defaultdict(int)
    for _person, _month, left, entered in changes:
        by_pair[f"{left}>{entered}"] += 1
    return Transitions(
        count=len(changes),
        youth=len({change[0] for change in changes}),
        by_pair=dict(sorted(by_pair.items())),
    )


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
) -> ActivityFigures:
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
