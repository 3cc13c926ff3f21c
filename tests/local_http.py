"""A real HTTP(S) server on 127.0.0.1 for the tests that need one (pulls, ROR pushes):
served from a thread until the block ends, logging nothing."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing; ``reply`` sends one whole answer."""

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a refused handshake (no client certificate) is what some tests want


@contextmanager
def serving(
    handler: type[http.server.BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[http.server.ThreadingHTTPServer]:
    """Serves ``handler`` on a free port of 127.0.0.1 (over TLS with the server context
    ``tls``) until the block ends; yields the server (its port: ``server_address[1]``)."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    if tls is not None:
        # The handshake happens in the request's thread, not in the accepting one.
        server.socket = tls.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
