"""Running background tasks: retries with backoff, failures kept, the in-process runner."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext, run_key
from ditep_core.tasks.execution import TaskFailed, execute
from ditep_core.tasks.local import LocalRunner
from ditep_core.tasks.runs import TaskRunRepository
from tests.conftest import TEST_SECRET, make_settings


def _context(database: Database) -> TaskContext:
    settings = make_settings(task_max_attempts=3, task_retry_initial_seconds=0.01)
    return TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))


def _runs(database: Database) -> dict[tuple[str, str], tuple[str, int, str | None, int]]:
    with database.unit_of_work() as session:
        return {
            (run.task, run.key): (run.status, run.attempts, run.error, run.failures)
            for run in TaskRunRepository(session).list()
        }


def test_a_task_failing_then_succeeding_is_retried_and_recorded(database: Database) -> None:
    calls: list[TaskArguments] = []

    def flaky(_context: TaskContext, arguments: TaskArguments) -> str:
        calls.append(arguments)
        if len(calls) < 3:
            raise ConnectionError("database restarting")
        return "done"

    task = BackgroundTask("test.flaky", flaky)
    assert execute(task, _context(database), {"establishment_id": 7}) == "done"
    assert len(calls) == 3
    assert _runs(database)[("test.flaky", "establishment_id=7")] == ("succeeded", 3, None, 0)


def test_a_task_that_keeps_failing_is_kept_as_failed_with_its_error(database: Database) -> None:
    calls: list[float] = []

    def broken(_context: TaskContext, _arguments: TaskArguments) -> str:
        calls.append(time.monotonic())
        raise ValueError("source 12 answered nonsense")

    task = BackgroundTask("test.broken", broken)
    with pytest.raises(TaskFailed) as failed:
        execute(task, _context(database), {})
    assert failed.value.attempts == 3
    assert len(calls) == 3
    # Backoff between attempts: each wait at least the initial one.
    assert all(later - earlier >= 0.01 for earlier, later in itertools.pairwise(calls))
    status, attempts, error, failures = _runs(database)[("test.broken", "*")]
    assert (status, attempts, failures) == ("failed", 3, 1)
    assert error == "ValueError: source 12 answered nonsense"
    # Failing again counts again; a success then clears the error, keeping the count.
    with pytest.raises(TaskFailed):
        execute(task, _context(database), {})
    assert _runs(database)[("test.broken", "*")][3] == 2
    execute(BackgroundTask("test.broken", lambda _c, _a: "fixed"), _context(database), {})
    assert _runs(database)[("test.broken", "*")] == ("succeeded", 1, None, 2)


def test_run_keys_name_the_arguments() -> None:
    assert run_key({}) == "*"
    assert run_key({"b": 2, "a": "x"}) == "a=x,b=2"


def test_the_runner_runs_sweeps_at_start_and_deferred_tasks_and_survives_failures(
    database: Database,
) -> None:
    swept = threading.Event()
    seen: list[TaskArguments] = []
    deferred_seen = threading.Event()
    sweeps: list[int] = []

    def sweep(_context: TaskContext, _arguments: TaskArguments) -> str:
        sweeps.append(1)
        swept.set()
        if len(sweeps) == 1:
            raise RuntimeError("first sweep fails")
        return "swept"

    def on_demand(_context: TaskContext, arguments: TaskArguments) -> str:
        seen.append(arguments)
        deferred_seen.set()
        return "ok"

    context = _context(database)
    runner = LocalRunner(
        [
            BackgroundTask("test.sweep", sweep, every_seconds=0.05),
            BackgroundTask("test.once", on_demand),
        ],
        context,
    )
    runner.start()
    try:
        assert swept.wait(10)
        runner.defer("test.once", {"establishment_id": 3})
        assert deferred_seen.wait(10)
        deadline = time.monotonic() + 10
        while len(sweeps) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        runner.stop(timeout=10)
    assert seen == [{"establishment_id": 3}]
    assert len(sweeps) >= 3  # the failing first sweep did not stop the runner
    assert context.stopping.is_set()
    runs = _runs(database)
    assert runs[("test.once", "establishment_id=3")][0] == "succeeded"


def test_stopping_lets_the_task_in_progress_finish(database: Database) -> None:
    started, finished = threading.Event(), threading.Event()

    def slow(context: TaskContext, _arguments: TaskArguments) -> str:
        started.set()
        time.sleep(0.3)
        finished.set()
        return "done"

    runner = LocalRunner(
        [BackgroundTask("test.slow", slow, every_seconds=3600)], _context(database)
    )
    runner.start()
    assert started.wait(10)
    runner.stop(timeout=10)
    assert finished.is_set()
    assert _runs(database)[("test.slow", "*")][0] == "succeeded"
