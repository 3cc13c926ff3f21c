"""Queries on the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ditep_core.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> AuditEvent:
        self.session.add(event)
        self.session.flush()
        return event

    def count_in_summary(
        self, event: AuditEvent, *, service: str, address: str, minute: dt.datetime
    ) -> None:
        """Add one request to the summary row of (service, address, minute), or create it.

        ``event`` is the row to insert when there is none yet. Two writers racing on
        the first request of a minute meet on the unique index: the loser counts in
        the winner's row.
        """
        for _attempt in range(3):
            counted = self.session.execute(
                update(AuditEvent)
                .where(
                    AuditEvent.service == service,
                    AuditEvent.source_address == address,
                    AuditEvent.summary_minute == minute,
                )
                .values(request_count=AuditEvent.request_count + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(counted, "rowcount", 0):
                return
            try:
                with self.session.begin_nested():
                    self.session.add(event)
                    self.session.flush()
            except IntegrityError:
                # The savepoint's rollback expunged the row: count in the other one.
                continue
            return
        raise RuntimeError("could not count a request in its audit summary row")

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
