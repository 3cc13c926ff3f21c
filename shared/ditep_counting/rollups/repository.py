"""All SQL of the rollups: reading sessions to roll up, writing and reading rollup rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from ditep_core.models import (
    AgendaSession,
    CountingProfileVersion,
    PathwayPeriod,
    RollupAppuiDay,
    RollupQualityDay,
    RollupQualityMonth,
    RollupState,
    RollupYouthDay,
    RollupYouthMonth,
    RollupYouthWeek,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import MODALITIES, PathwayStatus, Setting
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow
from ditep_counting.engine.periods import month_starts
from ditep_counting.engine.rollups import (
    HOURS_ACTIVITIES,
    QUALITY_FIELDS,
    Rollups,
    YouthDay,
    YouthWeek,
)
from ditep_counting.rollups.sql import add_years, month_bucket

_CHUNK = 500
# The profile fingerprint of a week whose sessions changed before it was ever computed.
NEVER_COMPUTED = ""
ROLLUP_LOCK_NAMESPACE = 6006


class RollupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- inputs -------------------------------------------------------------------

    def sessions_starting_between(
        self, establishment_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[SessionRow]:
        statement = select(
            AgendaSession.id,
            AgendaSession.source_id,
            AgendaSession.uid,
            AgendaSession.recurrence_id,
            AgendaSession.start_at,
            AgendaSession.end_at,
            AgendaSession.status,
            AgendaSession.activity,
            AgendaSession.rule_set_version,
            AgendaSession.setting,
        ).where(
            AgendaSession.establishment_id == establishment_id,
            AgendaSession.start_at >= start,
            AgendaSession.start_at < end,
        )
        return [
            SessionRow(
                session_id=row[0],
                source_id=row[1],
                uid=row[2],
                recurrence_id=row[3],
                start_at=row[4],
                end_at=row[5],
                status=row[6],
                activity=row[7],
                rule_set_version=row[8],
                setting=row[9],
            )
            for row in self.session.execute(statement)
        ]

    def participant_links_between(
        self, establishment_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[ParticipantLink]:
        statement = (
            select(
                SessionParticipant.session_id,
                SessionParticipant.person_id,
                SessionParticipant.kind,
                SessionParticipant.presence,
            )
            .join(
                AgendaSession,
                (AgendaSession.id == SessionParticipant.session_id)
                & (AgendaSession.start_at == SessionParticipant.session_start_at),
            )
            .where(
                AgendaSession.establishment_id == establishment_id,
                AgendaSession.start_at >= start,
                AgendaSession.start_at < end,
                # The participants' own copy of the start: on PostgreSQL only the
                # period's month partitions of participants are read (docs/scale.md).
                SessionParticipant.session_start_at >= start,
                SessionParticipant.session_start_at < end,
            )
        )
        return [ParticipantLink(*row) for row in self.session.execute(statement)]

    def validated_only_sources(self, establishment_id: int) -> frozenset[int]:
        statement = select(Source.id).where(
            Source.establishment_id == establishment_id, Source.count_validated_only.is_(True)
        )
        return frozenset(self.session.scalars(statement))

    def session_start_range(
        self, establishment_id: int
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        statement = select(
            func.min(AgendaSession.start_at), func.max(AgendaSession.start_at)
        ).where(AgendaSession.establishment_id == establishment_id)
        first, last = self.session.execute(statement).one()
        # min/max bypass the column type on SQLite: read them back as aware UTC.
        return _aware(first), _aware(last)

    def session_starts(self, session_ids: Sequence[int]) -> list[dt.datetime]:
        starts: list[dt.datetime] = []
        for index in range(0, len(session_ids), _CHUNK):
            chunk = session_ids[index : index + _CHUNK]
            starts.extend(
                self.session.scalars(
                    select(AgendaSession.start_at).where(AgendaSession.id.in_(chunk))
                )
            )
        return starts

    def lock_establishment(self, establishment_id: int) -> None:
        """Serialise rollup writers of one establishment until the transaction ends.

        PostgreSQL: a transaction-level advisory lock, so two requests refreshing
        the same weeks do not both insert them. SQLite serialises writers itself.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": ROLLUP_LOCK_NAMESPACE, "key": establishment_id},
            )

    def latest_profile(self) -> tuple[str, dict[str, object]] | None:
        row = self.session.execute(
            select(CountingProfileVersion.version, CountingProfileVersion.parameters)
            .order_by(CountingProfileVersion.created_at.desc(), CountingProfileVersion.version)
            .limit(1)
        ).first()
        return None if row is None else (row[0], dict(row[1]))

    def profile_exists(self, version: str) -> bool:
        return self.session.get(CountingProfileVersion, version) is not None

    def add_profile(self, version: str, parameters: dict[str, object]) -> None:
        self.session.add(CountingProfileVersion(version=version, parameters=parameters))
        self.session.flush()

    # --- state ------------------------------------------------------------------

    def invalidate(self, establishment_id: int, weeks: Sequence[dt.date], now: dt.datetime) -> int:
        """Mark these weeks out of date: their rollups stay (reads serve them as stale)
        until the refresh task recomputes them. A week never computed gets a state row
        saying so (``NEVER_COMPUTED``), so that a read knows data is waiting there.
        Cheaper than recomputing at every import of one agenda."""
        ordered = sorted(set(weeks))
        marked = 0
        for index in range(0, len(ordered), _CHUNK):
            chunk = ordered[index : index + _CHUNK]
            result = self.session.execute(
                update(RollupState)
                .where(
                    RollupState.establishment_id == establishment_id,
                    RollupState.week_start.in_(chunk),
                    RollupState.invalidated_at.is_(None),
                )
                .values(invalidated_at=now)
                .execution_options(synchronize_session=False)
            )
            marked += int(getattr(result, "rowcount", 0) or 0)
            known = set(
                self.session.scalars(
                    select(RollupState.week_start).where(
                        RollupState.establishment_id == establishment_id,
                        RollupState.week_start.in_(chunk),
                    )
                )
            )
            missing = [week for week in chunk if week not in known]
            self._insert(
                RollupState,
                [
                    {
                        "establishment_id": establishment_id,
                        "week_start": week,
                        "profile_fingerprint": NEVER_COMPUTED,
                        "refreshed_at": now,
                        "stale_after": None,
                        "invalidated_at": now,
                    }
                    for week in missing
                ],
            )
            marked += len(missing)
        return marked

    def states(
        self, establishment_id: int, weeks: Sequence[dt.date]
    ) -> dict[dt.date, tuple[str, dt.datetime | None, dt.datetime | None]]:
        """Per week: profile fingerprint, stale after (a planned session ends), invalidated at."""
        if not weeks:
            return {}
        statement = select(
            RollupState.week_start,
            RollupState.profile_fingerprint,
            RollupState.stale_after,
            RollupState.invalidated_at,
        ).where(
            RollupState.establishment_id == establishment_id,
            RollupState.week_start >= min(weeks),
            RollupState.week_start <= max(weeks),
        )
        return {row[0]: (row[1], row[2], row[3]) for row in self.session.execute(statement)}

    def waiting(self) -> tuple[int, int]:
        """Establishment-weeks invalidated and not refreshed yet, and their establishments."""
        row = self.session.execute(
            select(func.count(), func.count(func.distinct(RollupState.establishment_id))).where(
                RollupState.invalidated_at.is_not(None)
            )
        ).one()
        return int(row[0]), int(row[1])

    def invalidated_weeks(self, establishment_id: int) -> list[dt.date]:
        return list(
            self.session.scalars(
                select(RollupState.week_start)
                .where(
                    RollupState.establishment_id == establishment_id,
                    RollupState.invalidated_at.is_not(None),
                )
                .order_by(RollupState.week_start)
            )
        )

    def freshness(
        self,
        establishment_ids: Sequence[int],
        weeks: Sequence[dt.date],
        fingerprint: str,
        now: dt.datetime,
    ) -> dict[int, tuple[bool, dt.datetime | None]]:
        """Per establishment, over ``weeks`` (read only): whether newer data is waiting
        (a week invalidated, of another profile, or past a planned session's end), and
        the oldest computation among the weeks computed (None: none ever was)."""
        if not establishment_ids or not weeks:
            return {}
        waiting = or_(
            RollupState.invalidated_at.is_not(None),
            RollupState.profile_fingerprint != fingerprint,
            and_(RollupState.stale_after.is_not(None), RollupState.stale_after <= now),
        )
        statement = (
            select(
                RollupState.establishment_id,
                func.max(case((waiting, 1), else_=0)),
                func.min(
                    case(
                        (
                            RollupState.profile_fingerprint != NEVER_COMPUTED,
                            RollupState.refreshed_at,
                        ),
                        else_=None,
                    )
                ),
            )
            .where(
                RollupState.establishment_id.in_(establishment_ids),
                RollupState.week_start.in_(sorted(set(weeks))),
            )
            .group_by(RollupState.establishment_id)
        )
        return {row[0]: (bool(row[1]), _aware(row[2])) for row in self.session.execute(statement)}

    def replace(
        self,
        establishment_id: int,
        days: tuple[dt.date, dt.date],
        rollups: Rollups,
        states: Iterable[tuple[dt.date, str, dt.datetime, dt.datetime | None]],
    ) -> None:
        """Replace every rollup row dated in ``days`` (a run of whole weeks)."""
        first, end = days
        for model, column in (
            (RollupYouthWeek, RollupYouthWeek.week_start),
            (RollupYouthDay, RollupYouthDay.day),
            (RollupQualityDay, RollupQualityDay.day),
            (RollupAppuiDay, RollupAppuiDay.day),
            (RollupState, RollupState.week_start),
        ):
            self.session.execute(
                delete(model).where(
                    model.establishment_id == establishment_id,
                    column >= first,
                    column < end,
                )
            )
        self._insert(RollupYouthWeek, [week_values(establishment_id, w) for w in rollups.weeks])
        self._insert(RollupYouthDay, [day_values(establishment_id, d) for d in rollups.days])
        self._insert(
            RollupQualityDay,
            [
                {
                    "establishment_id": establishment_id,
                    "day": entry.day,
                    "source_id": entry.source_id,
                    "rule_set_version": entry.rule_set_version,
                    **{name: entry.counts.get(name, 0) for name in QUALITY_FIELDS},
                }
                for entry in rollups.quality
            ],
        )
        self._insert(
            RollupAppuiDay,
            [
                {
                    "establishment_id": establishment_id,
                    "day": entry.day,
                    "setting": Setting(entry.setting),
                    "minutes": entry.minutes,
                }
                for entry in rollups.appui
            ],
        )
        self._insert(
            RollupState,
            [
                {
                    "establishment_id": establishment_id,
                    "week_start": week_start,
                    "profile_fingerprint": fingerprint,
                    "refreshed_at": refreshed_at,
                    "stale_after": stale_after,
                }
                for week_start, fingerprint, refreshed_at, stale_after in states
            ],
        )

    def update_pathway_flags(
        self,
        establishment_id: int,
        post_exit_years: int,
        days: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        """Set the st_* flags of the establishment's support days from its pathway periods."""
        day = RollupYouthDay

        def covered(status: PathwayStatus) -> Any:
            condition = exists(
                select(PathwayPeriod.id).where(
                    PathwayPeriod.person_id == day.person_id,
                    PathwayPeriod.status == status,
                    PathwayPeriod.start_date <= day.day,
                    or_(PathwayPeriod.end_date.is_(None), PathwayPeriod.end_date >= day.day),
                    *(
                        [day.day < add_years(PathwayPeriod.start_date, literal(post_exit_years))]
                        if status is PathwayStatus.SUIVI_POST_SORTIE
                        else []
                    ),
                )
            )
            return case((and_(day.support == 1, condition), 1), else_=0)

        where = [day.establishment_id == establishment_id]
        if days is not None:
            where += [day.day >= days[0], day.day < days[1]]
        self.session.execute(
            update(day)
            .where(*where)
            .values({f"st_{status.value}": covered(status) for status in PathwayStatus})
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(day)
            .where(*where)
            .values(
                st_none=case(
                    (
                        and_(
                            day.support == 1,
                            sum_flags(day) == 0,
                        ),
                        1,
                    ),
                    else_=0,
                )
            )
            .execution_options(synchronize_session=False)
        )

    def rebuild_months(
        self, establishment_id: int, days: tuple[dt.date, dt.date] | None = None
    ) -> None:
        """Recompute the youth-month and quality-month rows of the months touching ``days``
        (None: all)."""
        day, quality = RollupYouthDay, RollupQualityDay
        if days is None:
            self.session.execute(
                delete(RollupYouthMonth).where(
                    RollupYouthMonth.establishment_id == establishment_id
                )
            )
            self.session.execute(
                delete(RollupQualityMonth).where(
                    RollupQualityMonth.establishment_id == establishment_id
                )
            )
            bounds = [
                self.session.execute(
                    select(func.min(column), func.max(column)).where(
                        table.establishment_id == establishment_id
                    )
                ).one()
                for table, column in ((day, day.day), (quality, quality.day))
            ]
            found = [
                # min/max bypass the column type on SQLite
                dt.date.fromisoformat(value) if isinstance(value, str) else value
                for pair in bounds
                for value in pair
                if value is not None
            ]
            if not found:
                return
            days = (min(found), max(found) + dt.timedelta(days=1))
        months = month_starts(*days)
        start = months[0]
        end = dt.date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1)
        span = (establishment_id, months, start, end)
        self._rebuild_months(
            RollupYouthDay,
            RollupYouthMonth,
            *span,
            keys=("person_id",),
            maxed=MONTH_FLAGS,
            summed=MONTH_SUMS,
        )
        self._rebuild_months(
            RollupQualityDay,
            RollupQualityMonth,
            *span,
            keys=("source_id", "rule_set_version"),
            maxed=(),
            summed=QUALITY_FIELDS,
        )

    def _rebuild_months(
        self,
        day: type[Any],
        month: type[Any],
        establishment_id: int,
        months: list[dt.date],
        start: dt.date,
        end: dt.date,
        *,
        keys: Sequence[str],
        maxed: Sequence[str],
        summed: Sequence[str],
    ) -> None:
        """Replaces the month rows of `month` in [start, end) by the day rows of `day` summed
        (or, for `maxed`, their greatest value) per establishment, month and `keys`."""
        self.session.execute(
            delete(month).where(
                month.establishment_id == establishment_id,
                month.month_start >= start,
                month.month_start < end,
            )
        )
        bucket = month_bucket(day.day, months, lambda value: value).label("month_start")
        grouped = [getattr(day, name) for name in keys]
        selection = (
            select(
                day.establishment_id,
                bucket,
                *grouped,
                *(func.max(getattr(day, name)) for name in maxed),
                *(func.sum(getattr(day, name)) for name in summed),
            )
            .where(day.establishment_id == establishment_id, day.day >= start, day.day < end)
            .group_by(day.establishment_id, literal_column("month_start"), *grouped)
        )
        self.session.execute(
            insert(month).from_select(
                ["establishment_id", "month_start", *keys, *maxed, *summed], selection
            )
        )

    def _insert(self, model: type[object], rows: list[dict[str, object]]) -> None:
        for index in range(0, len(rows), _CHUNK):
            self.session.execute(insert(model), rows[index : index + _CHUNK])

    # --- reads --------------------------------------------------------------------

    def read(self, establishment_id: int, first: dt.date, end: dt.date) -> Rollups:
        """One establishment's rollup rows dated in [first, end), as the engine's rows."""
        result = Rollups([], [], [], [])
        weeks = self.session.scalars(
            select(RollupYouthWeek).where(
                RollupYouthWeek.establishment_id == establishment_id,
                RollupYouthWeek.week_start >= first,
                RollupYouthWeek.week_start < end,
            )
        )
        for w in weeks:
            result.weeks.append(
                YouthWeek(
                    w.person_id,
                    w.week_start,
                    w.minutes_direct,
                    w.minutes_indirect,
                    {a.value: getattr(w, f"m_{a.value}") for a in HOURS_ACTIVITIES},
                    {s.value: getattr(w, f"s_{s.value}") for s in Setting},
                    bool(w.has_appui),
                )
            )
        days = self.session.scalars(
            select(RollupYouthDay).where(
                RollupYouthDay.establishment_id == establishment_id,
                RollupYouthDay.day >= first,
                RollupYouthDay.day < end,
            )
        )
        for d in days:
            result.days.append(
                YouthDay(
                    d.person_id,
                    d.day,
                    bool(d.support),
                    {m.value for m in MODALITIES if getattr(d, f"mod_{m.value}")},
                    {m.value: getattr(d, f"min_{m.value}") for m in MODALITIES},
                    d.half_days,
                    {m.value: getattr(d, f"hd_{m.value}") for m in MODALITIES},
                    bool(d.night),
                    d.actes,
                    d.seances,
                    d.absent_sessions,
                )
            )
        return result

    def import_ids_between(
        self, establishment_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[int]:
        statement = (
            select(AgendaSession.import_id)
            .where(
                AgendaSession.establishment_id == establishment_id,
                AgendaSession.start_at >= start,
                AgendaSession.start_at < end,
                AgendaSession.import_id.is_not(None),
            )
            .distinct()
        )
        return sorted(value for value in self.session.scalars(statement) if value is not None)


MONTH_FLAGS = (
    "support",
    *(f"mod_{m.value}" for m in MODALITIES),
    *(f"st_{s.value}" for s in PathwayStatus),
    "st_none",
)
MONTH_SUMS = (
    *(f"min_{m.value}" for m in MODALITIES),
    "half_days",
    *(f"hd_{m.value}" for m in MODALITIES),
    "night",
    "actes",
    "seances",
    "absent_sessions",
    "absent_day",
)


def sum_flags(day: type[RollupYouthDay]) -> Any:
    return day.st_pre_admission + day.st_accompagnement + day.st_suivi_post_sortie + day.st_ponctuel


def week_values(establishment_id: int, week: YouthWeek) -> dict[str, object]:
    return {
        "establishment_id": establishment_id,
        "week_start": week.week_start,
        "person_id": week.person_id,
        "week_end": week.week_start + dt.timedelta(days=6),
        "minutes_direct": week.minutes_direct,
        "minutes_indirect": week.minutes_indirect,
        "minutes_total": week.minutes_total,
        **{f"m_{a.value}": week.minutes_by_activity.get(a.value, 0.0) for a in HOURS_ACTIVITIES},
        **{f"s_{s.value}": week.minutes_by_setting.get(s.value, 0.0) for s in Setting},
        "has_appui": int(week.has_appui),
    }


def day_values(establishment_id: int, day: YouthDay) -> dict[str, object]:
    return {
        "establishment_id": establishment_id,
        "day": day.day,
        "person_id": day.person_id,
        "support": int(day.support),
        **{f"mod_{m.value}": int(m.value in day.modalities) for m in MODALITIES},
        **{f"min_{m.value}": day.minutes_by_modality.get(m.value, 0.0) for m in MODALITIES},
        "half_days": day.half_days,
        **{f"hd_{m.value}": day.half_days_by_modality.get(m.value, 0) for m in MODALITIES},
        "night": int(day.night),
        "actes": day.actes,
        "seances": day.seances,
        "absent_sessions": day.absent_sessions,
        "absent_day": int(day.absent_day),
    }


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
