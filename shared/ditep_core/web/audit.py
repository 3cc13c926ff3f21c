"""The audit middleware: one mechanism that records every audited call of every route.

It wraps the routed app, so it sees the matched route's template and path parameters
(hence the scope: establishment, department, region...), the principal the
``Authenticator`` dependency put in the request's audit context, and the final
status.

The event is written **before the response leaves**: the middleware holds back the
``http.response.start`` message, writes the event in a short transaction of its own
(in a worker thread), and only then lets the response through. If the event cannot
be written, the held response is dropped (neither its headers nor its body are
sent) and the caller gets a ``503`` problem naming the correlation id instead: an
audited read is never answered unaudited. The request's own unit of work has
committed by then (the session dependency closes before the response starts), so
no request transaction is held while the event is written, and an audit write
never holds the request's locks. A request that fails before answering is recorded
as a ``500`` before the outer middleware answers it.

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
from ditep_core.web.problems import problem_response

AUDIT_CONTEXT_KEY = "ditep.audit"
AUDIT_UNAVAILABLE = "audit-unavailable"


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


def is_audited(scope: Scope, context: AuditContext) -> bool:
    """The rule: every read under /v1/, and every admin action."""
    return scope["method"] == "GET" or context.is_admin_action


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
        started = False
        refused = False

        async def send_once_audited(message: Message) -> None:
            nonlocal started, refused
            if refused:
                # The answer was replaced by a 503: nothing of it leaves.
                return
            if message["type"] == "http.response.start":
                started = True
                if is_audited(scope, context) and not await self._record(
                    scope, context, message["status"]
                ):
                    refused = True
                    await _refuse(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_once_audited)
        except Exception:
            # The outer middleware answers a 500: record it first (a failed write is
            # logged; the answer is an error either way and carries no data).
            if not started and is_audited(scope, context):
                await self._record(scope, context, 500)
            raise
        if not started and is_audited(scope, context):
            await self._record(scope, context, 500)

    async def _record(self, scope: Scope, context: AuditContext, status: int) -> bool:
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
        written: bool = await anyio.to_thread.run_sync(
            partial(record_in_own_transaction, database, entry)
        )
        return written


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        None,
        status=503,
        slug=AUDIT_UNAVAILABLE,
        detail=(
            "The call could not be recorded in the audit log, so it was not answered. "
            "Try again later; quote the correlation_id to the operators."
        ),
        headers={"Retry-After": "30", "Cache-Control": "no-store"},
        extensions={"instance": scope["path"]},
    )
    await response(scope, receive, send)
