"""Request bodies are bounded while they are read, never after.

``BodyLimitMiddleware`` (both services, inside the correlation middleware) gives
every request a byte limit from its path: the routes that carry a feed get
``DITEP_MAX_FEED_BYTES``, every other route ``DITEP_MAX_BODY_BYTES``. A declared
``Content-Length`` over the limit is answered ``413`` before the app runs and
before a byte of the body is read; a body sent without one (chunked) is counted as
it arrives, and the first chunk past the limit stops the reading: whatever the app
was doing with it (FastAPI parsing JSON, a dependency streaming it) is abandoned and
the caller gets the same ``413`` problem. At most ``limit`` bytes (plus one chunk)
are ever held, whatever the route does with its body.

Routes that read their body themselves use ``read_body_within`` (same limit, same
problem), so that a route called without the middleware (a test app, another ASGI
stack) is bounded too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ditep_core.web.problems import PayloadTooLarge, problem_response


class _BodyTooLarge(Exception):
    """Raised into the app when its body passes the limit; never leaves the middleware."""


async def read_body_within(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class BodyLimitMiddleware:
    """``limits``: (path regular expression, byte limit), the first full match wins;
    other paths get ``default_limit``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        limits: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = [(re.compile(pattern), limit) for pattern, limit in limits]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.limits:
            if pattern.fullmatch(path):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, f"the body is {declared} bytes; the limit is {limit} bytes")
            return
        size = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal size, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                # The app's answer to an abandoned read (a 400 for a body it could not
                # parse, a 500): replaced by the 413 below.
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await _refuse(scope, send, f"the body is over the limit of {limit} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(scope: Scope, send: Send, detail: str) -> None:
    async def no_body() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    request = Request(scope)
    response = problem_response(
        request,
        status=413,
        slug="payload-too-large",
        detail=detail,
        # The rest of the body is not read: the connection cannot be reused.
        headers={"Connection": "close"},
    )
    await response(scope, no_body, send)
