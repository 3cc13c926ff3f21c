"""A failed pull moves the pull-failure counter of its source and marks the source in
the database gauge; a pull that succeeds afterwards clears the mark."""

from __future__ import annotations

import datetime as dt

import httpx
import respx
from prometheus_client.parser import text_string_to_metric_families

from agenda_ingest.main import create_app as create_ingest_app
from agenda_ingest.pull.service import configure_source, pull_source
from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from tests.conftest import SampleDitep, make_settings
from tests.http import app_client

URL = "https://dui.example/cedres/metrics.ics"
EMPTY_CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


def _scrape(settings: Settings, database: Database) -> dict[tuple[str, str], float]:
    app = create_ingest_app(
        make_settings(settings.database_url, metrics_cache_seconds=0), database=database
    )
    with app_client(app) as client:
        text = client.get("/metrics").text
    return {
        (sample.name, sample.labels.get("source_id", "")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in {"ditep_pull_failures_total", "ditep_pull_source_failing"}
    }


def test_a_failed_pull_is_counted_and_marks_its_source(
    settings: Settings,
    database: Database,
    sample_ditep: SampleDitep,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = sample_ditep.establishment_source_id
    label = str(source_id)
    with database.unit_of_work() as session:
        configure_source(session, source_id, url=URL)
    pull_settings = make_settings(settings.database_url, pull_backoff_seconds=0)
    before = _scrape(settings, database)
    mock.get(URL).mock(return_value=httpx.Response(503))
    now = dt.datetime(2025, 3, 10, 8, tzinfo=dt.UTC)
    outcome = pull_source(
        database, source_id, settings=pull_settings, protection=protection, owner="t", now=now
    )
    assert outcome.failed
    failed = _scrape(settings, database)
    counter = ("ditep_pull_failures_total", label)
    assert failed[counter] == before.get(counter, 0) + 1
    assert failed[("ditep_pull_source_failing", label)] == 1

    mock.get(URL).mock(return_value=httpx.Response(200, content=EMPTY_CALENDAR))
    later = now + dt.timedelta(hours=1)
    assert not pull_source(
        database, source_id, settings=pull_settings, protection=protection, owner="t", now=later
    ).failed
    recovered = _scrape(settings, database)
    assert ("ditep_pull_source_failing", label) not in recovered
    assert recovered[counter] == failed[counter]
