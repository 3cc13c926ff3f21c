"""Running one task: retries with backoff (stamina), the run recorded, failures kept.

A task that still fails after ``DITEP_TASK_MAX_ATTEMPTS`` attempts is recorded as
``failed`` with its error in ``task_run`` and raises ``TaskFailed`` (procrastinate then
keeps its job as failed; the in-process runner logs it and runs the task again at its
next period). Recording is best effort: a database that cannot record the run is logged,
and the task's own outcome decides.
"""

from __future__ import annotations

from collections.abc import Callable

import stamina
import structlog

from ditep_core.models import utc_now
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext, run_key
from ditep_core.tasks.runs import TaskRunRepository

logger = structlog.get_logger("ditep.tasks")


class TaskFailed(RuntimeError):
    """A task failed on its last attempt; its error is recorded in ``task_run``."""

    def __init__(self, task: str, key: str, attempts: int, error: str) -> None:
        super().__init__(f"task {task} [{key}] failed after {attempts} attempt(s): {error}")
        self.task = task
        self.key = key
        self.attempts = attempts
        self.error = error


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _record(context: TaskContext, write: Callable[[TaskRunRepository], None]) -> None:
    try:
        with context.database.unit_of_work(write=True) as session:
            write(TaskRunRepository(session))
    except Exception:
        logger.exception("task_run_not_recorded")


def execute(task: BackgroundTask, context: TaskContext, arguments: TaskArguments) -> str:
    """Run ``task`` with retries; the summary it returns, or ``TaskFailed``."""
    key = run_key(arguments)
    settings = context.settings
    _record(context, lambda runs: runs.started(task.name, key, utc_now()))
    attempts = 0
    try:
        for attempt in stamina.retry_context(
            on=Exception,
            attempts=settings.task_max_attempts,
            timeout=None,
            wait_initial=settings.task_retry_initial_seconds,
            wait_max=settings.task_retry_max_seconds,
            wait_jitter=settings.task_retry_initial_seconds,
        ):
            with attempt:
                attempts = attempt.num
                if attempts > 1:
                    logger.warning("task_retry", task=task.name, about=key, attempt=attempts)
                summary = task.run(context, arguments)
    except Exception as error:
        text = describe(error)
        failed_after = attempts
        _record(
            context,
            lambda runs: runs.finished(
                task.name, key, ok=False, attempts=failed_after, error=text, now=utc_now()
            ),
        )
        logger.error("task_failed", task=task.name, about=key, attempts=attempts, error=text)
        raise TaskFailed(task.name, key, attempts, text) from error
    succeeded_after = attempts
    _record(
        context,
        lambda runs: runs.finished(
            task.name, key, ok=True, attempts=succeeded_after, error=None, now=utc_now()
        ),
    )
    logger.info("task_done", task=task.name, about=key, attempts=attempts, summary=summary)
    return summary
