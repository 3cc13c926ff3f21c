"""Correlation ids, request logging, and the last-resort 500.

A pure ASGI middleware, outermost of ours: it takes the caller's
``X-Correlation-ID`` (or makes one), binds it to every log line of the request,
returns it in the response header, and turns an unexpected exception into a
generic 500 problem that names the id (the traceback goes to the log only).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

logger = structlog.get_logger("ditep.http")


def current_correlation_id() -> str | None:
    return _correlation_id.get()


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(CORRELATION_HEADER.encode(), b"").decode("latin-1")
        correlation_id = offered if _VALID_ID.match(offered) else uuid.uuid4().hex
        token = _correlation_id.set(correlation_id)
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
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
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled_exception", method=scope["method"], path=scope["path"])
            if response_started:
                raise
            await _send_internal_error(send_with_id, scope["path"], correlation_id)
        finally:
            logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("correlation_id")
            _correlation_id.reset(token)


async def _send_internal_error(send: Send, path: str, correlation_id: str) -> None:
    body = json.dumps(
        {
            "type": "/problems/internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "An unexpected error occurred. Quote the correlation_id to the operators.",
            "instance": path,
            "correlation_id": correlation_id,
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
