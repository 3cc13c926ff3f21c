"""Fixtures of the counting tests: the worked example pushed through agenda-ingest."""

from __future__ import annotations

from typing import Any

import pytest

from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep
from tests.counting.feeds import EXPORT_EVENTS, calendar, educator_feed, export_feed
from tests.http import AppClient

URL = "/v1/establishments/690000017/activity"


def get(client: AppClient, key: dict[str, str], **params: str) -> dict[str, Any]:
    """The sample DITEP's activity body (200 expected)."""
    response = client.get(URL, params=params, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def push(
    client: AppClient,
    source_id: int,
    body: bytes,
    key: dict[str, str],
    *,
    allow_mass_delete: bool = False,
) -> None:
    response = client.post(
        f"/v1/sources/{source_id}/feed",
        params={"allow_mass_delete": "true"} if allow_mass_delete else None,
        content=body,
        headers={"Content-Type": "text/calendar", **key},
    )
    assert response.status_code == 201, response.text


def push_export_without_synthesis(
    client: AppClient, worked: SampleDitep, key: dict[str, str]
) -> None:
    """The worked example's export pushed again without its synthesis (a snapshot: the
    synthesis is deleted)."""
    push(client, worked.establishment_source_id, calendar(*EXPORT_EVENTS[:3]), key)


@pytest.fixture
def worked(ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker) -> SampleDitep:
    """Young person A's week, in the export and (the SESSAD hour) in the educator's agenda."""
    key = make_key(Scope.FEEDS_WRITE)
    push(ingest_client, sample_ditep.establishment_source_id, export_feed(), key)
    push(ingest_client, sample_ditep.claire_source_id, educator_feed(), key)
    return sample_ditep
