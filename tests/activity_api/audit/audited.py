"""What the audit tests share: the audit log as recorded, keys whose id they check, and a
GET through the ASGI app that reads the log when the response starts."""

from __future__ import annotations

import anyio
from fastapi import FastAPI
from sqlalchemy import select
from starlette.types import Message
from starlette.types import Scope as AsgiScope

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


def asgi_get(
    app: FastAPI, path: str, query: str, key: dict[str, str], database: Database
) -> tuple[list[Message], list[list[AuditEvent]]]:
    """One GET through the ASGI app, as a server sends it: the messages sent, and the audit
    log as read each time a response started (what was committed by then)."""
    messages: list[Message] = []
    at_start: list[list[AuditEvent]] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            at_start.append(audit_events(database))
        messages.append(message)

    scope: AsgiScope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"authorization", key["Authorization"].encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    return messages, at_start
