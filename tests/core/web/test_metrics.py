"""GET /metrics: counters that move with pushes and requests, gauges read from the
database at scrape time, labels that carry route templates and no health data."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import AgendaSession, Person, RollupState, Source
from ditep_core.nomenclatures import Activity, Scope
from ditep_core.settings import Settings
from ditep_counting.rollups.service import invalidate_after_write
from tests.conftest import (
    REPO_ROOT,
    TEST_SECRET,
    KeyMaker,
    SampleDitep,
    make_settings,
    push_sample_feed,
)
from tests.http import AppClient, app_client

ACTIVITY_TEMPLATE = "/v1/establishments/{finess}/activity"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: AppClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def uncached(settings: Settings) -> Settings:
    return make_settings(settings.database_url, metrics_cache_seconds=0)


def apps(settings: Settings, database: Database) -> tuple[FastAPI, FastAPI]:
    fresh = uncached(settings)
    return create_ingest_app(fresh, database=database), create_api_app(fresh, database=database)


def test_a_push_moves_imports_and_sessions(
    settings: Settings, database: Database, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    ingest_app, _ = apps(settings, database)
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    with app_client(ingest_app) as client:
        before = scrape(client)
        push_sample_feed(client, sample_ditep.establishment_source_id, key)
        after = scrape(client)
    processed = ("ditep_imports_total", {"status": "processed"})
    created = ("ditep_sessions_ingested_total", {"outcome": "created"})
    assert (
        value(after, processed[0], **processed[1])
        == value(before, processed[0], **processed[1]) + 1
    )
    assert value(after, created[0], **created[1]) == value(before, created[0], **created[1]) + 65
    # The database gauges see the stored import (this database's, whichever process).
    assert value(after, "ditep_imports_stored", status="processed") == (
        value(before, "ditep_imports_stored", status="processed") + 1
    )
    assert value(after, "ditep_metrics_database_up") == 1


def test_the_unclassified_share_is_the_quality_block_of_the_counts(
    settings: Settings, database: Database, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    ingest_app, api_app = apps(settings, database)
    push_key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    read_key = make_key(Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    with app_client(ingest_app) as client:
        push_sample_feed(client, sample_ditep.establishment_source_id, push_key)
    # The sample classifies everything: make three sessions unclassified, and mark their
    # weeks for the refresh task as a reclassification does (run when this commits).
    with database.unit_of_work() as writer:
        rows = writer.scalars(select(AgendaSession).order_by(AgendaSession.id).limit(3)).all()
        writer.execute(
            update(AgendaSession)
            .where(AgendaSession.id.in_([row.id for row in rows]))
            .values(activity=Activity.UNCLASSIFIED)
        )
        establishment = EstablishmentRepository(writer).get_by_finess(sample_ditep.finess)
        assert establishment is not None
        invalidate_after_write(writer, establishment, [row.start_at for row in rows])
    with app_client(api_app) as client:
        # The whole window: every week's rollups computed, quality months included.
        response = client.get(
            f"/v1/establishments/{sample_ditep.finess}/activity",
            params={"start": "2024-09-01", "end": "2025-09-01"},
            headers=read_key,
        )
        assert response.status_code == 200, response.text
        samples = scrape(client)
    quality = response.json()["quality"]
    assert quality["received"] > quality["unclassified"] > 0
    assert value(samples, "ditep_quality_sessions", kind="received") == quality["received"]
    assert (
        value(samples, "ditep_quality_sessions", kind="unclassified") == (quality["unclassified"])
    )
    assert value(samples, "ditep_unclassified_share") == pytest.approx(
        quality["unclassified"] / quality["received"]
    )


def test_a_request_moves_the_histogram_of_its_route_template(
    settings: Settings, database: Database, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    _, api_app = apps(settings, database)
    key = make_key(Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    labels = {"method": "GET", "route": ACTIVITY_TEMPLATE, "status": "200"}
    with app_client(api_app) as client:
        before = scrape(client)
        for _ in range(2):
            response = client.get(
                f"/v1/establishments/{sample_ditep.finess}/activity",
                params={"start": "2024-09-01", "end": "2024-10-01"},
                headers=key,
            )
            assert response.status_code == 200, response.text
        client.get("/definitely/not/a/route/690000017")
        client.request("BREW", f"/v1/establishments/{sample_ditep.finess}/activity")
        after = scrape(client)
    count = "ditep_http_request_duration_seconds_count"
    assert value(after, count, **labels) == value(before, count, **labels) + 2
    assert value(after, "ditep_http_request_duration_seconds_bucket", le="+Inf", **labels) == (
        value(before, "ditep_http_request_duration_seconds_bucket", le="+Inf", **labels) + 2
    )
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    # An invented method is one label value, whatever it is.
    methods = {dict(labels_)["method"] for (name, labels_) in after if name == count}
    assert "BREW" not in methods
    assert "(other)" in methods
    # No raw path, hence no FINESS, in any label.
    routes = {dict(labels_)["route"] for (name, labels_) in after if name == count}
    assert all(sample_ditep.finess not in route for route in routes)


def test_rollup_lag_and_failing_sources_are_read_at_scrape_time(
    settings: Settings,
    database: Database,
    session: Session,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    ingest_app, api_app = apps(settings, database)
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    with app_client(ingest_app) as client:
        push_sample_feed(client, sample_ditep.establishment_source_id, key)
    with app_client(api_app) as client:
        # The refresh after the import computed the weeks' rollups (rollup_state rows).
        fresh = scrape(client)
        assert value(fresh, "ditep_rollup_stale_weeks") == 0
        assert value(fresh, "ditep_rollup_lag_seconds") == 0
        went_stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        with database.unit_of_work() as writer:
            marked = writer.execute(update(RollupState).values(stale_after=went_stale))
            assert getattr(marked, "rowcount", 0) >= 1
            writer.execute(
                update(Source)
                .where(Source.id == sample_ditep.claire_source_id)
                .values(last_pull_status="failed", last_pull_error="unreachable")
            )
        stale = scrape(client)
        # A week an import changed waits from that moment (the refresh task has not run).
        changed = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        with database.unit_of_work() as writer:
            writer.execute(update(RollupState).values(stale_after=None, invalidated_at=changed))
        invalidated = scrape(client)
    assert value(stale, "ditep_rollup_stale_weeks") >= 1
    assert 2 * 3600 - 60 <= value(stale, "ditep_rollup_lag_seconds") <= 2 * 3600 + 600
    assert value(invalidated, "ditep_rollup_stale_weeks") >= 1
    assert 3 * 3600 - 60 <= value(invalidated, "ditep_rollup_lag_seconds") <= 3 * 3600 + 600
    assert value(stale, "ditep_pull_source_failing", source_id=str(sample_ditep.claire_source_id))
    assert not value(
        stale, "ditep_pull_source_failing", source_id=str(sample_ditep.establishment_source_id)
    )


def test_database_gauges_are_cached_between_scrapes(
    settings: Settings, database: Database, sample_ditep: SampleDitep
) -> None:
    app = create_api_app(
        make_settings(settings.database_url, metrics_cache_seconds=3600), database=database
    )
    with app_client(app) as client:
        first = scrape(client)
        with database.unit_of_work() as writer:
            writer.execute(
                update(Source)
                .where(Source.id == sample_ditep.claire_source_id)
                .values(last_pull_status="failed")
            )
        second = scrape(client)
    failing = {"source_id": str(sample_ditep.claire_source_id)}
    assert value(first, "ditep_pull_source_failing", **failing) == 0
    assert value(second, "ditep_pull_source_failing", **failing) == 0


def test_metrics_can_be_turned_off(settings: Settings, database: Database) -> None:
    app = create_api_app(
        make_settings(settings.database_url, metrics_enabled=False), database=database
    )
    with app_client(app) as client:
        assert client.get("/metrics").status_code == 404


def test_metrics_carry_no_pseudonym(
    settings: Settings,
    database: Database,
    session: Session,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    ingest_app, _ = apps(settings, database)
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    with app_client(ingest_app) as client:
        push_sample_feed(client, sample_ditep.establishment_source_id, key)
        text = client.get("/metrics").text
    pseudonyms = session.scalars(select(Person.pseudonym)).all()
    assert pseudonyms
    assert not [pseudonym for pseudonym in pseudonyms if pseudonym in text]


def test_task_queue_depth_and_failures_come_from_the_queue_table(
    settings: Settings, database: Database, backend: str
) -> None:
    """The worker's queue (procrastinate, PostgreSQL) keeps its jobs in procrastinate_jobs,
    read per queue and status; on SQLite (no queue table) there is no task series."""
    from sqlalchemy import text

    app = create_api_app(uncached(settings), database=database)
    with app_client(app) as client:
        empty = scrape(client)
        assert not [key for key, count in empty.items() if key[0] == "ditep_task_jobs" and count]
        if backend != "postgresql":
            return
        with database.unit_of_work() as writer:
            writer.execute(
                text(
                    "INSERT INTO procrastinate_jobs (queue_name, task_name, status, args) "
                    "VALUES ('rollups', 'rollups.refresh', 'todo', '{}'), "
                    "('rollups', 'rollups.refresh', 'todo', '{}'), "
                    "('pulls', 'pulls.run_due', 'failed', '{}')"
                )
            )
        present = scrape(client)
    assert value(present, "ditep_task_jobs", queue="rollups", status="todo") == 2
    assert value(present, "ditep_task_jobs", queue="pulls", status="failed") == 1


MULTIPROCESS_SCRIPT = """
import sys
from activity_api.main import create_app
from ditep_core.settings import Settings
from tests.http import app_client

with app_client(create_app(Settings())) as client:
    if sys.argv[1] == "requests":
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    else:
        print(client.get("/metrics").text)
"""


@pytest.mark.slow
def test_multiprocess_mode_sums_the_processes(tmp_path: Path) -> None:
    """uvicorn --workers N: with PROMETHEUS_MULTIPROC_DIR, a scrape of one process
    serves what another process counted."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "DITEP_ENVIRONMENT": "test",
        "DITEP_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
    }

    def run(mode: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, mode],
            env=environment,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("requests")
    samples: Samples = {}
    for family in text_string_to_metric_families(run("scrape")):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(samples, "ditep_http_request_duration_seconds_count", **healthz) == 3


def test_multiprocess_mode_needs_the_variable_before_the_import(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        create_api_app(
            make_settings(settings.database_url, prometheus_multiproc_dir=tmp_path),
            database=database,
        )


def test_building_an_app_reads_no_database(tmp_path: Path) -> None:
    """The database gauges are read at a scrape, never when the app is built."""
    path = tmp_path / "untouched.sqlite3"
    app = create_api_app(make_settings(f"sqlite:///{path}"))
    app.state.database.dispose()
    assert not path.exists()
