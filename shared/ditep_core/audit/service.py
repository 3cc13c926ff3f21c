"""Recording audit events, and what a route's scope is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

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


# Bounds of what a row keeps of a request (each within its column's width).
MAX_PATH = 1000
MAX_QUERY = 1000
MAX_ROUTE = 300
MAX_ADDRESS = 64
CUT_MARK = "…"
REDACTED = "(redacted)"
# Query parameters whose values are secrets, compared lower-cased, "-" read as "_".
SECRET_PARAMETERS = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "access_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "authorization",
        "credentials",
        "signature",
        "sig",
    }
)
# A value that looks like one of our keys is redacted whatever its parameter's name.
_KEY_VALUE = re.compile(r"ditep_", re.IGNORECASE)


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and a cut mark."""
    return text if len(text) <= limit else text[: limit - len(CUT_MARK)] + CUT_MARK


def redact_query(query: str) -> str | None:
    """The query string with secret values replaced, cut to ``MAX_QUERY``; None if empty.

    Pairs are kept as sent (order, encoding); only values are replaced, so what was
    read (``period=2025-Q1``) stays visible while ``token=...`` does not.
    """
    if not query:
        return None
    pairs = []
    for pair in query.split("&"):
        name, separator, value = pair.partition("=")
        plain_name = unquote_plus(name).strip().lower().replace("-", "_")
        if _KEY_VALUE.search(plain_name):
            pairs.append(REDACTED)  # a key sent as a parameter's name
            continue
        if separator and (
            plain_name in SECRET_PARAMETERS or _KEY_VALUE.search(unquote_plus(value))
        ):
            value = REDACTED
        pairs.append(f"{name}{separator}{value}")
    return cut("&".join(pairs), MAX_QUERY)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    service: str
    client_id: int | None
    method: str
    route: str
    path: str
    scope: AuditScope
    status: int
    correlation_id: str | None  # the caller's X-Correlation-ID
    occurred_at: dt.datetime
    request_id: str | None = None  # ours
    query: str | None = None  # as received: redacted and cut when recorded
    source_address: str | None = None
    user_id: int | None = None  # a person signed in to the web app


def _event(entry: AuditRecord) -> AuditEvent:
    return AuditEvent(
        occurred_at=entry.occurred_at,
        service=entry.service,
        client_id=entry.client_id,
        user_id=entry.user_id,
        method=entry.method[:16],
        route=cut(entry.route, MAX_ROUTE),
        path=cut(entry.path, MAX_PATH),
        scope_kind=entry.scope.kind,
        scope_code=entry.scope.code,
        status=entry.status,
        correlation_id=entry.correlation_id[:64] if entry.correlation_id else None,
        request_id=entry.request_id[:32] if entry.request_id else None,
        query=redact_query(entry.query) if entry.query else None,
        source_address=entry.source_address[:MAX_ADDRESS] if entry.source_address else None,
        request_count=1,
    )


def record(session: Session, entry: AuditRecord) -> AuditEvent:
    return AuditRepository(session).add(_event(entry))


def summary_minute(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC).replace(second=0, microsecond=0)


def count_unauthenticated(session: Session, entry: AuditRecord) -> None:
    """Count an unauthenticated request in its address's row for the minute.

    A caller without a valid key is not recorded request by request (a scan would
    flood the log): one row per service, source address and minute holds the count,
    with the first request's method, route, path, query, status and ids.
    """
    minute = summary_minute(entry.occurred_at)
    address = (entry.source_address or "unknown")[:MAX_ADDRESS]
    event = _event(entry)
    event.source_address = address
    event.summary_minute = minute
    AuditRepository(session).count_in_summary(
        event, service=entry.service, address=address, minute=minute
    )


def record_in_own_transaction(database: Database, entry: AuditRecord) -> bool:
    """Write one event in a short unit of work of its own; False (and a log) on failure.

    Called by the audit middleware before the response is let through: on False the
    middleware answers a 503 instead of the held response. A request without a
    known key is counted in its address's summary row of the minute.
    """
    try:
        with database.unit_of_work() as session:
            if entry.client_id is None:
                count_unauthenticated(session, entry)
            else:
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


def record_task_action(
    session: Session, task: str, action: str, *, scope: AuditScope | None = None
) -> AuditEvent:
    """What a background task decided on its own (no key, no request): ``service`` is
    "tasks", ``method`` "TASK", ``route`` the task's name and ``path`` the action."""
    return record(
        session,
        AuditRecord(
            service="tasks",
            client_id=None,
            method="TASK",
            route=task,
            path=action,
            scope=scope or AuditScope(None, None),
            status=0,
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
