"""All SQL of the rollups: reading sessions to roll up, writing and reading rollup rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ditep_core.counting.duplicates import ParticipantLink, SessionRow
from ditep_core.counting.rollups import AppuiDay, QualityDay, Rollups, YouthDay, YouthWeek
from ditep_core.models import (
    AgendaSession,
    CountingProfileVersion,
    RollupAppuiDay,
    RollupQualityDay,
    RollupState,
    RollupYouthDay,
    RollupYouthWeek,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import SessionStatus, Setting

_CHUNK = 500


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
            .join(AgendaSession, AgendaSession.id == SessionParticipant.session_id)
            .where(
                AgendaSession.establishment_id == establishment_id,
                AgendaSession.start_at >= start,
                AgendaSession.start_at < end,
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

    def latest_profile(self) -> tuple[str, dict[str, object]] | None:
        row = self.session.execute(
            select(CountingProfileVersion.version, CountingProfileVersion.parameters)
            .order_by(CountingProfileVersion.created_at.desc(), CountingProfileVersion.version)
            .limit(1)
        ).first()
        return None if row is None else (row[0], dict(row[1]))

    def add_profile(self, version: str, parameters: dict[str, object]) -> None:
        self.session.add(CountingProfileVersion(version=version, parameters=parameters))
        self.session.flush()

    # --- state ------------------------------------------------------------------

    def states(
        self, establishment_id: int, weeks: Sequence[dt.date]
    ) -> dict[dt.date, tuple[str, dt.datetime | None]]:
        if not weeks:
            return {}
        statement = select(
            RollupState.week_start, RollupState.profile_fingerprint, RollupState.stale_after
        ).where(
            RollupState.establishment_id == establishment_id,
            RollupState.week_start >= min(weeks),
            RollupState.week_start <= max(weeks),
        )
        return {row[0]: (row[1], row[2]) for row in self.session.execute(statement)}

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
        self._insert(
            RollupYouthWeek,
            [
                {
                    "establishment_id": establishment_id,
                    "week_start": week.week_start,
                    "person_id": week.person_id,
                    "minutes_direct": week.minutes_direct,
                    "minutes_indirect": week.minutes_indirect,
                    "minutes_by_activity": week.minutes_by_activity,
                    "minutes_by_setting": week.minutes_by_setting,
                    "has_appui": week.has_appui,
                }
                for week in rollups.weeks
            ],
        )
        self._insert(
            RollupYouthDay,
            [
                {
                    "establishment_id": establishment_id,
                    "day": day.day,
                    "person_id": day.person_id,
                    "support": day.support,
                    "modalities": sorted(day.modalities),
                    "minutes_by_modality": day.minutes_by_modality,
                    "half_days": day.half_days,
                    "half_days_by_modality": day.half_days_by_modality,
                    "night": day.night,
                    "actes": day.actes,
                    "seances": day.seances,
                    "absent_sessions": day.absent_sessions,
                }
                for day in rollups.days
            ],
        )
        self._insert(
            RollupQualityDay,
            [
                {
                    "establishment_id": establishment_id,
                    "day": entry.day,
                    "source_id": entry.source_id,
                    "rule_set_version": entry.rule_set_version,
                    "counts": entry.counts,
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

    def _insert(self, model: type[object], rows: list[dict[str, object]]) -> None:
        for index in range(0, len(rows), _CHUNK):
            self.session.execute(insert(model), rows[index : index + _CHUNK])

    # --- reads --------------------------------------------------------------------

    def read(
        self, establishment_ids: Sequence[int], first: dt.date, end: dt.date
    ) -> dict[int, Rollups]:
        """Rollup rows dated in [first, end), per establishment."""
        result: dict[int, Rollups] = {
            establishment_id: Rollups([], [], [], []) for establishment_id in establishment_ids
        }
        week_rows = self.session.execute(
            select(
                RollupYouthWeek.establishment_id,
                RollupYouthWeek.person_id,
                RollupYouthWeek.week_start,
                RollupYouthWeek.minutes_direct,
                RollupYouthWeek.minutes_indirect,
                RollupYouthWeek.minutes_by_activity,
                RollupYouthWeek.minutes_by_setting,
                RollupYouthWeek.has_appui,
            ).where(
                RollupYouthWeek.establishment_id.in_(establishment_ids),
                RollupYouthWeek.week_start >= first,
                RollupYouthWeek.week_start < end,
            )
        )
        for w in week_rows:
            result[w[0]].weeks.append(YouthWeek(w[1], w[2], w[3], w[4], w[5], w[6], w[7]))
        day_rows = self.session.execute(
            select(
                RollupYouthDay.establishment_id,
                RollupYouthDay.person_id,
                RollupYouthDay.day,
                RollupYouthDay.support,
                RollupYouthDay.modalities,
                RollupYouthDay.minutes_by_modality,
                RollupYouthDay.half_days,
                RollupYouthDay.half_days_by_modality,
                RollupYouthDay.night,
                RollupYouthDay.actes,
                RollupYouthDay.seances,
                RollupYouthDay.absent_sessions,
            ).where(
                RollupYouthDay.establishment_id.in_(establishment_ids),
                RollupYouthDay.day >= first,
                RollupYouthDay.day < end,
            )
        )
        for d in day_rows:
            result[d[0]].days.append(
                YouthDay(d[1], d[2], d[3], set(d[4]), d[5], d[6], d[7], d[8], d[9], d[10], d[11])
            )
        quality_rows = self.session.execute(
            select(
                RollupQualityDay.establishment_id,
                RollupQualityDay.day,
                RollupQualityDay.source_id,
                RollupQualityDay.rule_set_version,
                RollupQualityDay.counts,
            ).where(
                RollupQualityDay.establishment_id.in_(establishment_ids),
                RollupQualityDay.day >= first,
                RollupQualityDay.day < end,
            )
        )
        for q in quality_rows:
            result[q[0]].quality.append(QualityDay(q[1], q[2], q[3], dict(q[4])))
        appui_rows = self.session.execute(
            select(
                RollupAppuiDay.establishment_id,
                RollupAppuiDay.day,
                RollupAppuiDay.setting,
                RollupAppuiDay.minutes,
            ).where(
                RollupAppuiDay.establishment_id.in_(establishment_ids),
                RollupAppuiDay.day >= first,
                RollupAppuiDay.day < end,
            )
        )
        for a in appui_rows:
            result[a[0]].appui.append(AppuiDay(a[1], a[2].value, a[3]))
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


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


__all__ = ["RollupRepository", "SessionStatus"]
