"""``ditep worker`` (runs every background task of both services) and ``ditep tasks``.

The tasks are those of ``ditep_cli.registry.all_tasks``. On PostgreSQL the worker takes
jobs from procrastinate's queue one at a time, defers each periodic sweep once at start,
and queues again the jobs of a worker that stopped beating (killed mid-task: the task
runs again, and being an idempotent sweep, completes the work). On SQLite it runs the
in-process runner, as the services do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import threading
from contextlib import suppress
from typing import Annotated, Any

import structlog
import typer
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status
from rich.console import Console

from ditep_cli.context import cli_context
from ditep_cli.registry import all_tasks
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskContext
from ditep_core.tasks.local import LocalRunner
from ditep_core.tasks.queue import (
    QUEUE,
    QueueDispatcher,
    queue_app,
    queued_jobs,
    queueing_lock,
)
from ditep_core.tasks.runs import RunStatus, TaskRunRepository
from ditep_counting.rollups.repository import RollupRepository

logger = structlog.get_logger("ditep.worker")
console = Console()


def worker_command(ctx: typer.Context) -> None:
    """Run the background tasks until SIGTERM or Ctrl-C (PostgreSQL: from the queue, one
    job at a time; SQLite: the in-process runner, as the services run it)."""
    context = cli_context(ctx)
    settings = context.settings
    database = context.database
    task_context = TaskContext(database, settings, context.protection)
    tasks = all_tasks(settings)
    if database.is_sqlite:
        _run_local(LocalRunner(tasks, task_context, name="worker"), task_context)
    else:
        _run_queue(settings, tasks, task_context)


def _run_local(runner: LocalRunner, task_context: TaskContext) -> None:
    task_context.database.dispatcher = runner
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    console.print(f"worker (in-process, SQLite): {', '.join(sorted(runner.tasks))}")
    stop.wait()
    # The task in progress finishes; what it had not started runs at the next start.
    runner.stop()


def _run_queue(settings: Settings, tasks: list[BackgroundTask], task_context: TaskContext) -> None:
    # A SIGTERM before procrastinate installs its own handlers (while starting) stops the
    # worker before it takes any job; afterwards procrastinate's let the job finish.
    stopped_early = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stopped_early.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    dispatcher = QueueDispatcher(settings.database_url)
    task_context.database.dispatcher = dispatcher
    app = queue_app(settings.database_url, tasks, task_context)
    console.print(f"worker (queue {QUEUE!r}, PostgreSQL): {', '.join(t.name for t in tasks)}")

    async def requeue_stalled() -> None:
        """Jobs left `doing` by a worker that stopped beating (killed) are queued again:
        every task is an idempotent sweep, so running one again completes its work."""
        while True:
            try:
                stalled = await app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=settings.worker_stalled_seconds
                )
                for job in stalled:
                    try:
                        await app.job_manager.retry_job(job)
                        logger.warning("job_requeued", job_id=job.id, task=job.task_name)
                    except UniqueViolation:
                        # The same task and key is waiting already (its queueing lock):
                        # that job does this one's work, so this one goes.
                        await app.job_manager.finish_job(
                            job, status=Status.SUCCEEDED, delete_job=True
                        )
                        logger.warning("job_superseded", job_id=job.id, task=job.task_name)
            except Exception:
                logger.exception("requeue_stalled_failed")
            if settings.worker_alive_file is not None:
                # The liveness probe reads this file's age: a hung event loop stops it.
                settings.worker_alive_file.touch()
            await asyncio.sleep(settings.worker_heartbeat_seconds)

    async def run() -> None:
        async with app.open_async():
            # Each periodic sweep once at start (what a missed schedule left undone).
            for task in tasks:
                if task.every_seconds is not None:
                    with suppress(AlreadyEnqueued):
                        await app.configure_task(
                            task.name, queue=QUEUE, queueing_lock=queueing_lock(task.name, {})
                        ).defer_async()
            if stopped_early.is_set():
                return
            side = asyncio.create_task(requeue_stalled())
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=1,
                    # Done jobs go; failed ones stay, listed by `ditep tasks`.
                    delete_jobs="successful",
                    update_heartbeat_interval=settings.worker_heartbeat_seconds,
                    stalled_worker_timeout=settings.worker_stalled_seconds,
                    install_signal_handlers=True,
                )
            finally:
                side.cancel()
                with suppress(asyncio.CancelledError):
                    await side

    try:
        asyncio.run(run())
    finally:
        dispatcher.close()


def _when(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def tasks_command(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only what failed")] = False,
) -> None:
    """List the queued and failed background tasks and the last run of each task."""
    context = cli_context(ctx)
    database = context.database
    with database.unit_of_work() as session:
        jobs = (
            []
            if database.is_sqlite
            else queued_jobs(session, ["failed"] if failed else ["todo", "doing", "failed"])
        )
        runs = TaskRunRepository(session).list([RunStatus.FAILED.value] if failed else None)
        weeks, establishments = RollupRepository(session).waiting()
    if not database.is_sqlite:
        console.print(f"queue {QUEUE!r} (procrastinate): {len(jobs)} job(s)")
        for job in jobs:
            arguments = ",".join(f"{k}={v}" for k, v in sorted(job.arguments.items()))
            console.print(
                f"  job {job.id} {job.task} [{arguments or '*'}] {job.status}"
                f" attempts={job.attempts} last event {_when(job.last_event_at)}",
                markup=False,
                highlight=False,
            )
    else:
        console.print("in-process runner (SQLite): tasks run inside each service, no queue")
    console.print(
        f"rollups waiting for the refresh: {weeks} week(s) of {establishments} establishment(s)",
        markup=False,
        highlight=False,
    )
    console.print(f"task runs: {len(runs)}", markup=False, highlight=False)
    for run in runs:
        line = (
            f"  {run.task} [{run.key}] {run.status} attempts={run.attempts}"
            f" started {_when(run.started_at)} finished {_when(run.finished_at)}"
            f" last success {_when(run.last_success_at)} failures={run.failures}"
        )
        if run.error:
            line += f"\n    error: {run.error}"
        console.print(line, markup=False, highlight=False)
