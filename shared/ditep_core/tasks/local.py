"""Running the tasks in this process: on a timer (``LocalRunner``) or at once (``Inline``).

The ``LocalRunner`` is how the embedded SQLite default runs its background work with
nothing more to start: each service runs its own tasks in one thread, every period and
whenever a committed unit of work defers one (it is the database's dispatcher). One
thread: tasks run one after the other, so an SQLite writer is never waited on by two of
them. ``stop`` lets the task in progress finish (its retries included), then returns.

``InlineDispatcher`` runs a deferred task as soon as the unit of work that deferred it has
committed, in the same thread: the ``ditep`` command on SQLite (which has no runner) and
the tests (the refresh after an import runs between the push and the read); not the
tasks defined ``inline=False`` (left to a worker's or runner's sweep).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import structlog

from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext
from ditep_core.tasks.execution import TaskFailed, execute

logger = structlog.get_logger("ditep.tasks")


def _by_name(tasks: Sequence[BackgroundTask]) -> dict[str, BackgroundTask]:
    return {task.name: task for task in tasks}


class InlineDispatcher:
    """Runs each deferred task at once; a task failing raises ``TaskFailed`` (recorded)."""

    def __init__(self, tasks: Sequence[BackgroundTask], context: TaskContext) -> None:
        self.tasks = _by_name(tasks)
        self.context = context

    def defer(self, name: str, arguments: TaskArguments) -> None:
        task = self.tasks.get(name)
        if task is None or not task.inline:
            logger.info("task_not_run_here", task=name)
            return
        execute(task, self.context, arguments)


class LocalRunner:
    """The tasks of one process on a timer, plus those deferred, in one thread."""

    def __init__(
        self, tasks: Sequence[BackgroundTask], context: TaskContext, *, name: str = "tasks"
    ) -> None:
        self.tasks = _by_name(tasks)
        self.context = context
        self.name = name
        self._condition = threading.Condition()
        self._pending: dict[tuple[str, tuple[tuple[str, int | str], ...]], None] = {}
        self._next_run: dict[str, float] = {
            task.name: 0.0 for task in tasks if task.every_seconds is not None
        }
        self._stopping = False
        self._thread: threading.Thread | None = None

    def defer(self, name: str, arguments: TaskArguments) -> None:
        """Queue a run (the same task and arguments queued twice run once)."""
        if name not in self.tasks:
            logger.info("task_not_run_here", task=name)
            return
        with self._condition:
            self._pending[(name, tuple(sorted(arguments.items())))] = None
            self._condition.notify()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"ditep-{self.name}", daemon=True)
        self._thread.start()
        logger.info("task_runner_started", runner=self.name, tasks=sorted(self.tasks))

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to stop and wait for the task in progress to finish."""
        with self._condition:
            self._stopping = True
            self.context.stopping.set()
            self._condition.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        logger.info("task_runner_stopped", runner=self.name)

    def run_forever(self) -> None:
        """The loop in this thread (``ditep worker`` on SQLite), until ``stop``."""
        self._loop()

    def _next_batch(self) -> list[tuple[BackgroundTask, dict[str, int | str]]] | None:
        """What is due now, waiting until something is; None once stopping."""
        with self._condition:
            while not self._stopping:
                now = time.monotonic()
                batch = [(self.tasks[name], dict(arguments)) for name, arguments in self._pending]
                self._pending.clear()
                for name, due in self._next_run.items():
                    if due <= now:
                        every = self.tasks[name].every_seconds
                        assert every is not None
                        self._next_run[name] = now + every
                        batch.append((self.tasks[name], {}))
                if batch:
                    return batch
                self._condition.wait(max(0.0, min(self._next_run.values(), default=now + 60) - now))
        return None

    def _loop(self) -> None:
        while (batch := self._next_batch()) is not None:
            for task, arguments in batch:
                if self._stopping:
                    return  # what is left is a sweep's or a deferral's: runs at next start
                try:
                    execute(task, self.context, arguments)
                except TaskFailed:
                    pass  # recorded with its error; the next period runs the sweep again
                except Exception:
                    logger.exception("task_runner_error", task=task.name)
