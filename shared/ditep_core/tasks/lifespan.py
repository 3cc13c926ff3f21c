"""What a service does with the background tasks while it serves.

- In-process (SQLite by default, DITEP_TASKS_IN_PROCESS): the service runs its own tasks
  in a ``LocalRunner`` thread, which is also its database's dispatcher (an import's
  refresh runs right after the import commits); stopped, the task in progress finishing,
  when the service shuts down (SIGTERM: uvicorn's graceful shutdown).
- Otherwise on PostgreSQL: the service only defers jobs into the queue, for
  ``ditep worker``.

A dispatcher already set on the database by whoever built it (the tests) is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskContext
from ditep_core.tasks.local import LocalRunner
from ditep_core.tasks.queue import QueueDispatcher

TaskFactory = Callable[[Settings], Sequence[BackgroundTask]]


def background_tasks(
    factory: TaskFactory, *, name: str
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """For ``build_app(background=...)``: the service's tasks while it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        database: Database = app.state.database
        protection: DataProtection = app.state.protection
        previous = database.dispatcher
        if settings.runs_tasks_in_process:
            runner = LocalRunner(
                factory(settings), TaskContext(database, settings, protection), name=name
            )
            database.dispatcher = runner
            runner.start()
            try:
                yield
            finally:
                await anyio.to_thread.run_sync(runner.stop)
                database.dispatcher = previous
        elif previous is None and not database.is_sqlite:
            queue = QueueDispatcher(settings.database_url)
            database.dispatcher = queue
            try:
                yield
            finally:
                database.dispatcher = previous
                await anyio.to_thread.run_sync(queue.close)
        else:
            yield

    return lifespan
