"""The national benchmark at a tiny scale, on PostgreSQL (where it runs): it completes,
clones the template's rows into every establishment of both databases alike, and prints
each figure it promises."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ENV, REPO_ROOT

pytestmark = [pytest.mark.benchmark, pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def bench_url() -> Iterator[str]:
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV} to run it")
    name = f"ditep_national_{uuid.uuid4().hex[:10]}"
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for database in (name, f"{name}_plain"):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def _count(url: str, query: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def test_national_benchmark_runs_small_on_both_layouts(bench_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_national",
            "--url",
            bench_url,
            "--establishments",
            "3",
            "--youth",
            "3",
            "--push-youth",
            "2",
            "--weeks",
            "6",
            "--repeat",
            "3",
            "--compare",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for promised in (
        "establishment-quarter p95",
        "region-quarter p95",
        "national-quarter p95",
        "rollup refresh",
        "sessions/s",
        "growth curve",
        "partitioned / unpartitioned",
    ):
        assert promised in out, promised
    plain_url = make_url(bench_url)
    plain_url = plain_url.set(database=f"{plain_url.database}_plain")
    plain = plain_url.render_as_string(hide_password=False)
    # Both databases hold the same rows; only the first is partitioned.
    for query in (
        "SELECT count(*) FROM agenda_session",
        "SELECT count(*) FROM session_participant",
        "SELECT count(*) FROM rollup_youth_day",
        "SELECT count(DISTINCT establishment_id) FROM agenda_session",
    ):
        assert _count(bench_url, query) == _count(plain, query) > 0, query
    # Template + 2 clones + the 8 pushing establishments.
    assert _count(bench_url, "SELECT count(DISTINCT establishment_id) FROM agenda_session") == 11
    partitioned = "SELECT count(*) FROM pg_partitioned_table"
    assert _count(bench_url, partitioned) == 2
    assert _count(plain, partitioned) == 0
    # Every cloned session's participants carry its start (the partition key).
    mismatched = (
        "SELECT count(*) FROM session_participant p JOIN agenda_session s "
        "ON s.id = p.session_id WHERE s.start_at <> p.session_start_at"
    )
    assert _count(bench_url, mismatched) == 0
