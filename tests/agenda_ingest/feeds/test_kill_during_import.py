"""kill -9 of agenda-ingest during the import of a 20 MB feed, then a restart: the
import is complete or absent (never half applied), its payload was stored before any
parsing, the service answers /readyz at once, and the stored import is applied by
``ditep imports replay``."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.agenda_ingest.feeds.served import prepare_source, serve_ingest
from tests.conftest import TEST_SECRET, TemporaryDatabase, sample_feed

pytestmark = pytest.mark.slow

FEED_BYTES = 20 * 1024 * 1024
EVENTS = re.compile(rb"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n", re.DOTALL)


def large_feed() -> bytes:
    """The sample export's events, copied with new UIDs until the feed weighs 20 MB."""
    sample = sample_feed()
    events = EVENTS.findall(sample)
    head = sample[: sample.index(b"BEGIN:VEVENT")]
    body: list[bytes] = []
    size = len(head)
    copy = 0
    while size < FEED_BYTES:
        for event in events:
            renamed = re.sub(rb"(UID:[^@\r\n]+)@", rb"\1-" + str(copy).encode() + rb"@", event)
            body.append(renamed)
            size += len(renamed)
        copy += 1
    return head + b"".join(body) + b"END:VCALENDAR\r\n"


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_kill_9_during_a_large_import_loses_nothing_and_invents_nothing(
    fresh_database: TemporaryDatabase, tmp_path: Path
) -> None:
    served = prepare_source(fresh_database.url)
    feed = large_feed()
    assert len(feed) >= FEED_BYTES
    log = tmp_path / "ingest.log"
    with serve_ingest(fresh_database.url, log) as (base, process):

        def push() -> None:
            # The server is killed under it.
            with contextlib.suppress(httpx.TransportError):
                httpx.post(
                    f"{base}/v1/sources/{served.source_id}/feed",
                    content=feed,
                    headers={"Content-Type": "text/calendar", **served.headers},
                    timeout=300,
                )

        pusher = threading.Thread(target=push)
        pusher.start()
        deadline = time.monotonic() + 120
        # The receipt is committed before parsing starts: kill as soon as it is there.
        while _scalar(fresh_database.url, "SELECT count(*) FROM feed_import") == 0:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        pusher.join(timeout=60)

    status = _scalar(fresh_database.url, "SELECT status FROM feed_import")
    sessions = _scalar(fresh_database.url, "SELECT count(*) FROM agenda_session")
    # Killed while parsing or applying: nothing of it is applied. (Had it finished, every
    # session would be there; half an import never is.)
    assert (status, sessions) == ("received", 0), (status, sessions)

    with serve_ingest(fresh_database.url, log) as (base, _process):
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
        env = {
            **os.environ,
            "DITEP_DATABASE_URL": fresh_database.url,
            "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        }
        import_id = _scalar(fresh_database.url, "SELECT id FROM feed_import")
        replayed = subprocess.run(
            [sys.executable, "-m", "ditep_cli.main", "imports", "replay", str(import_id)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    # The same import, applied in place: complete now.
    assert _scalar(fresh_database.url, "SELECT status FROM feed_import") == "processed"
    assert _scalar(fresh_database.url, "SELECT count(*) FROM feed_import") == 1
    received = _scalar(fresh_database.url, "SELECT received_count FROM feed_import")
    assert received == _scalar(fresh_database.url, "SELECT count(*) FROM agenda_session")
    assert isinstance(received, int)
    assert received > 100_000
