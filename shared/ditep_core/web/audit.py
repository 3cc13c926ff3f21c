"""The audit middleware: one mechanism that records every audited call of every route.

It wraps the routed app, so it sees the matched route's template and path parameters
(hence the scope: establishment, department, region...), the principal the
``Authenticator`` dependency put in the request's audit context, and the final
status. The event is written after the status is known, in a short transaction of
its own (in a worker thread), never in the request's unit of work: a rolled-back
request is still audited, and an audit write never holds the request's locks.

Audited: every ``GET`` under ``/v1/`` (reads of activity, ARS and ROR data, audit
reads), and every call to a route that needs the ``admin`` scope or made with an
admin key; feed pushes by ``feeds:write`` keys are not (they are imports, logged
as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ditep_core.audit.service import AuditRecord, record_in_own_transaction, scope_of
from ditep_core.auth.principal import Principal
from ditep_core.models import utc_now
from ditep_core.nomenclatures import Scope as KeyScope
from ditep_core.web.correlation import current_correlation_id

AUDIT_CONTEXT_KEY = "ditep.audit"


@dataclass(slots=True)
class AuditContext:
    """Filled during the request by the authentication dependency."""

    principal: Principal | None = None
    required_scope: KeyScope | None = None

    @property
    def is_admin_action(self) -> bool:
        return self.required_scope is KeyScope.ADMIN or (
            self.principal is not None and self.principal.is_admin
        )


def audit_context(request: Request) -> AuditContext | None:
    context = request.scope.get(AUDIT_CONTEXT_KEY)
    return context if isinstance(context, AuditContext) else None


class AuditMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        context = AuditContext()
        scope[AUDIT_CONTEXT_KEY] = context
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if scope["method"] == "GET" or context.is_admin_action:
                await self._record(scope, context, status)

    async def _record(self, scope: Scope, context: AuditContext, status: int) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "(no route)"
        path_params = scope.get("path_params") or {}
        entry = AuditRecord(
            service=self.service,
            client_id=context.principal.client_id if context.principal else None,
            method=scope["method"],
            route=template,
            path=scope["path"],
            scope=scope_of(template, path_params),
            status=status,
            correlation_id=current_correlation_id(),
            occurred_at=utc_now(),
        )
        database = scope["app"].state.database
        await anyio.to_thread.run_sync(partial(record_in_own_transaction, database, entry))
