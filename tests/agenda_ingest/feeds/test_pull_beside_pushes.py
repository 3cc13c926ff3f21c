"""A pull running while pushes arrive for the same source: one queue, one snapshot left.

The pull fetches from a real HTTP server on 127.0.0.1 and goes through the same
receipt / parse / application as a push, under the same source lock."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from agenda_ingest.feeds.service import ImportOutcome, ingest_feed
from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.service import PullOutcome, SourceBusy, configure_source, pull_source
from ditep_core.db import Database
from ditep_core.nomenclatures import ImportStatus
from ditep_core.protection import DataProtection
from tests.agenda_ingest.feeds.served import prepare_source
from tests.agenda_ingest.feeds.test_concurrent_snapshots import snapshot_with_extra
from tests.conftest import TemporaryDatabase, make_settings
from tests.local_http import QuietHandler, serving

PUSHES = 12
PULLED = snapshot_with_extra(999)


@pytest.fixture
def export_server() -> Iterator[str]:
    class Export(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.reply(200, PULLED, "text/calendar")

    with serving(Export) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/export.ics"


def test_pulls_and_pushes_of_one_source_leave_exactly_one_snapshot(
    fresh_database: TemporaryDatabase, export_server: str, protection: DataProtection
) -> None:
    served = prepare_source(fresh_database.url)
    settings = make_settings(fresh_database.url, pull_allowed_hosts=["127.0.0.1"])
    database = Database.from_url(
        fresh_database.url, pool_size=8, max_overflow=8, timeouts=settings.database_timeouts
    )
    try:
        with database.unit_of_work(write=True) as session:
            configure_source(
                session,
                served.source_id,
                url=export_server,
                allowlist=Allowlist.from_entries(settings.pull_allowed_hosts),
            )

        def push(index: int) -> ImportOutcome:
            return ingest_feed(
                database,
                source_id=served.source_id,
                payload=snapshot_with_extra(index),
                content_type="text/calendar",
                protection=protection,
            )

        def pull(index: int) -> PullOutcome | None:
            try:
                return pull_source(
                    database,
                    served.source_id,
                    settings=settings,
                    protection=protection,
                    owner=f"test-{index}",
                )
            except SourceBusy:
                return None  # another pull of the source holds its lease: fine

        with ThreadPoolExecutor(max_workers=6) as pool:
            pushes = [pool.submit(push, index) for index in range(PUSHES)]
            pulls = [pool.submit(pull, index) for index in range(PUSHES)]
            for pushed in pushes:
                assert pushed.result(timeout=120).status in (
                    ImportStatus.PROCESSED,
                    ImportStatus.SUPERSEDED,
                )
            results = [future.result(timeout=120) for future in pulls]
        pulled = [result for result in results if isinstance(result, PullOutcome)]
        assert pulled, "no pull ran"
        assert all(not outcome.failed for outcome in pulled), pulled
        with database.engine.connect() as connection:
            extras = connection.execute(
                text("SELECT uid FROM agenda_session WHERE uid LIKE 'extra-%'")
            ).scalars()
            statuses: dict[str, int] = dict(
                connection.execute(
                    text("SELECT status, count(*) FROM feed_import GROUP BY status")
                ).all()
            )
            last_status = connection.execute(
                text("SELECT status FROM feed_import ORDER BY id DESC LIMIT 1")
            ).scalar_one()
        assert len(list(extras)) == 1
        assert set(statuses) <= {ImportStatus.PROCESSED.value, ImportStatus.SUPERSEDED.value}
        assert last_status == ImportStatus.PROCESSED.value
    finally:
        database.dispose()
