"""Bodies are bounded while they are read: a 60 MB body is refused early, never held.

Attacks: a 60 MB body streamed without Content-Length (chunked) to the rule-set dry
run (which used to read it whole, +54 MB, before answering 422) and to every other
route that takes a body; the same with an honest Content-Length (refused before one
byte is read); a feed route keeps its own larger limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings

from .conftest import KeyMaker, SampleDitep, make_settings
from .http import app_client

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
) -> tuple[int, dict[str, Any], float]:
    with app_client(app) as client:
        started = time.perf_counter()
        response = client.request(method, path, content=_aiter(body), headers=headers)
        elapsed = time.perf_counter() - started
    payload = response.json() if response.content else {}
    return response.status_code, payload, elapsed


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
    status, problem, elapsed = _post_streamed(
        app, "POST", DRY_RUN, body, {**key, "Content-Type": "application/json"}
    )
    assert status == 413, problem
    assert problem["type"] == "/problems/payload-too-large"
    assert "correlation_id" in problem
    limit = app.state.settings.max_feed_bytes
    # Read up to the limit (plus the chunk that passed it), not one chunk more.
    assert body.sent <= limit + 2 * CHUNK, body.sent
    assert elapsed < 30, elapsed
    # With a small limit, the server stops a 60 MB body after about that many bytes.
    small = create_ingest_app(
        make_settings(settings.database_url, max_feed_bytes=MB), database=database
    )
    body = CountingBody(60 * MB, prefix=_JSON_FEED_PREFIX)
    status, problem, _ = _post_streamed(
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
    status, problem, _ = _post_streamed(
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
    status, problem, _ = _post_streamed(
        app, method, path, body, {**headers, "Content-Length": str(60 * MB)}
    )
    assert (status, body.sent) == (413, 0), problem
    if reads:
        # Streamed: refused once the limit is passed.
        body = CountingBody(60 * MB)
        status, problem, _ = _post_streamed(app, method, path, body, headers)
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
