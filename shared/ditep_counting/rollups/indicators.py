"""The counts the steering indicators need beyond the activity body, in SQL.

Per establishment, for many at once: admissions and exits dated in the period (pathway
periods ``accompagnement``), the waiting time of the young people admitted and the
length of support of those who left, young people of the file active flagged complex,
weekly occupation per modality (from the youth-day rollups, the caller keeps them
fresh), and sources without a feed for more than ``STALE_SOURCE_DAYS`` days. The rest
of the indicators come from the activity body (``ditep_counting.engine.indicators``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ditep_core.models import (
    ComplexityFlag,
    FeedImport,
    PathwayPeriod,
    Person,
    RollupYouthDay,
    RollupYouthWeek,
    Source,
)
from ditep_core.nomenclatures import MODALITIES, PathwayStatus
from ditep_counting.engine.indicators import (
    EXTRA_PATHS,
    FIRST_SESSION_HORIZON_DAYS,
    STALE_SOURCE_DAYS,
)
from ditep_counting.engine.periods import CountingPeriod, covering_weeks, week_in_period

D = RollupYouthDay
W = RollupYouthWeek
P = PathwayPeriod
FIRST_SESSION_HORIZON = dt.timedelta(days=FIRST_SESSION_HORIZON_DAYS)


@dataclass(slots=True)
class IndicatorExtras:
    """One establishment's extra counts (``EXTRA_PATHS``) and the durations behind them."""

    figures: dict[str, int] = field(default_factory=dict)
    waiting_days: list[int] = field(default_factory=list)
    support_days: list[int] = field(default_factory=list)


def period_weeks(period: CountingPeriod) -> list[dt.date]:
    """The Mondays of the ISO weeks whose Thursday lies in the period."""
    return [
        week
        for week in covering_weeks(period.start, period.end)
        if week_in_period(week, period.start, period.end)
    ]


class IndicatorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def extras(
        self,
        establishment_ids: Sequence[int],
        *,
        period: CountingPeriod,
        capacities: Mapping[int, Mapping[str, int]],
        today: dt.date,
        stale_at: dt.datetime,
    ) -> dict[int, IndicatorExtras]:
        ids = list(establishment_ids)
        result = {key: IndicatorExtras(figures=dict.fromkeys(EXTRA_PATHS, 0)) for key in ids}
        self._pathways(result, ids, period, today)
        self._complex(result, ids, period)
        self._occupation(result, ids, period, capacities)
        self._sources(result, ids, stale_at)
        return result

    def _pathways(
        self,
        result: dict[int, IndicatorExtras],
        ids: list[int],
        period: CountingPeriod,
        today: dt.date,
    ) -> None:
        accompagnement = and_(
            P.status == PathwayStatus.ACCOMPAGNEMENT, Person.establishment_id.in_(ids)
        )
        admitted = self.session.execute(
            select(Person.establishment_id, P.id, P.person_id, P.start_date)
            .join(Person, Person.id == P.person_id)
            .where(accompagnement, P.start_date >= period.start, P.start_date < period.end)
        ).all()
        exits = self.session.execute(
            select(Person.establishment_id, P.start_date, P.end_date)
            .join(Person, Person.id == P.person_id)
            .where(accompagnement, P.end_date >= period.start, P.end_date < period.end)
        ).all()
        for establishment_id, start, end in exits:
            if end is None:  # excluded by the query; for the type checker
                continue
            extras = result[establishment_id]
            extras.figures["pathway.exits"] += 1
            extras.support_days.append((end - start).days)
        if not admitted:
            return
        for establishment_id, *_ in admitted:
            result[establishment_id].figures["pathway.admissions"] += 1
        # The pre-admission of each admission: the latest one starting on or before it.
        pre = aliased(PathwayPeriod)
        pre_start = (
            select(func.max(pre.start_date))
            .where(
                pre.person_id == P.person_id,
                pre.status == PathwayStatus.PRE_ADMISSION,
                pre.start_date <= P.start_date,
            )
            .scalar_subquery()
        )
        # The first counted direct session on or after the admission day (youth-day rows
        # with a modality flag), within the horizon after the period.
        horizon = min(period.end + FIRST_SESSION_HORIZON, today + dt.timedelta(days=1))
        direct_day = or_(*(getattr(D, f"mod_{m.value}") == 1 for m in MODALITIES))
        first_direct = (
            select(func.min(D.day))
            .where(
                D.person_id == P.person_id,
                D.day >= P.start_date,
                D.day < horizon,
                direct_day,
            )
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(Person.establishment_id, pre_start, first_direct)
            .select_from(P)
            .join(Person, Person.id == P.person_id)
            .where(accompagnement, P.start_date >= period.start, P.start_date < period.end)
        )
        for establishment_id, started, first in rows:
            if started is None or first is None:
                continue
            extras = result[establishment_id]
            extras.figures["pathway.waiting_youth"] += 1
            extras.waiting_days.append((first - started).days)

    def _complex(
        self, result: dict[int, IndicatorExtras], ids: list[int], period: CountingPeriod
    ) -> None:
        last_day = period.end - dt.timedelta(days=1)
        flagged = select(ComplexityFlag.person_id).where(
            ComplexityFlag.start_date <= last_day,
            or_(ComplexityFlag.end_date.is_(None), ComplexityFlag.end_date >= period.start),
        )
        rows = self.session.execute(
            select(D.establishment_id, func.count(func.distinct(D.person_id)))
            .where(
                D.establishment_id.in_(ids),
                D.day >= period.start,
                D.day < period.end,
                D.support == 1,
                D.person_id.in_(flagged),
            )
            .group_by(D.establishment_id)
        )
        for establishment_id, youth in rows:
            result[establishment_id].figures["complex.youth"] = int(youth or 0)

    def _occupation(
        self,
        result: dict[int, IndicatorExtras],
        ids: list[int],
        period: CountingPeriod,
        capacities: Mapping[int, Mapping[str, int]],
    ) -> None:
        """Young people present per modality and week, summed over the period's weeks: a
        youth-week row with minutes of a modality is one young person present that week
        (the minutes of a modality are those of its counted direct sessions)."""
        weeks = period_weeks(period)
        if not weeks:
            return
        modalities = [m.value for m in MODALITIES]
        for establishment_id in ids:
            for modality in modalities:
                places = capacities.get(establishment_id, {}).get(modality)
                result[establishment_id].figures[f"occupation.{modality}.place_weeks"] = (
                    places or 0
                ) * len(weeks)
        rows = self.session.execute(
            select(
                W.establishment_id,
                *(func.sum(case((getattr(W, f"m_{m}") > 0, 1), else_=0)) for m in modalities),
            )
            .where(
                W.establishment_id.in_(ids),
                W.week_start >= weeks[0],
                W.week_start <= weeks[-1],
            )
            .group_by(W.establishment_id)
        )
        for establishment_id, *counts in rows:
            for modality, youth_weeks in zip(modalities, counts, strict=True):
                # Only where places are declared: the rate's numerator and denominator
                # cover the same establishments once summed over an area.
                if capacities.get(establishment_id, {}).get(modality):
                    result[establishment_id].figures[
                        f"occupation.{modality}.occupied_youth_weeks"
                    ] = int(youth_weeks or 0)

    def _sources(
        self, result: dict[int, IndicatorExtras], ids: list[int], stale_at: dt.datetime
    ) -> None:
        last_feed = (
            select(func.max(FeedImport.received_at))
            .where(FeedImport.source_id == Source.id, FeedImport.received_at < stale_at)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(Source.establishment_id, last_feed).where(
                Source.establishment_id.in_(ids), Source.created_at < stale_at
            )
        )
        limit = _naive(stale_at) - dt.timedelta(days=STALE_SOURCE_DAYS)
        for establishment_id, received in rows:
            figures = result[establishment_id].figures
            figures["sources.total"] += 1
            if received is None or _naive(received) < limit:
                figures["sources.stale"] += 1


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
