"""Queries on the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> AuditEvent:
        self.session.add(event)
        self.session.flush()
        return event

    def search(
        self,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        client_id: int | None = None,
        route: str | None = None,
        limit: int = 1000,
    ) -> Sequence[AuditEvent]:
        statement = select(AuditEvent)
        if start is not None:
            statement = statement.where(AuditEvent.occurred_at >= start)
        if end is not None:
            statement = statement.where(AuditEvent.occurred_at < end)
        if client_id is not None:
            statement = statement.where(AuditEvent.client_id == client_id)
        if route is not None:
            statement = statement.where(AuditEvent.route == route)
        statement = statement.order_by(AuditEvent.occurred_at, AuditEvent.id).limit(limit)
        return self.session.scalars(statement).all()
