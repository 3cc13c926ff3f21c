"""Establishments of an area."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import Establishment


class AreaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def establishments_in_region(self, region_code: str) -> Sequence[Establishment]:
        statement = (
            select(Establishment)
            .where(Establishment.region_code == region_code)
            .order_by(Establishment.finess)
        )
        return self.session.scalars(statement).all()

    def establishments_in_department(self, department_code: str) -> Sequence[Establishment]:
        statement = (
            select(Establishment)
            .where(Establishment.department_code == department_code)
            .order_by(Establishment.finess)
        )
        return self.session.scalars(statement).all()

    def establishments_everywhere(self) -> Sequence[Establishment]:
        statement = select(Establishment).order_by(Establishment.region_code, Establishment.finess)
        return self.session.scalars(statement).all()
