"""Real processes on real ports: a free port to start one on, waiting until it is ready,
and ``ditep serve --samples`` as ``make run`` starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ditep_core import migrations
from tests.conftest import MIGRATIONS_DIR, SAMPLES_DIR, TEST_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(
    base: str, process: subprocess.Popen[Any] | None = None, seconds: float = 60
) -> None:
    """Until `base/readyz` answers 200; fails if `process` exits first or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the service exited with code {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} never became ready")


@dataclass
class ServedSamples:
    ingest: str
    """agenda-ingest's base URL."""
    api: str
    """activity-api's base URL."""
    key: dict[str, str]
    """The Authorization header of the samples' API key."""
    banner: list[str]
    """What the command printed up to its key line."""


@contextmanager
def serve_samples(folder: Path, seconds: float = 90) -> Iterator[ServedSamples]:
    """``ditep serve --samples`` on free ports with a migrated SQLite file in ``folder``,
    both services ready, until the block ends."""
    url = f"sqlite:///{folder / 'serve.sqlite3'}"
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
        banner: list[str] = []
        key = ""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not key:
            line = process.stdout.readline()
            banner.append(line)
            if line.startswith("API key for the samples: "):
                key = line.split(": ", 1)[1].strip()
        assert key, "the banner never printed a key"
        ingest, api = f"http://127.0.0.1:{ingest_port}", f"http://127.0.0.1:{api_port}"
        for base in (ingest, api):
            wait_ready(base, process, seconds=60)
        yield ServedSamples(ingest, api, {"Authorization": f"Bearer {key}"}, banner)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
