"""The scheduled ROR push activity-api runs in-process when DITEP_ROR_PUSH_ENABLED is true.

Every DITEP_ROR_PUSH_INTERVAL_SECONDS, the current ISO week of each scheduled
establishment is pushed, in a worker thread (HTTP and database block). An error
is logged and the loop goes on; at shutdown the loop is asked to stop and the
round in progress finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import anyio.to_thread
import structlog
from fastapi import FastAPI

from activity_api.ror.push import push_establishments, scheduled_finess
from ditep_core.db import Database
from ditep_core.settings import Settings

logger = structlog.get_logger("ditep.ror")


def push_round(database: Database, settings: Settings) -> None:
    reports = push_establishments(database, settings, scheduled_finess(database, settings))
    for report in reports:
        log = logger.info if report.ok else logger.warning
        log("ror_push_report", lines=report.lines())


@asynccontextmanager
async def ror_push_loop(app: FastAPI) -> AsyncIterator[None]:
    """For ``build_app(background=...)``: the loop runs while the app serves."""
    settings: Settings = app.state.settings
    database: Database = app.state.database
    stop = asyncio.Event()

    async def run() -> None:
        while not stop.is_set():
            try:
                await anyio.to_thread.run_sync(push_round, database, settings)
            except Exception:
                logger.exception("background_job_failed", job="ror_push")
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.ror_push_interval_seconds)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        stop.set()
        await task
