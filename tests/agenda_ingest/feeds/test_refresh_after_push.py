"""The embedded default: agenda-ingest's own runner refreshes the rollups a push touched."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from agenda_ingest.sources.service import add_source
from ditep_core.db import Database
from ditep_core.models import TaskRun
from ditep_core.nomenclatures import FeedFormat, Scope
from ditep_counting.rollups.service import REFRESH_TASK
from tests.conftest import (
    SAMPLE_FINESS,
    SAMPLE_WINDOW,
    KeyMaker,
    TemporaryDatabase,
    make_settings,
    sample_feed,
)
from tests.http import app_client


def test_a_push_is_counted_once_the_in_process_runner_has_refreshed(
    pooled_database: Database, fresh_database: TemporaryDatabase
) -> None:
    with pooled_database.unit_of_work() as session:
        window_start, window_end = (dt.date.fromisoformat(day) for day in SAMPLE_WINDOW)
        source_id = add_source(
            session,
            finess=SAMPLE_FINESS,
            name="Export",
            feed_format=FeedFormat.ICAL,
            window_start=window_start,
            window_end=window_end,
        ).id
    keys = KeyMaker(pooled_database)
    writer = keys(Scope.FEEDS_WRITE)
    reader = keys(Scope.ACTIVITY_READ)
    # The ingest app runs its runner (SQLite's default, forced here on both databases).
    ingest = create_ingest_app(
        make_settings(fresh_database.url, tasks_in_process=True), database=pooled_database
    )
    api = create_api_app(make_settings(fresh_database.url), database=pooled_database)
    url = f"/v1/establishments/{SAMPLE_FINESS}/activity"
    with app_client(ingest) as ingest_client, app_client(api) as api_client:
        pushed = ingest_client.post(
            f"/v1/sources/{source_id}/feed",
            content=sample_feed(),
            headers={"Content-Type": "text/calendar", **writer},
        )
        assert pushed.status_code == 201, pushed.text
        deadline = time.monotonic() + 30
        while True:
            body = api_client.get(url, params={"period": "2025-03"}, headers=reader).json()
            if not body["stale"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert body["stale"] is False
    assert body["computed_at"] is not None
    assert body["hours"]["direct"] > 0
    with pooled_database.unit_of_work() as session:
        runs = {
            (run.key, run.status)
            for run in session.scalars(select(TaskRun).where(TaskRun.task == REFRESH_TASK))
        }
    # The deferred run of the pushed establishment (beside the sweep at start).
    assert ("establishment_id=1", "succeeded") in runs
    # The app restored the database's dispatcher when it stopped.
    assert pooled_database.dispatcher is not None
    assert pooled_database.dispatcher.__class__.__name__ == "InlineDispatcher"
