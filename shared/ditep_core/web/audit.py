"""The audit middleware: one mechanism that records every call under ``/v1/`` and every
page of the web app under ``/ui/`` (its style sheets aside).

It wraps the routed app, so it sees the matched route's template and path parameters
(hence the scope: establishment, department, region...), the principal the
``Authenticator`` dependency put in the request's audit context, and the final
status.

The event is written **before the response leaves**: the middleware holds back the
``http.response.start`` message, writes the event in a short transaction of its own
(in a worker thread), and only then lets the response through. If the event cannot
be written, the held response is dropped (neither its headers nor its body are
sent) and the caller gets a ``503`` problem naming the request id instead: an
audited call is never answered unaudited (a ``5xx`` answer, which carries no data,
is let through as it is; the failed write is logged either way). The request's own unit of work has
committed by then (the session dependency closes before the response starts), so
no request transaction is held while the event is written, and an audit write
never holds the request's locks. A request that fails before answering is recorded
as a ``500`` before the outer middleware answers it.

Audited: every call under ``/v1/``, whatever its method and outcome: reads, writes
(feed pushes, pulls, freezes, uploads, classifications, admin actions) and refusals
(``401``, ``403``). A call made with a valid key is one row with the key's id, the
route template, the path and query string (bounded, secrets redacted), the status,
our request id, the caller's correlation id and the source address. A call without
a valid key (no key, an unknown or revoked one) is counted instead in one summary
row per service, source address and minute, so that a scan cannot flood the log.
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
from ditep_core.web.correlation import current_request_ids
from ditep_core.web.problems import problem_response

AUDIT_CONTEXT_KEY = "ditep.audit"
AUDIT_UNAVAILABLE = "audit-unavailable"


@dataclass(slots=True)
class AuditContext:
    """Filled during the request by the authentication dependency."""

    principal: Principal | None = None
    required_scope: KeyScope | None = None


def audit_context(request: Request) -> AuditContext | None:
    context = request.scope.get(AUDIT_CONTEXT_KEY)
    return context if isinstance(context, AuditContext) else None


class AuditMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _audited(scope["path"]):
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
                status = message["status"]
                # A server error (a 503 when the database is overloaded, most often) goes
                # out as it is even unrecorded: it carries no data, and its Retry-After
                # and details are worth more to the caller than an audit 503.
                if not await self._record(scope, context, status) and status < 500:
                    refused = True
                    await _refuse(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_once_audited)
        except Exception:
            # The outer middleware answers a 500: record it first (a failed write is
            # logged; the answer is an error either way and carries no data).
            if not started:
                await self._record(scope, context, 500)
            raise
        if not started:
            await self._record(scope, context, 500)

    async def _record(self, scope: Scope, context: AuditContext, status: int) -> bool:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "(no route)"
        path_params = scope.get("path_params") or {}
        ids = current_request_ids()
        client = scope.get("client")
        entry = AuditRecord(
            service=self.service,
            client_id=context.principal.client_id if context.principal else None,
            user_id=context.principal.user_id if context.principal else None,
            method=scope["method"],
            route=template,
            path=scope["path"],
            scope=scope_of(template, path_params),
            status=status,
            correlation_id=ids.caller_correlation_id if ids else None,
            occurred_at=utc_now(),
            request_id=ids.request_id if ids else None,
            query=scope.get("query_string", b"").decode("latin-1"),
            source_address=client[0] if client else None,
        )
        database = scope["app"].state.database
        written: bool = await anyio.to_thread.run_sync(
            partial(record_in_own_transaction, database, entry)
        )
        return written


def _audited(path: str) -> bool:
    """The API under /v1/ and the web app's pages under /ui/ (a page shows what a route
    would: an ARS officer's region page is an ARS read); not the pages' style sheet."""
    if path.startswith("/v1/"):
        return True
    return path.startswith("/ui/") and not path.startswith("/ui/static/")


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        None,
        status=503,
        slug=AUDIT_UNAVAILABLE,
        detail=(
            "The call could not be recorded in the audit log, so it was not answered. "
            "Try again later; quote the request_id to the operators."
        ),
        headers={"Retry-After": "30", "Cache-Control": "no-store"},
        extensions={"instance": scope["path"]},
    )
    await response(scope, receive, send)
