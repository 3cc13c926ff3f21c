"""Bodies are bounded while they are read: a 60 MB body is refused early, never held.

Attacks: a 60 MB body streamed without Content-Length (chunked) to the rule-set dry
run (which used to read it whole, +54 MB, before answering 422) and to every other
route that takes a body; the same with an honest Content-Length (refused before one
byte is read); a feed route keeps its own larger limit.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from tests.conftest import MIGRATIONS_DIR, TEST_SECRET, KeyMaker, SampleDitep, make_settings
from tests.http import app_client
from tests.live import free_port

MB = 1024 * 1024
CHUNK = 64 * 1024
F = "690000017"


@dataclass
class CountingBody:
    """``total`` bytes in 64 KiB chunks, counting what the server actually pulled."""

    total: int
    prefix: bytes = b""
    sent: int = field(default=0, init=False)

    def __iter__(self) -> Iterator[bytes]:
        filler = b"x" * CHUNK
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < self.total:
            chunk = filler[: min(CHUNK, self.total - self.sent)]
            self.sent += len(chunk)
            yield chunk


async def _aiter(body: CountingBody) -> Any:
    for chunk in body:
        yield chunk


def _post_streamed(
    app: FastAPI, method: str, path: str, body: CountingBody, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    with app_client(app) as client:
        response = client.request(method, path, content=_aiter(body), headers=headers)
    payload = response.json() if response.content else {}
    return response.status_code, payload


DRY_RUN = f"/v1/establishments/{F}/rulesets/dry-run"
_JSON_FEED_PREFIX = b'{"format": "ical", "feed": "'


def test_a_60_mb_dry_run_is_refused_at_the_limit_without_being_held(
    settings: Settings,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    key = make_key(Scope.ACTIVITY_READ, finess=(F,))
    # The default limits: a dry run carries a feed, so DITEP_MAX_FEED_BYTES (50 MB).
    app = create_ingest_app(make_settings(settings.database_url), database=database)
    body = CountingBody(60 * MB, prefix=_JSON_FEED_PREFIX)
    status, problem = _post_streamed(
        app, "POST", DRY_RUN, body, {**key, "Content-Type": "application/json"}
    )
    assert status == 413, problem
    assert problem["type"] == "/problems/payload-too-large"
    assert "correlation_id" in problem
    limit = app.state.settings.max_feed_bytes
    # Read up to the limit (plus the chunk that passed it), not one chunk more.
    assert body.sent <= limit + 2 * CHUNK, body.sent
    # With a small limit, the server stops a 60 MB body after about that many bytes.
    small = create_ingest_app(
        make_settings(settings.database_url, max_feed_bytes=MB), database=database
    )
    body = CountingBody(60 * MB, prefix=_JSON_FEED_PREFIX)
    status, problem = _post_streamed(
        small, "POST", DRY_RUN, body, {**key, "Content-Type": "application/json"}
    )
    assert status == 413, problem
    assert body.sent <= MB + 2 * CHUNK, body.sent


def test_a_declared_content_length_past_the_limit_is_refused_before_reading(
    settings: Settings, database: Database, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ADMIN)
    app = create_ingest_app(make_settings(settings.database_url), database=database)
    body = CountingBody(60 * MB)
    status, problem = _post_streamed(
        app,
        "POST",
        DRY_RUN,
        body,
        {**key, "Content-Type": "application/json", "Content-Length": str(60 * MB)},
    )
    assert status == 413, problem
    assert str(60 * MB) in problem["detail"]
    assert body.sent == 0


# (service, method, path, media type, reads its body)
BODY_ROUTES = [
    ("ingest", "POST", "/v1/sources/{source}/feed", "text/calendar", True),
    ("ingest", "POST", DRY_RUN, "application/json", True),
    ("ingest", "POST", f"/v1/establishments/{F}/rulesets", "application/yaml", True),
    ("ingest", "PUT", f"/v1/establishments/{F}/places", "application/yaml", True),
    ("ingest", "POST", f"/v1/establishments/{F}/review/g/classification", "application/json", True),
    ("ingest", "POST", f"/v1/establishments/{F}/review/g/rule", "application/json", True),
    ("ingest", "POST", f"/v1/establishments/{F}/reclassify", "application/json", False),
    ("ingest", "POST", "/v1/sources/{source}/pull", "application/json", False),
    ("api", "PUT", f"/v1/establishments/{F}/pathways", "application/json", True),
    ("api", "PUT", f"/v1/establishments/{F}/pathways", "text/csv", True),
    ("api", "PUT", f"/v1/establishments/{F}/complexity-flags", "application/json", True),
    ("api", "PUT", f"/v1/establishments/{F}/complexity-flags", "text/csv", True),
    ("api", "POST", f"/v1/establishments/{F}/periods/2025-Q1/freeze", "application/json", False),
    ("api", "POST", "/v1/keys/1/rotate", "application/json", False),
]
FEED_ROUTES = {"/v1/sources/{source}/feed", DRY_RUN}


@pytest.mark.parametrize(
    ("service", "method", "template", "media_type", "reads"),
    BODY_ROUTES,
    ids=[f"{r[1]} {r[2]} {r[3]}" for r in BODY_ROUTES],
)
def test_every_route_with_a_body_is_bounded(
    settings: Settings,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    service: str,
    method: str,
    template: str,
    media_type: str,
    reads: bool,
) -> None:
    configured = make_settings(settings.database_url, max_body_bytes=4096, max_feed_bytes=65536)
    factory = create_ingest_app if service == "ingest" else create_api_app
    app = factory(configured, database=database)
    path = template.format(source=sample_ditep.establishment_source_id)
    headers = {**make_key(Scope.ADMIN), "Content-Type": media_type}
    limit = 65536 if template in FEED_ROUTES else 4096
    # Declared: refused before the app runs, whatever the route does with a body.
    body = CountingBody(60 * MB)
    status, problem = _post_streamed(
        app, method, path, body, {**headers, "Content-Length": str(60 * MB)}
    )
    assert (status, body.sent) == (413, 0), problem
    if reads:
        # Streamed: refused once the limit is passed.
        body = CountingBody(60 * MB)
        status, problem = _post_streamed(app, method, path, body, headers)
        assert status == 413, problem
        assert body.sent <= limit + 2 * CHUNK
    # Under the limit, the route answers as it would (never 413).
    small = b"[]" if media_type == "application/json" else b"x"
    with app_client(app) as client:
        response = client.request(method, path, content=small, headers=headers)
    assert response.status_code != 413, response.text


def test_a_feed_may_exceed_the_body_limit_up_to_the_feed_limit(
    settings: Settings, database: Database, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    configured = make_settings(settings.database_url, max_body_bytes=1024)
    app = create_ingest_app(configured, database=database)
    headers = {**make_key(Scope.ACTIVITY_READ, finess=(F,)), "Content-Type": "application/json"}
    rules_like = json.dumps({"format": "ical", "feed": "BEGIN:VCALENDAR\r\n" + " " * 4000})
    with app_client(app) as client:
        response = client.post(DRY_RUN, content=rules_like, headers=headers)
    # Past max_body_bytes, under max_feed_bytes: read and answered by the route.
    assert response.status_code in {200, 422}, response.text
    assert response.json().get("type") != "/problems/payload-too-large"


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_real_server_answers_413_early_without_holding_the_body(tmp_path: Path) -> None:
    """uvicorn, a socket, 60 MB sent chunked to the dry run with a 5 MB feed limit: the
    413 arrives while the client is still sending, and the server's peak memory grows
    by far less than the body."""
    url = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    migrations.upgrade(url, MIGRATIONS_DIR)
    port = free_port()
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        "DITEP_MAX_FEED_BYTES": str(5 * MB),
    }
    command = [sys.executable, "-m", "uvicorn", "agenda_ingest.main:app_factory", "--factory"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        before = _peak_rss_kib(process.pid)
        sent, answer = _send_chunked(port, DRY_RUN, 60 * MB)
        after = _peak_rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"payload-too-large" in answer
    assert sent < 30 * MB, sent  # answered long before the end of the body
    assert after - before < 25 * 1024, (before, after)  # KiB: far less than 60 MB


def _send_chunked(port: int, path: str, total: int) -> tuple[int, bytes]:
    """Send ``total`` bytes chunked until the server answers; what was sent, the answer."""
    chunk = b"x" * CHUNK
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head + b'5\r\n{"a":\r\n')
        try:
            while sent < total:
                readable, _, _ = select.select([connection], [], [], 0)
                if readable:
                    break
                connection.sendall(framed)
                sent += len(chunk)
        except OSError:
            pass  # the server closed its side after answering
        answer = b""
        try:
            while data := connection.recv(65536):
                answer += data
                if b"\r\n\r\n" in answer and answer.endswith(b"}"):
                    break
        except OSError:
            pass
    return sent, answer
