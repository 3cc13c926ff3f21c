"""Both services as `make run` starts them: real processes, real HTTP, a real database file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ditep_core import migrations
from tests.conftest import MIGRATIONS_DIR, SAMPLES_DIR, TEST_SECRET
from tests.live import free_port, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, str], str, str]]:
    """`ditep serve --samples` on free ports with a migrated SQLite file."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    migrations.upgrade(url, MIGRATIONS_DIR)
    ingest_port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        "DITEP_INGEST_PORT": str(ingest_port),
        "DITEP_API_PORT": str(api_port),
    }
    command = [sys.executable, "-m", "ditep_cli.main", "serve", "--samples", str(SAMPLES_DIR)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        key = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not key:
            line = process.stdout.readline()
            if line.startswith("API key for the samples: "):
                key = line.split(": ", 1)[1].strip()
        assert key, "the banner never printed a key"
        ingest = f"http://127.0.0.1:{ingest_port}"
        api = f"http://127.0.0.1:{api_port}"
        for base in (ingest, api):
            wait_ready(base, seconds=30)
        yield {"Authorization": f"Bearer {key}"}, ingest, api
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_pushes_and_counts_over_real_http(
    served: tuple[dict[str, str], str, str],
) -> None:
    key, ingest, api = served
    pushed = httpx.post(
        f"{ingest}/v1/sources/1/feed",
        content=(SAMPLES_DIR / "agenda-etablissement.ics").read_bytes(),
        headers={"Content-Type": "text/calendar", **key},
        timeout=30,
    )
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["unchanged"] == 65
    counts = httpx.get(
        f"{api}/v1/establishments/690000017/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=key,
        timeout=30,
    )
    assert counts.status_code == 200, counts.text
    assert counts.json()["file_active"]["total"] == 4
    assert counts.headers["x-correlation-id"]
