"""What the pull tests share: a source as stored, a pulled source added."""

from __future__ import annotations

from ditep_core.db import Database
from ditep_core.models import Source
from ditep_core.nomenclatures import FeedFormat
from tests.conftest import add_sample_source


def stored_source(database: Database, source_id: int) -> Source:
    """The source as stored now, read in a unit of work of its own."""
    with database.unit_of_work() as session:
        source = session.get(Source, source_id)
        assert source is not None
        return source


def add_pulled_source(
    database: Database, name: str, *, url: str | None, feed_format: FeedFormat = FeedFormat.ICAL
) -> int:
    """A source of the sample establishment over the sample's window, pulled from ``url``."""
    with database.unit_of_work() as session:
        return add_sample_source(session, name, feed_format=feed_format, url=url)
