"""Fifty different snapshots of one source pushed at once, to a real server on a real
database (SQLite, and PostgreSQL when configured): no 5xx, nothing hangs, every payload
is stored, and exactly one snapshot remains: the one received last."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.agenda_ingest.feeds.served import prepare_source, serve_ingest
from tests.conftest import TemporaryDatabase, sample_feed

PUSHES = 50
TIME_LIMIT_SECONDS = 180
"""A hang (a request waiting on a lock held by a stuck transaction) fails the test here."""
SAMPLE_SESSIONS = 65


def snapshot_with_extra(index: int) -> bytes:
    """The sample export plus one event of its own: 50 different snapshots."""
    extra = (
        "BEGIN:VEVENT\r\n"
        f"UID:extra-{index}@vendor.example\r\n"
        "DTSTAMP:20250331T180000Z\r\n"
        "DTSTART;TZID=Europe/Paris:20250310T100000\r\n"
        "DTEND;TZID=Europe/Paris:20250310T110000\r\n"
        f"SUMMARY:Atelier {index}\r\n"
        "END:VEVENT\r\n"
    )
    return sample_feed().decode().replace("END:VCALENDAR", extra + "END:VCALENDAR").encode()


async def _push_all(base: str, source_id: int, headers: dict[str, str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=PUSHES)
    async with httpx.AsyncClient(timeout=TIME_LIMIT_SECONDS, limits=limits) as client:
        pushes = (
            client.post(
                f"{base}/v1/sources/{source_id}/feed",
                content=snapshot_with_extra(index),
                headers={"Content-Type": "text/calendar", **headers},
            )
            for index in range(PUSHES)
        )
        return await asyncio.wait_for(asyncio.gather(*pushes), TIME_LIMIT_SECONDS)


@pytest.mark.slow
def test_fifty_concurrent_snapshots_leave_exactly_the_last_one(
    fresh_database: TemporaryDatabase, tmp_path: Path
) -> None:
    served = prepare_source(fresh_database.url)
    log = tmp_path / "ingest.log"
    with serve_ingest(fresh_database.url, log) as (base, _process):
        started = time.monotonic()
        responses = asyncio.run(_push_all(base, served.source_id, served.headers))
        elapsed = time.monotonic() - started
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, (statuses, log.read_text()[-3000:])
    assert elapsed < TIME_LIMIT_SECONDS
    applied = [response.json() for response in responses if response.status_code == 201]
    superseded = [response.json() for response in responses if response.status_code == 409]
    assert applied, statuses
    for problem in superseded:
        assert problem["type"] == "/problems/snapshot-superseded"
        assert problem["newer_import_id"] > problem["import_id"]

    engine = create_engine(fresh_database.url)
    try:
        with engine.connect() as connection:
            extras = connection.execute(
                text("SELECT uid FROM agenda_session WHERE uid LIKE 'extra-%'")
            ).scalars()
            extra_uids = list(extras)
            total = connection.execute(
                text("SELECT count(*) FROM agenda_session WHERE source_id = :source"),
                {"source": served.source_id},
            ).scalar_one()
            imports: dict[str, int] = dict(
                connection.execute(
                    text("SELECT status, count(*) FROM feed_import GROUP BY status")
                ).all()
            )
            last = connection.execute(text("SELECT max(id) FROM feed_import")).scalar_one()
            last_status = connection.execute(
                text("SELECT status FROM feed_import WHERE id = :id"), {"id": last}
            ).scalar_one()
    finally:
        engine.dispose()
    # A snapshot is the whole agenda: one extra event may remain, not fifteen.
    assert len(extra_uids) == 1, extra_uids
    assert total == SAMPLE_SESSIONS + 1
    # Every payload was stored; each one applied or superseded, none lost or pending.
    expected = {"processed": len(applied), "superseded": len(superseded)}
    assert imports == {status: count for status, count in expected.items() if count}
    # The snapshot received last is never superseded: it is the one that remains.
    assert last_status == "processed"
