"""``ditep worker`` killed in the middle of a task, then started again; ``ditep tasks``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from agenda_ingest.feeds.service import ingest_payload
from agenda_ingest.sources.repository import SourceRepository
from ditep_cli.main import app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import RollupState, RollupYouthDay, RollupYouthWeek, TaskRun
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import BackgroundTask, TaskContext
from ditep_core.tasks.execution import TaskFailed, execute
from ditep_core.tasks.queue import QUEUE, QueueDispatcher, queue_app, queued_jobs
from ditep_counting.rollups.service import REFRESH_TASK, refresh_rollups
from tests.agenda_ingest.feeds import test_kill_during_import
from tests.agenda_ingest.feeds.served import prepare_source
from tests.conftest import MIGRATIONS_DIR, TEST_SECRET, TemporaryDatabase, make_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _count(database: Database, statement: object) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        "DITEP_WORKER_HEARTBEAT_SECONDS": "0.5",
        "DITEP_WORKER_STALLED_SECONDS": "2",
        "DITEP_TASK_RETRY_INITIAL_SECONDS": "0.1",
        "DITEP_WORKER_ALIVE_FILE": str(log.parent / "alive"),
    }
    with log.open("ab") as output:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "ditep_cli.main", "worker"],
            env=env,
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _rollup_sums(database: Database) -> tuple[int, float, int]:
    with database.unit_of_work() as session:
        weeks = session.execute(select(func.count(), func.sum(RollupYouthWeek.minutes_total))).one()
        days = session.scalar(select(func.count()).select_from(RollupYouthDay)) or 0
    return int(weeks[0]), round(float(weeks[1] or 0), 3), int(days)


@pytest.mark.slow
def test_a_worker_killed_mid_refresh_loses_nothing_and_the_next_completes_it(
    fresh_database: TemporaryDatabase, tmp_path: Path
) -> None:
    url = fresh_database.url
    served = prepare_source(url)
    database = Database.from_url(url, pool_size=2, max_overflow=0)  # no dispatcher: held
    log = tmp_path / "worker.log"
    # Large enough that the refresh lasts seconds on a quiet machine: 2 MB (12,805 sessions)
    # were refreshed in 0.5 s, and the kill came after the refresh had committed.
    feed = _feed(6 * 1024 * 1024)
    try:
        with database.unit_of_work(write=True) as session:
            source = SourceRepository(session).get_with_establishment(served.source_id)
            assert source is not None
            outcome = ingest_payload(
                session,
                source=source,
                payload=feed,
                content_type="text/calendar",
                protection=DataProtection.from_secret(TEST_SECRET),
            )
        assert outcome.created > 5000
        invalidated = select(func.count()).where(RollupState.invalidated_at.is_not(None))
        waiting = _count(database, invalidated)
        assert waiting > 0
        running = select(func.count()).where(
            TaskRun.task == REFRESH_TASK, TaskRun.status == "running"
        )
        first = _worker(url, log)
        try:
            _wait(lambda: _count(database, running) > 0, 120, "the refresh to start")
        finally:
            first.kill()  # SIGKILL: no cleanup at all
            first.wait(30)
        # Killed inside the refresh's transaction: nothing of it was kept.
        assert _count(database, invalidated) == waiting
        assert _count(database, running) == 1  # what the dead worker left said
        if not database.is_sqlite:
            with database.unit_of_work() as session:
                doing = queued_jobs(session, ["doing"])
            assert [job.task for job in doing] == [REFRESH_TASK]
        restarted = time.monotonic()
        second = _worker(url, log)
        try:
            _wait(lambda: _count(database, invalidated) == 0, 180, "the refresh to complete")
            _wait(lambda: _count(database, running) == 0, 60, "the run to be recorded")
            if not database.is_sqlite:
                # The dead worker's job was queued again (no heartbeat) and run.
                def left() -> bool:
                    with database.unit_of_work() as session:
                        return not queued_jobs(session, ["doing", "todo", "failed"])

                _wait(left, 60, "the stalled job to be run again")
                # The liveness probe's file is touched at every heartbeat.
                alive = log.parent / "alive"
                assert alive.exists()
                assert time.time() - alive.stat().st_mtime < 30
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(60) == 0  # a clean shutdown on SIGTERM
        assert time.monotonic() - restarted < 240
        # Complete: what the worker computed is what a full recomputation gives.
        served_sums = _rollup_sums(database)
        assert served_sums[0] > 0
        with database.unit_of_work() as session:
            establishment = EstablishmentRepository(session).list_all()[0]
            refresh_rollups(session, establishment)
        assert _rollup_sums(database) == served_sums
    finally:
        database.dispose()
        print(log.read_text(errors="replace")[-3000:])


def _feed(size: int) -> bytes:
    original = test_kill_during_import.FEED_BYTES
    test_kill_during_import.FEED_BYTES = size
    try:
        return test_kill_during_import.large_feed()
    finally:
        test_kill_during_import.FEED_BYTES = original


# --- ditep tasks ----------------------------------------------------------------------


@pytest.fixture
def run(fresh_database: TemporaryDatabase, cli_runner: CliRunner) -> CliRunner:
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    return cli_runner


def test_ditep_tasks_lists_failed_runs_with_their_error_and_queued_jobs(
    run: CliRunner, fresh_database: TemporaryDatabase
) -> None:
    url = fresh_database.url
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    settings = make_settings(url, task_max_attempts=2, task_retry_initial_seconds=0)
    context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))

    def unreachable(_context: TaskContext, _arguments: object) -> str:
        raise ConnectionError("ror.example refused the connection")

    try:
        with pytest.raises(TaskFailed):
            execute(BackgroundTask("ror.push", unreachable), context, {})
        execute(BackgroundTask(REFRESH_TASK, lambda _c, _a: "ok"), context, {})
        if not database.is_sqlite:
            queue = QueueDispatcher(url)
            try:
                queue.defer(REFRESH_TASK, {"establishment_id": 1})
                queue.defer(REFRESH_TASK, {"establishment_id": 1})  # already waiting
            finally:
                queue.close()
    finally:
        database.dispose()
    listed = run.invoke(app, ["tasks"])
    assert listed.exit_code == 0, listed.output
    out = listed.stdout
    assert "ror.push [*] failed attempts=2" in out
    assert "error: ConnectionError: ror.example refused the connection" in out
    assert f"{REFRESH_TASK} [*] succeeded attempts=1" in out
    assert "rollups waiting for the refresh: 0 week(s) of 0 establishment(s)" in out
    if fresh_database.backend == "postgresql":
        assert "queue 'ditep' (procrastinate): 1 job(s)" in out
        assert f"{REFRESH_TASK} [establishment_id=1] todo" in out
    else:
        assert "in-process runner (SQLite)" in out
    only_failed = run.invoke(app, ["tasks", "--failed"]).stdout
    assert "ror.push [*] failed" in only_failed
    assert REFRESH_TASK not in only_failed


def test_on_the_queue_a_job_whose_task_keeps_failing_stays_failed_with_its_error(
    fresh_database: TemporaryDatabase,
) -> None:
    """PostgreSQL: the worker's app runs the job with our retries; procrastinate keeps the
    job ``failed`` (not deleted, not retried for ever) and ``task_run`` has the error."""
    if fresh_database.backend != "postgresql":
        pytest.skip("the queue is PostgreSQL's (SQLite: the runner, tested in tests/core/tasks)")
    url = fresh_database.url
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    settings = make_settings(url, task_max_attempts=2, task_retry_initial_seconds=0)
    context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))
    calls: list[object] = []

    def failing(_context: TaskContext, arguments: object) -> str:
        calls.append(arguments)
        raise RuntimeError("the ROR answered 503")

    def fine(_context: TaskContext, arguments: object) -> str:
        calls.append(arguments)
        return "ok"

    app = queue_app(
        url, [BackgroundTask("ror.push", failing), BackgroundTask(REFRESH_TASK, fine)], context
    )
    try:
        queue = QueueDispatcher(url)
        try:
            queue.defer("ror.push", {})
            queue.defer(REFRESH_TASK, {"establishment_id": 4})
        finally:
            queue.close()
        app.run_worker(queues=[QUEUE], wait=False, delete_jobs="successful")
        assert calls == [{}, {}, {"establishment_id": 4}]  # two attempts, then the next job
        with database.unit_of_work() as session:
            jobs = queued_jobs(session, ["todo", "doing", "failed"])
            run = session.get(TaskRun, ("ror.push", "*"))
        assert [(job.task, job.status) for job in jobs] == [("ror.push", "failed")]
        assert run is not None
        assert (run.status, run.attempts, run.error) == (
            "failed",
            2,
            "RuntimeError: the ROR answered 503",
        )
    finally:
        database.dispose()
