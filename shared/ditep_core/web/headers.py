"""Headers every response carries (one pure ASGI middleware, outermost, both services).

- ``X-Content-Type-Options: nosniff`` on every response: a CSV, a problem or a
  JSON body is never read by a browser as HTML or script.
- ``Cache-Control: no-store`` on every response under ``/v1/`` (keys, figures,
  pseudonyms, audit events): no browser, proxy or shared cache keeps a copy. The
  activity route's ``ETag`` still works for a client that keeps its own copy and
  sends ``If-None-Match`` (304): revalidation does not need an HTTP cache, so
  ``private, no-cache`` (which would let a browser store figures on disk) is not used.
  A route that sets its own ``Cache-Control`` keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
PRIVATE_PREFIX = "/v1/"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(PRIVATE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != NOSNIFF[0]
                ]
                headers.append(NOSNIFF)
                if private and not any(name.lower() == NO_STORE[0] for name, _ in headers):
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
