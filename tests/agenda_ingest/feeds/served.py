"""agenda-ingest as a real uvicorn process on a real database, for the tests that need
real concurrency, real HTTP and a process that can be killed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agenda_ingest.sources.service import add_source
from ditep_core import migrations
from ditep_core.auth.service import create_key
from ditep_core.db import Database
from ditep_core.establishments.service import add_establishment
from ditep_core.nomenclatures import FeedFormat, Scope
from tests.conftest import MIGRATIONS_DIR, SAMPLE_FINESS, SAMPLE_WINDOW, TEST_SECRET
from tests.live import free_port, wait_ready


@dataclass(frozen=True)
class ServedSource:
    """A migrated database holding one establishment and one iCal source, and a key."""

    url: str
    source_id: int
    headers: dict[str, str]


def prepare_source(url: str, feed_format: FeedFormat = FeedFormat.ICAL) -> ServedSource:
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    window_start, window_end = (dt.date.fromisoformat(day) for day in SAMPLE_WINDOW)
    try:
        with database.unit_of_work() as session:
            add_establishment(session, finess=SAMPLE_FINESS, name="DITEP", region_code="84")
            source_id = add_source(
                session,
                finess=SAMPLE_FINESS,
                name="Export DUI",
                feed_format=feed_format,
                window_start=window_start,
                window_end=window_end,
            ).id
            _client, key = create_key(
                session, name="vendor", scopes=(Scope.FEEDS_WRITE,), finess=(SAMPLE_FINESS,)
            )
    finally:
        database.dispose()
    return ServedSource(url, source_id, {"Authorization": f"Bearer {key.plaintext}"})


@contextmanager
def serve_ingest(
    url: str, log: Path, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """agenda-ingest under uvicorn on a free port; yields its base URL and process."""
    port = free_port()
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        **{f"DITEP_{name.upper()}": value for name, value in settings.items()},
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "agenda_ingest.main:app_factory",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
