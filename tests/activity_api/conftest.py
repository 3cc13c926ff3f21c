"""Fixtures of the activity-api tests."""

from __future__ import annotations

import pytest

from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep, push_both_sample_feeds
from tests.http import AppClient


@pytest.fixture
def ingested(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> SampleDitep:
    """Both sample feeds pushed: the establishment export and Claire Martin's agenda."""
    push_both_sample_feeds(ingest_client, sample_ditep, make_key(Scope.FEEDS_WRITE))
    return sample_ditep
