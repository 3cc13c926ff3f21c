"""The ``task_run`` table: the last run of each task and key, with its error.

Written by ``execute`` in short units of work of their own (never the task's), so a
failed task's record survives the rollback of its work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ditep_core.models import TaskRun


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# An error is kept whole enough to act on, bounded so that a task cannot fill the table.
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True, slots=True)
class RunRecord:
    task: str
    key: str
    status: str
    attempts: int
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    last_success_at: dt.datetime | None
    failures: int


class TaskRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _upsert(self, values: dict[str, Any], update: dict[str, Any]) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(TaskRun).values(**values)
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["task", "key"], set_=update)
        )

    def started(self, task: str, key: str, now: dt.datetime) -> None:
        self._upsert(
            {
                "task": task,
                "key": key,
                "status": RunStatus.RUNNING.value,
                "attempts": 0,
                "started_at": now,
                "failures": 0,
            },
            {"status": RunStatus.RUNNING.value, "attempts": 0, "started_at": now},
        )

    def finished(
        self, task: str, key: str, *, ok: bool, attempts: int, error: str | None, now: dt.datetime
    ) -> None:
        run = self.session.get(TaskRun, (task, key))
        if run is None:  # the start was not recorded (its unit of work failed): say it now
            self.started(task, key, now)
            run = self.session.get(TaskRun, (task, key))
            assert run is not None
        run.status = (RunStatus.SUCCEEDED if ok else RunStatus.FAILED).value
        run.attempts = attempts
        run.finished_at = now
        if ok:
            run.error = None
            run.last_success_at = now
        else:
            run.error = None if error is None else error[:MAX_ERROR_CHARS]
            run.failures = (run.failures or 0) + 1
        self.session.flush()

    def list(self, statuses: Sequence[str] | None = None) -> list[RunRecord]:
        statement = select(TaskRun).order_by(TaskRun.task, TaskRun.key)
        if statuses:
            statement = statement.where(TaskRun.status.in_(list(statuses)))
        return [
            RunRecord(
                task=run.task,
                key=run.key,
                status=run.status,
                attempts=run.attempts,
                error=run.error,
                started_at=run.started_at,
                finished_at=run.finished_at,
                last_success_at=run.last_success_at,
                failures=run.failures,
            )
            for run in self.session.scalars(statement)
        ]
