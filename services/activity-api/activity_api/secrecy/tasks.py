"""Secrecy decisions: a task deciding the ARS tables' statistical secrecy ahead of reads.

Deferred after a transmission (``period``: the quarter's national results and every
region's activity) and after a rollup refresh (``period`` and ``region_code``: the
quarters the refreshed weeks touch), and run every DITEP_SECRECY_DECISION_INTERVAL_SECONDS
with no argument as a sweep over the quarters whose data changed after their newest
stored decision (a deferral lost, or left by a process that does not run this task:
agenda-ingest's runner, the ``ditep`` command). Idempotent: a decision stored already is
read, not taken again (``service.decide_quarter``); one unit of work per quarter (and
region), so a run stopped half way keeps what it stored. Run by ``ditep worker``
(PostgreSQL) or by activity-api's in-process runner (SQLite); retried like every task
(``ditep_core.tasks.execution``); never inline: a decision takes seconds to minutes.
"""

from __future__ import annotations

from activity_api.secrecy.service import decide_quarter, due_quarters
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskArguments, TaskContext
from ditep_counting.rollups.service import SECRECY_TASK


def decide_secrecy(context: TaskContext, arguments: TaskArguments) -> str:
    period = arguments.get("period")
    region = arguments.get("region_code")
    if period is not None:
        work = [(str(period), None if region is None else str(region))]
    else:
        with context.database.unit_of_work() as session:
            work = due_quarters(session)
    stored = found = done = 0
    for quarter, region_code in work:
        if context.stopping.is_set():
            break
        decided = decide_quarter(context.database, quarter, region_code)
        stored += decided.stored
        found += decided.found
        done += 1
    return f"{stored} decision(s) stored, {found} found stored, {done}/{len(work)} quarter(s)"


def secrecy_tasks(settings: Settings) -> list[BackgroundTask]:
    return [
        BackgroundTask(
            name=SECRECY_TASK,
            run=decide_secrecy,
            every_seconds=settings.secrecy_decision_interval_seconds,
            inline=False,
        )
    ]
