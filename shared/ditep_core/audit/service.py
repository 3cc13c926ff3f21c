"""Recording audit events, and what a route's scope is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy.orm import Session

from ditep_core.audit.repository import AuditRepository
from ditep_core.db import Database
from ditep_core.models import AuditEvent, utc_now

logger = structlog.get_logger("ditep.audit")

# Path parameter → scope kind. A route's scope is read from its template, so that a new
# route under /v1/establishments/{finess}/... is audited with its scope without any code.
_SCOPE_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("/establishments/{finess}", "finess", "establishment"),
    ("/departments/{code}", "code", "department"),
    ("/regions/{code}", "code", "region"),
    ("/sources/{source_id}", "source_id", "source"),
    ("/keys/{key_id}", "key_id", "key"),
)


@dataclass(frozen=True, slots=True)
class AuditScope:
    kind: str | None
    code: str | None


def scope_of(route_template: str, path_params: Mapping[str, object]) -> AuditScope:
    for marker, parameter, kind in _SCOPE_PARAMETERS:
        if marker in route_template and parameter in path_params:
            return AuditScope(kind, str(path_params[parameter])[:16])
    return AuditScope(None, None)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    service: str
    client_id: int | None
    method: str
    route: str
    path: str
    scope: AuditScope
    status: int
    correlation_id: str | None
    occurred_at: dt.datetime


def record(session: Session, entry: AuditRecord) -> AuditEvent:
    return AuditRepository(session).add(
        AuditEvent(
            occurred_at=entry.occurred_at,
            service=entry.service,
            client_id=entry.client_id,
            method=entry.method[:16],
            route=entry.route[:300],
            path=entry.path[:2000],
            scope_kind=entry.scope.kind,
            scope_code=entry.scope.code,
            status=entry.status,
            correlation_id=entry.correlation_id,
        )
    )


def record_in_own_transaction(database: Database, entry: AuditRecord) -> bool:
    """Write one event in a short unit of work of its own; False (and a log) on failure.

    Called by the audit middleware before the response is let through: on False the
    middleware answers a 503 instead of the held response.
    """
    try:
        with database.unit_of_work() as session:
            record(session, entry)
    except Exception:
        logger.exception("audit_write_failed", route=entry.route, status=entry.status)
        return False
    return True


def record_cli_action(
    session: Session, command: str, *, scope: AuditScope | None = None, status: int = 0
) -> AuditEvent:
    """An admin action run from the ``ditep`` command (no key: ``client_id`` is None)."""
    return record(
        session,
        AuditRecord(
            service="cli",
            client_id=None,
            method="CLI",
            route=command,
            path=command,
            scope=scope or AuditScope(None, None),
            status=status,
            correlation_id=None,
            occurred_at=utc_now(),
        ),
    )


def search_events(
    session: Session,
    *,
    start: dt.datetime | None,
    end: dt.datetime | None,
    client_id: int | None,
    route: str | None,
    limit: int,
) -> Sequence[AuditEvent]:
    return AuditRepository(session).search(
        start=start, end=end, client_id=client_id, route=route, limit=limit
    )
