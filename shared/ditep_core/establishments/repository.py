"""Queries on establishments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ditep_core.models import Establishment


class EstablishmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_finess(self, finess: str, *, with_capacities: bool = False) -> Establishment | None:
        statement = select(Establishment).where(Establishment.finess == finess)
        if with_capacities:
            statement = statement.options(selectinload(Establishment.capacities))
        return self.session.scalars(statement).one_or_none()

    def get(self, establishment_id: int) -> Establishment | None:
        return self.session.get(Establishment, establishment_id)

    def add(self, establishment: Establishment) -> Establishment:
        self.session.add(establishment)
        self.session.flush()
        return establishment

    def list_all(self) -> Sequence[Establishment]:
        return self.session.scalars(select(Establishment).order_by(Establishment.finess)).all()

    def list_all_with_capacities(self) -> Sequence[Establishment]:
        statement = (
            select(Establishment)
            .options(selectinload(Establishment.capacities))
            .order_by(Establishment.finess)
        )
        return self.session.scalars(statement).all()
