"""The late-transmission marking task as the deployments run it: by ``ditep worker``'s
queue on PostgreSQL, by the in-process runner's timer on SQLite; ``ditep tasks`` shows
its run."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from activity_api.main import api_tasks
from activity_api.transmissions.service import LATE_TASK
from ditep_cli.main import app
from ditep_cli.registry import all_tasks
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import TaskRun, TransmissionLate
from ditep_core.nomenclatures import Activity
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.local import LocalRunner
from ditep_core.tasks.queue import QUEUE, QueueDispatcher, cron_every, queue_app, queued_jobs
from tests.activity_api.seeding import seed_establishment
from tests.conftest import MIGRATIONS_DIR, TEST_SECRET, TemporaryDatabase, make_settings


def _late_count(database: Database) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(TransmissionLate)) or 0)


def test_the_worker_runs_the_marking_and_ditep_tasks_shows_it(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database.url
    migrations.upgrade(url, MIGRATIONS_DIR)
    settings = make_settings(url)
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))
    # Registered with every task of the worker, and in activity-api's in-process runner.
    (task,) = [t for t in all_tasks(settings) if t.name == LATE_TASK]
    assert [t.name for t in api_tasks(settings) if t.name == LATE_TASK] == [LATE_TASK]
    assert task.every_seconds is not None
    assert cron_every(task.every_seconds) == "0 3 * * *"  # daily on the worker's schedule
    try:
        with database.unit_of_work(write=True) as session:
            # Sessions in March 2025: every quarter since is past its deadline today.
            seed_establishment(
                session,
                finess="690000500",
                region_code="84",
                youth_by_modality={Activity.ACCUEIL_JOUR: 3},
            )
        if fresh_database.backend == "postgresql":
            queue = QueueDispatcher(url)
            try:
                queue.defer(LATE_TASK, {})
            finally:
                queue.close()
            worker = queue_app(url, all_tasks(settings), context)
            worker.run_worker(queues=[QUEUE], wait=False, delete_jobs="successful")
            with database.unit_of_work() as session:
                assert queued_jobs(session, ["todo", "doing", "failed"]) == []
        else:
            # The SQLite runner (ditep serve's activity-api, ditep worker) runs it on its
            # timer: the first period is due at start.
            runner = LocalRunner(api_tasks(settings), context, name="activity-api")
            runner.start()
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with database.unit_of_work() as session:
                        run = session.get(TaskRun, (LATE_TASK, "*"))
                        if run is not None and run.status == "succeeded":
                            break
                    time.sleep(0.1)
            finally:
                runner.stop(30)
        marked = _late_count(database)
        assert marked >= 6  # 2025-Q1 to 2026-Q2 at least, on any day this runs
        with database.unit_of_work() as session:
            run = session.get(TaskRun, (LATE_TASK, "*"))
            assert run is not None
            assert run.status == "succeeded"
    finally:
        database.dispose()
    monkeypatch.setenv("DITEP_DATABASE_URL", url)
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    listed = CliRunner().invoke(app, ["tasks"])
    assert listed.exit_code == 0, listed.output
    assert f"{LATE_TASK} [*] succeeded attempts=1" in listed.stdout
    # The establishment's list says when each quarter was recorded late.
    monkeypatch.setenv("COLUMNS", "200")
    table = CliRunner().invoke(app, ["transmissions", "690000500"])
    assert table.exit_code == 0, table.output
    row = next(line for line in table.stdout.splitlines() if "2025-Q1" in line)
    assert "late, recorded late 20" in row
