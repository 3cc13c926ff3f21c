"""Every query of the transmissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ditep_core.models import AgendaSession, Transmission, TransmissionLate


class TransmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def versions(self, establishment_id: int, period_code: str) -> Sequence[Transmission]:
        statement = (
            select(Transmission)
            .where(
                Transmission.establishment_id == establishment_id,
                Transmission.period_code == period_code,
            )
            .order_by(Transmission.version)
        )
        return self.session.scalars(statement).all()

    def all_versions(self, establishment_id: int) -> Sequence[Transmission]:
        statement = (
            select(Transmission)
            .where(Transmission.establishment_id == establishment_id)
            .order_by(Transmission.period_code, Transmission.version)
        )
        return self.session.scalars(statement).all()

    def latest_for(
        self, establishment_ids: Sequence[int], period_code: str
    ) -> dict[int, tuple[Transmission, int]]:
        """Each establishment's latest version of the quarter, with its version count."""
        if not establishment_ids:
            return {}
        latest = (
            select(
                Transmission.establishment_id,
                func.max(Transmission.version).label("version"),
            )
            .where(
                Transmission.establishment_id.in_(establishment_ids),
                Transmission.period_code == period_code,
            )
            .group_by(Transmission.establishment_id)
            .subquery()
        )
        statement = select(Transmission).join(
            latest,
            (Transmission.establishment_id == latest.c.establishment_id)
            & (Transmission.version == latest.c.version)
            & (Transmission.period_code == period_code),
        )
        return {row.establishment_id: (row, row.version) for row in self.session.scalars(statement)}

    def first_transmitted_at(
        self, establishment_ids: Sequence[int], period_code: str
    ) -> dict[int, dt.datetime]:
        """When each establishment first transmitted the quarter (version 1)."""
        if not establishment_ids:
            return {}
        statement = select(Transmission.establishment_id, Transmission.transmitted_at).where(
            Transmission.establishment_id.in_(establishment_ids),
            Transmission.period_code == period_code,
            Transmission.version == 1,
        )
        return {row[0]: row[1] for row in self.session.execute(statement)}

    def add(self, transmission: Transmission) -> Transmission:
        self.session.add(transmission)
        self.session.flush()
        return transmission

    def first_session_start(self, establishment_id: int) -> dt.datetime | None:
        statement = select(func.min(AgendaSession.start_at)).where(
            AgendaSession.establishment_id == establishment_id
        )
        value = self.session.scalar(statement)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    # --- late quarters (the transmissions.mark_late task) -----------------------------

    def late_marks(self, establishment_id: int) -> dict[str, TransmissionLate]:
        """The quarters of the establishment recorded late, by period code."""
        statement = select(TransmissionLate).where(
            TransmissionLate.establishment_id == establishment_id
        )
        return {row.period_code: row for row in self.session.scalars(statement)}

    def late_marks_for(
        self, establishment_ids: Sequence[int], period_code: str
    ) -> dict[int, TransmissionLate]:
        """Which of the establishments have the quarter recorded late."""
        if not establishment_ids:
            return {}
        statement = select(TransmissionLate).where(
            TransmissionLate.establishment_id.in_(establishment_ids),
            TransmissionLate.period_code == period_code,
        )
        return {row.establishment_id: row for row in self.session.scalars(statement)}

    def mark_late(
        self, establishment_id: int, period_code: str, deadline: dt.date, now: dt.datetime
    ) -> bool:
        """Record the quarter late; False when it already was (by this run or another)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(TransmissionLate)
            .values(
                establishment_id=establishment_id,
                period_code=period_code,
                deadline=deadline,
                marked_at=now,
            )
            .on_conflict_do_nothing(index_elements=["establishment_id", "period_code"])
            .returning(TransmissionLate.id)
        )
        return self.session.execute(statement).first() is not None
