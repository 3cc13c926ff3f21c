"""The request deadline: a caller waits at most ``seconds`` for the start of an answer.

Every wait inside a request is bounded on its own (ditep_core.db); this is the bound on
their sum. Past it, the caller gets a 503 problem with ``Retry-After`` at once. The work
itself cannot be interrupted (a synchronous endpoint runs in a worker thread): it goes
on, ends or is rolled back by its own timeouts, and what it would have answered is
dropped. A feed stored meanwhile keeps its import; its result is read at
``GET /v1/imports/{id}``.
"""

from __future__ import annotations

import json

import anyio
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ditep_core.web.correlation import current_correlation_id
from ditep_core.web.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES

logger = structlog.get_logger("ditep.http")


class DeadlineMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float, retry_after: int) -> None:
        self.app = app
        self.seconds = seconds
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        started = anyio.Event()
        expired = False
        failure: Exception | None = None

        async def send_unless_expired(message: Message) -> None:
            if expired:
                return  # the caller already has its 503
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        async with anyio.create_task_group() as group:

            async def run_app() -> None:
                nonlocal failure
                try:
                    await self.app(scope, receive, send_unless_expired)
                except Exception as error:
                    # Raised again below, as itself (not in an exception group).
                    failure = error
                finally:
                    started.set()

            group.start_soon(run_app)
            with anyio.move_on_after(self.seconds):
                await started.wait()
            if not started.is_set():
                expired = True
                await self._expired(scope, send)
        if failure is not None:
            if expired:
                logger.error("failed_after_deadline", path=scope["path"], error=repr(failure))
                return
            raise failure

    async def _expired(self, scope: Scope, send: Send) -> None:
        body: dict[str, object] = {
            "type": "/problems/service-busy",
            "title": PROBLEM_TYPES["service-busy"][0],
            "status": 503,
            "detail": f"no answer within the request deadline of {self.seconds:g} seconds; "
            "retry later (a feed stored meanwhile is at GET /v1/imports/{id})",
            "instance": scope["path"],
        }
        correlation_id = current_correlation_id()
        if correlation_id:
            body["correlation_id"] = correlation_id
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(payload)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
