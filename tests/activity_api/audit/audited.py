"""What the audit tests share: the audit log as recorded, and keys whose id they check."""

from __future__ import annotations

from sqlalchemy import select

from ditep_core.auth.service import create_key
from ditep_core.db import Database
from ditep_core.models import AuditEvent
from ditep_core.nomenclatures import Scope


def audit_events(database: Database) -> list[AuditEvent]:
    """The audit log, oldest first."""
    with database.unit_of_work() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def audited_key(
    database: Database, *scopes: Scope, finess: tuple[str, ...] = ()
) -> tuple[int, dict[str, str]]:
    """A new key's client id and its Authorization headers."""
    with database.unit_of_work() as session:
        client, generated = create_key(
            session,
            name="audited",
            scopes=scopes,
            finess=finess,
            # An unbound establishment key must be said so (ditep_core.auth.binding).
            all_establishments=not finess and Scope.ADMIN not in scopes,
        )
        client_id = client.id
    return client_id, {"Authorization": f"Bearer {generated.plaintext}"}
