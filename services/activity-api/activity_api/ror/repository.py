"""The ROR's ids of our resources and the last push answer per Location."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import RorPushResult, RorResourceId, utc_now


class RorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def ror_ids(self, establishment_id: int) -> dict[str, str]:
        rows = self.session.scalars(
            select(RorResourceId).where(RorResourceId.establishment_id == establishment_id)
        )
        return {row.resource: row.ror_id for row in rows}

    def set_ror_id(self, establishment_id: int, resource: str, ror_id: str) -> RorResourceId:
        row = self.session.get(RorResourceId, (establishment_id, resource))
        if row is None:
            row = RorResourceId(establishment_id=establishment_id, resource=resource)
            self.session.add(row)
        row.ror_id = ror_id
        row.updated_at = utc_now()
        self.session.flush()
        return row

    def pending_attachments(self, establishment_id: int) -> set[str]:
        """Our resources (``Location/…``) the push created and has still to add to their
        HealthcareService."""
        rows = self.session.scalars(
            select(RorResourceId.resource).where(
                RorResourceId.establishment_id == establishment_id,
                RorResourceId.attach_pending.is_(True),
            )
        )
        return set(rows)

    def set_attach_pending(self, establishment_id: int, resource: str, pending: bool) -> None:
        row = self.session.get(RorResourceId, (establishment_id, resource))
        if row is not None:
            row.attach_pending = pending
            self.session.flush()

    def delete_ror_id(self, establishment_id: int, resource: str) -> bool:
        row = self.session.get(RorResourceId, (establishment_id, resource))
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def save_push_result(self, result: RorPushResult) -> None:
        self.session.merge(result)
        self.session.flush()

    def push_results(self, establishment_id: int) -> Sequence[RorPushResult]:
        return self.session.scalars(
            select(RorPushResult)
            .where(RorPushResult.establishment_id == establishment_id)
            .order_by(RorPushResult.location)
        ).all()
