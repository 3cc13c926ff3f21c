"""The task queue on PostgreSQL: procrastinate (its schema: migration 0012).

Why procrastinate: a maintained queue that lives in the PostgreSQL we already run (no
broker to operate), with psycopg 3, periodic tasks, queueing locks (a refresh already
waiting is not queued twice), worker heartbeats (jobs of a dead worker can be found and
queued again) and its jobs kept in a table (``ditep tasks`` lists them).

``QueueDispatcher`` defers the jobs committed units of work ask for (the services and the
``ditep`` command on PostgreSQL); ``queue_app`` builds the app ``ditep worker`` runs, with
every task registered, each periodic one on a cron schedule. Retries are ours
(``execute``, stamina): a job whose task still failed is left ``failed`` by procrastinate,
and its error is in ``task_run``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import procrastinate
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext, run_key
from ditep_core.tasks.execution import execute

QUEUE = "ditep"
logger = structlog.get_logger("ditep.tasks")


def conninfo(database_url: str) -> str:
    """The libpq form of our SQLAlchemy URL (procrastinate speaks psycopg directly)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def queueing_lock(name: str, arguments: TaskArguments) -> str:
    """At most one job of a task and key waiting: a second deferral finds it queued."""
    return f"{name}[{run_key(arguments)}]"


def cron_every(seconds: float) -> str:
    """A cron schedule at most as frequent as every ``seconds`` (procrastinate's unit is a
    minute): every N minutes below an hour, hourly below a day, else daily at 03:00."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"*/{minutes} * * * *"
    if minutes < 24 * 60:
        return f"0 */{max(1, minutes // 60)} * * *"
    return "0 3 * * *"


class QueueDispatcher:
    """Defers each committed task as a procrastinate job (opened on first use)."""

    def __init__(self, database_url: str) -> None:
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
        )
        self._opened = False
        self._opening = threading.Lock()  # request threads defer concurrently

    def defer(self, name: str, arguments: TaskArguments) -> None:
        with self._opening:
            if not self._opened:
                self.app.open()
                self._opened = True
        # AlreadyEnqueued: the same work is waiting already.
        with suppress(AlreadyEnqueued):
            self.app.configure_task(
                name, queue=QUEUE, queueing_lock=queueing_lock(name, arguments)
            ).defer(**dict(arguments))

    def close(self) -> None:
        with self._opening:
            if self._opened:
                self.app.close()
                self._opened = False


def queue_app(
    database_url: str, tasks: Sequence[BackgroundTask], context: TaskContext
) -> procrastinate.App:
    """The procrastinate app of ``ditep worker``: every task, periodic ones scheduled."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    )
    for task in tasks:
        _register(app, task, context)
    return app


def _register(app: procrastinate.App, task: BackgroundTask, context: TaskContext) -> None:
    def job(timestamp: int = 0, **arguments: int | str) -> None:
        # A periodic job carries its schedule's timestamp: a sweep takes no argument.
        del timestamp
        execute(task, context, arguments)

    registered = app.task(name=task.name, queue=QUEUE, pass_context=False)(job)
    if task.every_seconds is not None:
        app.periodic(cron=cron_every(task.every_seconds), periodic_id=task.name)(registered)


@dataclass(frozen=True, slots=True)
class QueuedJob:
    id: int
    task: str
    arguments: dict[str, Any]
    status: str
    attempts: int
    scheduled_at: dt.datetime | None
    last_event_at: dt.datetime | None


def queued_jobs(session: Session, statuses: Sequence[str]) -> list[QueuedJob]:
    """procrastinate's jobs in these statuses (todo, doing, failed...), oldest first."""
    rows = session.execute(
        text(
            "SELECT j.id, j.task_name, j.args, j.status::text, j.attempts, j.scheduled_at,"
            " (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id)"
            " FROM procrastinate_jobs j WHERE j.status::text = ANY(:statuses) ORDER BY j.id"
        ),
        {"statuses": list(statuses)},
    )
    return [
        QueuedJob(
            id=row[0],
            task=row[1],
            arguments=dict(row[2] or {}),
            status=row[3],
            attempts=row[4],
            scheduled_at=row[5],
            last_event_at=row[6],
        )
        for row in rows
    ]
