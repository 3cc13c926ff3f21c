"""Both services as `make run` starts them: real processes, real HTTP, a real database file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLES_DIR
from tests.live import serve_samples

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, str], str, str]]:
    """`ditep serve --samples` on free ports with a migrated SQLite file."""
    with serve_samples(tmp_path) as served:
        yield served.key, served.ingest, served.api


def test_serve_pushes_and_counts_over_real_http(
    served: tuple[dict[str, str], str, str],
) -> None:
    key, ingest, api = served
    pushed = httpx.post(
        f"{ingest}/v1/sources/1/feed",
        content=(SAMPLES_DIR / "agenda-etablissement.ics").read_bytes(),
        headers={"Content-Type": "text/calendar", **key},
        timeout=30,
    )
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["unchanged"] == 65
    counts = httpx.get(
        f"{api}/v1/establishments/690000017/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=key,
        timeout=30,
    )
    assert counts.status_code == 200, counts.text
    assert counts.json()["file_active"]["total"] == 4
    assert counts.headers["x-correlation-id"]
