"""Request ids, correlation ids, request logging, and the last-resort 500.

A pure ASGI middleware, outermost of ours. Every request gets a **request id** of
ours (a fresh random id, never the caller's), returned in ``X-Request-ID`` and
recorded in the audit log. The caller's ``X-Correlation-ID`` is kept beside it when
it is well formed (1–64 characters among ``A-Z a-z 0-9 . _ -``; anything else is
dropped): it may repeat another request's, so it identifies nothing on its own. The
*correlation id* named in logs, problem bodies and the ``X-Correlation-ID`` response
header is the caller's when given, else the request id. An unexpected exception
becomes a generic 500 problem naming both ids (the traceback goes to the log only).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


@dataclass(frozen=True, slots=True)
class RequestIds:
    request_id: str  # ours: random, unique per request
    caller_correlation_id: str | None  # the caller's X-Correlation-ID, when well formed

    @property
    def correlation_id(self) -> str:
        return self.caller_correlation_id or self.request_id


_request_ids: ContextVar[RequestIds | None] = ContextVar("request_ids", default=None)

logger = structlog.get_logger("ditep.http")


def current_request_ids() -> RequestIds | None:
    return _request_ids.get()


def current_correlation_id() -> str | None:
    """The caller's correlation id if given, else our request id (None outside a request)."""
    ids = _request_ids.get()
    return ids.correlation_id if ids else None


def current_request_id() -> str | None:
    ids = _request_ids.get()
    return ids.request_id if ids else None


def caller_correlation_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The caller's ``X-Correlation-ID`` if it is well formed, else None."""
    offered = dict(headers).get(CORRELATION_HEADER.encode(), b"").decode("latin-1")
    return offered if _VALID_ID.match(offered) else None


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ids = RequestIds(uuid.uuid4().hex, caller_correlation_id(scope["headers"]))
        correlation_id = ids.correlation_id
        token = _request_ids.set(ids)
        structlog.contextvars.bind_contextvars(
            correlation_id=correlation_id, request_id=ids.request_id
        )
        started = time.perf_counter()
        status_code = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                headers.append((REQUEST_ID_HEADER.encode(), ids.request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled_exception", method=scope["method"], path=scope["path"])
            if response_started:
                raise
            await _send_internal_error(send_with_id, scope["path"], ids)
        finally:
            logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("correlation_id", "request_id")
            _request_ids.reset(token)


async def _send_internal_error(send: Send, path: str, ids: RequestIds) -> None:
    body = json.dumps(
        {
            "type": "/problems/internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "An unexpected error occurred. Quote the correlation_id to the operators.",
            "instance": path,
            "correlation_id": ids.correlation_id,
            "request_id": ids.request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
