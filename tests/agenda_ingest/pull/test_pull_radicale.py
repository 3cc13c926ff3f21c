"""Pulling from a real CalDAV server: Radicale on a free loopback port, with basic auth.

The calendar is uploaded to a collection; a GET on a Radicale collection returns
the whole calendar as text/calendar, which is what a source's URL points at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.service import PullOutcome, PullStatus, configure_source, pull_source
from ditep_core.db import Database
from ditep_core.nomenclatures import ImportStatus
from ditep_core.protection import DataProtection
from ditep_core.settings import BasicCredential, Settings
from tests.agenda_ingest.pull.pulling import stored_source
from tests.conftest import SampleDitep, make_settings, sample_feed
from tests.live import free_port

USER, PASSWORD = "ditep", "caldav-secret"


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """A Radicale server of its own (storage and users under tmp_path); its base URL."""
    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "radicale",
        "--config",
        "",  # no system or user configuration file: only these options
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--storage-filesystem-folder",
        str(tmp_path / "collections"),
        "--auth-type",
        "htpasswd",
        "--auth-htpasswd-filename",
        str(users),
        "--auth-htpasswd-encryption",
        "plain",
        "--logging-level",
        "warning",
    ]
    log_path = tmp_path / "radicale.log"
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("RADICALE_CONFIG", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_it_answers(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                process.kill()
                process.wait(timeout=10)


def _wait_until_it_answers(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"Radicale exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(base, timeout=1)  # any answer will do (401 without credentials)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"Radicale never answered: {log.read_text(errors='replace')}")


def test_a_calendar_on_a_caldav_server_is_pulled_and_ingested(
    radicale: str,
    database: Database,
    sample_ditep: SampleDitep,
    protection: DataProtection,
) -> None:
    collection = f"{radicale}/{USER}/cedres/"
    with httpx.Client(auth=(USER, PASSWORD), timeout=10) as client:
        created = client.request("MKCALENDAR", collection)
        assert created.status_code == 201, created.text
        uploaded = client.put(
            collection, content=sample_feed(), headers={"Content-Type": "text/calendar"}
        )
        assert uploaded.status_code == 201, uploaded.text
    settings: Settings = make_settings(
        pull_backoff_seconds=0,
        pull_credentials={
            "radicale": BasicCredential(kind="basic", username=USER, password=SecretStr(PASSWORD))
        },
    )
    source_id = sample_ditep.establishment_source_id
    with database.unit_of_work() as session:
        configure_source(
            session,
            source_id,
            url=collection,
            credentials_name="radicale",
            allowlist=Allowlist.from_entries(settings.pull_allowed_hosts),
        )

    def pull() -> PullOutcome:
        return pull_source(
            database, source_id, settings=settings, protection=protection, owner="test"
        )

    first = pull()
    assert first.status is PullStatus.FETCHED, first.error
    assert first.imported is not None
    assert first.imported.status is ImportStatus.PROCESSED
    # The same counts as pushing the file itself (see test_cli).
    assert (first.imported.received, first.imported.created, first.imported.rejected) == (
        65,
        65,
        0,
    )
    source = stored_source(database, source_id)
    assert source.http_etag  # Radicale sends an ETag; it is sent back next time
    assert (source.last_pull_status, source.lease_owner) == ("fetched", None)

    second = pull()
    # Radicale answers a collection's GET in full even when the ETag matches: either way
    # nothing changes.
    if second.status is PullStatus.NOT_MODIFIED:
        assert second.imported is None
    else:
        assert second.status is PullStatus.FETCHED
        assert second.imported is not None
        imported = second.imported
        assert (imported.created, imported.updated, imported.deleted, imported.unchanged) == (
            0,
            0,
            0,
            65,
        )

    with database.unit_of_work() as session:
        configure_source(session, source_id, clear_credentials=True)
    refused = pull()
    assert refused.failed
    assert refused.error == f"HTTP 401 Unauthorized from {collection}"
    assert refused.attempts == 1
