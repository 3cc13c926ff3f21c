"""Deferring a task from a unit of work: sent once the unit of work has committed.

A writer (an import, a reclassification) calls ``defer_after_commit`` inside its
transaction; ``Database.unit_of_work`` hands the tasks to its ``dispatcher`` after the
commit (and after the SQLite writer lock is released), never if it rolled back. A
dispatcher that fails is logged, not raised: what was committed stays committed, and the
periodic sweep of the same task catches up.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol

import structlog
from sqlalchemy.orm import Session

# JSON scalars only: procrastinate stores a job's arguments as JSON.
TaskArguments = Mapping[str, int | str]

_DEFERRED = "ditep.deferred_tasks"
logger = structlog.get_logger("ditep.tasks")


class TaskDispatcher(Protocol):
    """Where committed units of work send the tasks they deferred."""

    def defer(self, name: str, arguments: TaskArguments) -> None: ...


def defer_after_commit(session: Session, name: str, **arguments: int | str) -> None:
    """Send task ``name`` with ``arguments`` once ``session``'s unit of work has committed
    (the same task and arguments twice in one unit of work: sent once)."""
    deferred: dict[tuple[str, tuple[tuple[str, int | str], ...]], None] = session.info.setdefault(
        _DEFERRED, {}
    )
    deferred[(name, tuple(sorted(arguments.items())))] = None


def take_deferred(info: MutableMapping[str, Any]) -> list[tuple[str, dict[str, int | str]]]:
    """The tasks deferred in a session, forgotten there."""
    deferred = info.pop(_DEFERRED, {})
    return [(name, dict(arguments)) for name, arguments in deferred]


def dispatch(
    dispatcher: TaskDispatcher | None, tasks: list[tuple[str, dict[str, int | str]]]
) -> None:
    """Hand committed tasks to the dispatcher; none: the periodic sweeps will run them."""
    if dispatcher is None:
        return
    for name, arguments in tasks:
        try:
            dispatcher.defer(name, arguments)
        except Exception:
            logger.exception("task_defer_failed", task=name, arguments=arguments)
