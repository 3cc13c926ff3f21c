"""What a background task is, and what it is given when it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tasks.dispatch import TaskArguments

__all__ = ["BackgroundTask", "TaskArguments", "TaskContext", "run_key"]


@dataclass(frozen=True, slots=True)
class TaskContext:
    """What every task may use: the database, the settings and the payload protection;
    ``stopping`` is set when the runner is asked to stop (a long sweep may end early)."""

    database: Database
    settings: Settings
    protection: DataProtection
    stopping: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True, slots=True)
class BackgroundTask:
    """One idempotent unit of background work.

    ``run(context, arguments)`` returns a one-line summary for the logs; it drives its own
    units of work (never one open across network I/O). ``every_seconds``: also run
    periodically, with no arguments, as a sweep (None: only when deferred). ``inline``:
    whether the ``InlineDispatcher`` (the ``ditep`` command, the tests) runs it when
    deferred; False for work too long to hold a command (left to the worker's or the
    runner's sweep).
    """

    name: str
    run: Callable[[TaskContext, TaskArguments], str]
    every_seconds: float | None = None
    inline: bool = True


def run_key(arguments: TaskArguments) -> str:
    """What a run is about, in ``task_run`` and ``ditep tasks``: "*" for a sweep."""
    if not arguments:
        return "*"
    return ",".join(f"{name}={arguments[name]}" for name in sorted(arguments))
