"""A period's totals summed in SQL from the rollup tables (the repository of the read path).

Computes, for many establishments at once, the same ``Totals`` as
``ditep_counting.engine.figures.totals_from_rollups`` does over rows in memory
(but for ``main_modalities``, which only the transitions read, left empty for a period
within one month: it has no transition); a test holds the bodies built from the two
equal. About ten aggregate queries, whatever the number of sessions, each returning a
row per establishment (per young person and month for the main modalities).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ditep_core.models import (
    ComplexityFlag,
    PathwayPeriod,
    RollupAppuiDay,
    RollupQualityDay,
    RollupQualityMonth,
    RollupYouthDay,
    RollupYouthMonth,
    RollupYouthWeek,
)
from ditep_core.nomenclatures import MODALITIES, PathwayStatus, Setting
from ditep_counting.engine.figures import SCORES, Totals, month_index
from ditep_counting.engine.periods import CountingPeriod, month_starts
from ditep_counting.engine.profile import CountingProfile
from ditep_counting.engine.rollups import HOURS_ACTIVITIES, QUALITY_FIELDS
from ditep_counting.rollups.sql import month_bucket

D = RollupYouthDay
M = RollupYouthMonth
W = RollupYouthWeek
P = PathwayPeriod


class RollupTotalsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def totals(
        self,
        establishment_ids: Sequence[int],
        *,
        period: CountingPeriod,
        profile: CountingProfile,
        reference_week: dt.date | None,
        quality_by_source: bool = True,
    ) -> dict[int, Totals]:
        """Each establishment's totals of the period. ``quality_by_source=False``: the
        quality counts summed over the sources, ``quality_by_source`` left empty (an
        area's read, which never publishes it: one row per establishment and rule-set
        version instead of one per source)."""
        ids = list(establishment_ids)
        result = {
            key: Totals(
                by_status=dict.fromkeys((s.value for s in PathwayStatus), 0),
                by_modality=dict.fromkeys((m.value for m in MODALITIES), 0),
                by_score=dict.fromkeys(SCORES, 0),
                quality=dict.fromkeys(QUALITY_FIELDS, 0),
            )
            for key in ids
        }
        start, end = period.start, period.end
        in_days = and_(D.establishment_id.in_(ids), D.day >= start, D.day < end)
        self._person_months(result, ids, in_days, period)
        self._weeks(result, ids, period, profile)
        self._appui(result, ids, period)
        self._occupied(result, ids, reference_week)
        self._quality(result, ids, period, by_source=quality_by_source)
        return result

    def file_active_by_status_per_month(
        self, establishment_id: int, months: Sequence[CountingPeriod]
    ) -> dict[str, dict[str, int]]:
        """Each month's ``file_active.by_status`` (month code: status: young people), in ONE
        query over the youth-month rows of every month, as ``totals`` counts it for each
        month alone (a young person of the month with a support day counts in each status
        they had; one without a known pathway in ``accompagnement``)."""
        statuses = [s.value for s in PathwayStatus]
        result = {month.code: dict.fromkeys(statuses, 0) for month in months}
        if not months:
            return result
        codes = {month.start: month.code for month in months}
        rows = self.session.execute(
            select(
                M.month_start,
                func.max(M.support),
                *(func.max(getattr(M, f"st_{s}")) for s in statuses),
                func.max(M.st_none),
            )
            .where(
                M.establishment_id == establishment_id,
                M.month_start.in_(list(codes)),
            )
            .group_by(M.month_start, M.person_id)
        )
        for month_start, support, *flags in rows:
            if not support:
                continue
            counts = result[codes[month_start]]
            uncovered = int(flags[-1] or 0)
            for status, flag in zip(statuses, flags[:-1], strict=True):
                if flag or (uncovered and status == PathwayStatus.ACCOMPAGNEMENT.value):
                    counts[status] += 1
        return result

    def _person_months(
        self,
        result: dict[int, Totals],
        ids: list[int],
        in_days: ColumnElement[bool],
        period: CountingPeriod,
    ) -> None:
        """Per young person: file active, modalities, pathway statuses, day sums; per young
        person and month: the main modality (most direct minutes; ties: nuit, jour, amb)."""
        # Whole months (quarters, years...) read the youth-month rows, other periods the days.
        table: Any = D
        if period.whole_months:
            table = M
            in_days = and_(
                M.establishment_id.in_(ids),
                M.month_start >= period.start,
                M.month_start < period.end,
            )
            month: Any = M.month_start
        else:
            month = month_bucket(D.day, month_starts(period.start, period.end), month_index)
        modalities = [m.value for m in MODALITIES]
        statuses = [s.value for s in PathwayStatus]
        flag_columns = (
            table.support,
            *(getattr(table, f"mod_{m}") for m in modalities),
            *(getattr(table, f"st_{s}") for s in statuses),
            table.st_none,
        )
        sums = (
            table.half_days,
            *(getattr(table, f"hd_{m}") for m in modalities),
            table.night,
            table.absent_day,
            table.absent_sessions,
            table.actes,
            table.seances,
        )
        # Per young person (the inner query), then summed per establishment in the same
        # statement: one row per establishment comes back, not one per young person.
        per_person = (
            select(
                table.establishment_id.label("establishment_id"),
                *(func.max(column).label(f"flag_{i}") for i, column in enumerate(flag_columns)),
                *(func.sum(column).label(f"sum_{i}") for i, column in enumerate(sums)),
            )
            .where(in_days)
            .group_by(table.establishment_id, table.person_id)
            .subquery()
        )
        flags = [per_person.c[f"flag_{i}"] for i in range(len(flag_columns))]
        modality_count, status_count = len(modalities), len(statuses)
        # A flag is set when its maximum is non-zero (NULL: not set), as in Python.
        support, uncovered = flags[0] != 0, flags[-1] != 0
        modality_flags = flags[1 : 1 + modality_count]
        status_flags = flags[1 + modality_count : 1 + modality_count + status_count]

        def people(condition: ColumnElement[bool]) -> Any:
            return func.sum(case((and_(support, condition), 1), else_=0))

        modalities_held = sum(
            (case((flag != 0, 1), else_=0) for flag in modality_flags), literal(0)
        )
        # Without a known pathway a support day counts in accompagnement.
        rows = self.session.execute(
            select(
                per_person.c.establishment_id,
                func.sum(case((support, 1), else_=0)),
                *(people(flag != 0) for flag in modality_flags),
                people(modalities_held >= 2),
                *(
                    people(
                        or_(flag != 0, uncovered)
                        if status == PathwayStatus.ACCOMPAGNEMENT.value
                        else flag != 0
                    )
                    for status, flag in zip(statuses, status_flags, strict=True)
                ),
                func.sum(case((support, func.coalesce(flags[-1], 0)), else_=0)),
                *(func.sum(per_person.c[f"sum_{i}"]) for i in range(len(sums))),
            ).group_by(per_person.c.establishment_id)
        )
        for row in rows:
            values = [int(value or 0) for value in row[1:]]
            totals = result[row[0]]
            totals.file_active = values[0]
            totals.by_modality = dict(zip(modalities, values[1 : 1 + modality_count], strict=True))
            totals.multi_modality = values[1 + modality_count]
            position = 2 + modality_count
            totals.by_status = dict(
                zip(statuses, values[position : position + status_count], strict=True)
            )
            totals.without_pathway = values[position + status_count]
            half_days, n, j, a, nights, absences, absent, actes, seances = values[
                position + status_count + 1 :
            ]
            totals.half_days = half_days
            totals.half_days_by_modality = dict(zip(modalities, (n, j, a), strict=True))
            totals.nights = nights
            totals.absences = absences
            totals.absent_sessions = absent
            totals.actes = actes
            totals.seances = seances

        # The main modality of each young person's month, decided in SQL: what the
        # transitions read, which need two months (none within a month: not read).
        last_day = period.end - dt.timedelta(days=1)
        if (period.start.year, period.start.month) == (last_day.year, last_day.month):
            return
        night, day, ambulatory = (func.sum(getattr(table, f"min_{m}")) for m in modalities)
        main = case(
            (and_(night > 0, night >= day, night >= ambulatory), modalities[0]),
            (and_(day > 0, day >= ambulatory), modalities[1]),
            (ambulatory > 0, modalities[2]),
        )
        labelled = month.label("month")
        mains = self.session.execute(
            select(table.establishment_id, table.person_id, labelled, main)
            .where(in_days)
            .group_by(table.establishment_id, table.person_id, literal_column("month"))
        )
        for establishment_id, person_id, month_value, modality in mains:
            if modality is not None:
                index = month_index(month_value) if table is M else int(month_value)
                result[establishment_id].main_modalities.append((person_id, index, modality))

    def _weeks(
        self,
        result: dict[int, Totals],
        ids: list[int],
        period: CountingPeriod,
        profile: CountingProfile,
    ) -> None:
        # A week belongs to the period holding its Thursday.
        in_weeks = and_(
            W.establishment_id.in_(ids),
            W.week_start >= period.start - dt.timedelta(days=3),
            W.week_start < period.end - dt.timedelta(days=3),
        )
        bounds = [bound * 60 for bound in profile.score_bounds_hours]
        total = W.minutes_total
        scored = total > 0

        def count(condition: ColumnElement[bool]) -> Any:
            return func.sum(case((condition, 1), else_=0))

        rows = self.session.execute(
            select(
                W.establishment_id,
                func.sum(W.minutes_direct),
                func.sum(W.minutes_indirect),
                count(and_(scored, total <= bounds[0])),
                count(and_(total > bounds[0], total <= bounds[1])),
                count(and_(total > bounds[1], total <= bounds[2])),
                count(total > bounds[2]),
                count(and_(scored, total < profile.lt_band_hours * 60)),
                count(and_(scored, W.has_appui == 1)),
                *(func.sum(getattr(W, f"m_{a.value}")) for a in HOURS_ACTIVITIES),
                *(func.sum(getattr(W, f"s_{s.value}")) for s in Setting),
            )
            .where(in_weeks)
            .group_by(W.establishment_id)
        )
        for row in rows:
            totals = result[row[0]]
            totals.minutes_direct = float(row[1] or 0)
            totals.minutes_indirect = float(row[2] or 0)
            scores = [int(value or 0) for value in row[3:7]]
            totals.by_score = dict(zip(SCORES, scores, strict=True))
            totals.youth_weeks = sum(scores)
            totals.units_total = sum(score * n for score, n in enumerate(scores, start=1))
            totals.lt_band = int(row[7] or 0)
            totals.appui_weeks = int(row[8] or 0)
            activities = row[9 : 9 + len(HOURS_ACTIVITIES)]
            settings = row[9 + len(HOURS_ACTIVITIES) :]
            totals.by_activity = {
                a.value: float(v or 0) for a, v in zip(HOURS_ACTIVITIES, activities, strict=True)
            }
            totals.by_setting = {
                s.value: float(v or 0) for s, v in zip(Setting, settings, strict=True)
            }
        flagged = exists(
            select(ComplexityFlag.id).where(
                ComplexityFlag.person_id == W.person_id,
                ComplexityFlag.start_date <= W.week_end,
                or_(ComplexityFlag.end_date.is_(None), ComplexityFlag.end_date >= W.week_start),
            )
        )
        complexity = self.session.execute(
            select(W.establishment_id, func.count())
            .where(
                in_weeks,
                W.minutes_total > 0,
                # Few young people are flagged: a semi-join first, then the dates.
                W.person_id.in_(select(ComplexityFlag.person_id)),
                flagged,
            )
            .group_by(W.establishment_id)
        )
        for establishment_id, weeks in complexity:
            result[establishment_id].complexity_weeks = int(weeks)

    def _appui(self, result: dict[int, Totals], ids: list[int], period: CountingPeriod) -> None:
        rows = self.session.execute(
            select(
                RollupAppuiDay.establishment_id,
                RollupAppuiDay.setting,
                func.sum(RollupAppuiDay.minutes),
            )
            .where(
                RollupAppuiDay.establishment_id.in_(ids),
                RollupAppuiDay.day >= period.start,
                RollupAppuiDay.day < period.end,
            )
            .group_by(RollupAppuiDay.establishment_id, RollupAppuiDay.setting)
        )
        for establishment_id, setting, minutes in rows:
            result[establishment_id].unlinked_appui[setting.value] = float(minutes or 0)

    def _occupied(
        self, result: dict[int, Totals], ids: list[int], reference_week: dt.date | None
    ) -> None:
        if reference_week is None:
            return
        rows = self.session.execute(
            select(
                D.establishment_id,
                *(
                    func.count(
                        func.distinct(case((getattr(D, f"mod_{m.value}") == 1, D.person_id)))
                    )
                    for m in MODALITIES
                ),
            )
            .where(
                D.establishment_id.in_(ids),
                D.day >= reference_week,
                D.day < reference_week + dt.timedelta(days=7),
            )
            .group_by(D.establishment_id)
        )
        for establishment_id, *counts in rows:
            result[establishment_id].occupied = {
                m.value: int(c or 0) for m, c in zip(MODALITIES, counts, strict=True) if c
            }

    def _quality(
        self, result: dict[int, Totals], ids: list[int], period: CountingPeriod, *, by_source: bool
    ) -> None:
        # Whole months (quarters, years...) read the quality-month rows, other periods the days.
        Q: Any = RollupQualityDay  # noqa: N806
        in_days = and_(Q.establishment_id.in_(ids), Q.day >= period.start, Q.day < period.end)
        if period.whole_months:
            Q = RollupQualityMonth  # noqa: N806
            in_days = and_(
                Q.establishment_id.in_(ids),
                Q.month_start >= period.start,
                Q.month_start < period.end,
            )
        # One scan: per source (when wanted) and rule-set version (the versions used are
        # those that classified at least one received session: counts are never negative,
        # so summed over the sources a version received some iff one of its sources did).
        source = Q.source_id if by_source else literal_column("NULL")
        group = (Q.establishment_id, Q.source_id) if by_source else (Q.establishment_id,)
        rows = self.session.execute(
            select(
                Q.establishment_id,
                source,
                Q.rule_set_version,
                *(func.sum(getattr(Q, name)) for name in QUALITY_FIELDS),
            )
            .where(in_days)
            .group_by(*group, Q.rule_set_version)
        )
        for establishment_id, source_id, version, *values in rows:
            totals = result[establishment_id]
            counts = {name: int(v or 0) for name, v in zip(QUALITY_FIELDS, values, strict=True)}
            if by_source:
                per_source = totals.quality_by_source.setdefault(
                    source_id, dict.fromkeys(counts, 0)
                )
                for name, value in counts.items():
                    per_source[name] += value
            for name, value in counts.items():
                totals.quality[name] += value
            if counts["received"] > 0:
                totals.rule_set_versions.add(version)
