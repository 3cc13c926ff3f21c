"""Our side of the ingestion benchmarks: one feed into a fresh, migrated SQLite file."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from agenda_ingest.feeds.service import ImportOutcome, ingest_payload
from agenda_ingest.sources.repository import SourceRepository
from agenda_ingest.sources.service import add_source
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.establishments.service import add_establishment
from ditep_core.nomenclatures import FeedFormat
from ditep_core.protection import DataProtection
from ditep_core.settings import REPOSITORY_ROOT

MIGRATIONS_DIR = REPOSITORY_ROOT / "migrations"
SECRET = "benchmark-secret-0123456789abcdef0123456789"
CONTENT_TYPES = {FeedFormat.ICAL: "text/calendar", FeedFormat.FHIR: "application/fhir+json"}


def ingest_into_fresh_database(
    data: bytes,
    directory: Path,
    *,
    feed_format: FeedFormat,
    window: tuple[dt.date, dt.date],
) -> tuple[float, ImportOutcome]:
    """Seconds the ingestion of ``data`` takes (parse to commit), and its outcome.

    The database is created and migrated first, outside the timing.
    """
    url = f"sqlite:///{directory / f'bench-{time.monotonic_ns()}.sqlite3'}"
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url)
    protection = DataProtection.from_secret(SECRET)
    try:
        with database.unit_of_work() as session:
            add_establishment(session, finess="690000017", name="Bench", region_code="84")
            source_id = add_source(
                session,
                finess="690000017",
                name="bench",
                feed_format=feed_format,
                window_start=window[0],
                window_end=window[1],
            ).id
        started = time.perf_counter()
        outcome = ingest_into(
            database, source_id, data, CONTENT_TYPES[feed_format], protection, dt.date(2025, 1, 1)
        )
        return time.perf_counter() - started, outcome
    finally:
        database.dispose()


def ingest_into(
    database: Database,
    source_id: int,
    payload: bytes,
    content_type: str,
    protection: DataProtection,
    today: dt.date,
) -> ImportOutcome:
    """``payload`` ingested into the source in one unit of work (parse to commit), as a
    push does once received; its outcome."""
    with database.unit_of_work() as session:
        source = SourceRepository(session).get_with_establishment(source_id)
        assert source is not None
        return ingest_payload(
            session,
            source=source,
            payload=payload,
            content_type=content_type,
            protection=protection,
            today=today,
        )
