"""A saturated service answers 503 with Retry-After, in bounded time, and loses nothing
it accepted: a full ingestion queue, and a lock held elsewhere past the lock timeout."""

from __future__ import annotations

import time

from sqlalchemy import text

from agenda_ingest.main import create_app
from ditep_core.auth.service import create_key
from ditep_core.db import Database
from ditep_core.models import FeedImport
from ditep_core.nomenclatures import Scope
from tests.agenda_ingest.feeds.served import prepare_source
from tests.conftest import (
    SampleDitep,
    TemporaryDatabase,
    make_settings,
    sample_feed,
)
from tests.http import app_client

ICAL = {"Content-Type": "text/calendar"}


def test_a_full_ingestion_queue_is_a_503_with_retry_after(
    database: Database, sample_ditep: SampleDitep
) -> None:
    settings = make_settings(
        ingest_max_concurrent_feeds=1, ingest_queue_timeout_seconds=0.05, retry_after_seconds=7
    )
    app = create_app(settings, database=database)
    with database.unit_of_work() as session:
        _client, key = create_key(
            session, name="vendor", scopes=(Scope.FEEDS_WRITE,), all_establishments=True
        )
    headers = {"Authorization": f"Bearer {key.plaintext}", **ICAL}
    with app_client(app) as client, app.state.ingest_gate.turn():
        response = client.post(
            f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
            content=sample_feed(),
            headers=headers,
        )
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-busy"
    with database.unit_of_work() as session:
        # Refused before it was accepted: nothing stored, the client sends it again.
        assert session.query(FeedImport).count() == 0


def test_a_lock_held_elsewhere_gives_a_503_in_bounded_time(
    fresh_database: TemporaryDatabase,
) -> None:
    served = prepare_source(fresh_database.url)
    settings = make_settings(
        fresh_database.url, database_lock_timeout_ms=300, database_writer_timeout_seconds=1
    )
    database = Database.from_url(fresh_database.url, timeouts=settings.database_timeouts)
    blocker = Database.from_url(fresh_database.url)
    app = create_app(settings, database=database)
    try:
        with blocker.engine.connect() as holder, app_client(app) as client:
            if blocker.is_sqlite:
                holder.exec_driver_sql("COMMIT")  # the recipe's BEGIN: take the write lock
                holder.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                holder.execute(
                    text("SELECT id FROM source WHERE id = :id FOR NO KEY UPDATE"),
                    {"id": served.source_id},
                )
            started = time.monotonic()
            response = client.post(
                f"/v1/sources/{served.source_id}/feed",
                content=sample_feed(),
                headers={**served.headers, **ICAL},
            )
            elapsed = time.monotonic() - started
            holder.rollback()
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert elapsed < 10
        problem = response.json()
        with database.unit_of_work() as session:
            stored = session.query(FeedImport).all()
        if blocker.is_sqlite:
            # SQLite's one writer was held: the feed could not even be stored; not accepted.
            assert stored == []
        else:
            # The row lock of the source: stored first, then refused; replayable as is.
            assert [feed_import.id for feed_import in stored] == [problem["import_id"]]
            assert stored[0].status.value == "received"
    finally:
        database.dispose()
        blocker.dispose()
