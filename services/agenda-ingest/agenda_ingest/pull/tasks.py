"""The pull loop agenda-ingest runs in-process when DITEP_PULL_LOOP_ENABLED is true.

Every DITEP_PULL_LOOP_INTERVAL_SECONDS, ``pull_due`` runs in a worker thread
(it blocks on HTTP and on the database). An error is logged and the loop goes
on; the sources' leases keep replicas from pulling one source twice.

At shutdown the loop is asked to stop rather than cancelled: a pull in
progress finishes its current source (its fetch is bounded by the timeouts
and the lease's deadline) and writes its result, so no worker thread is left
using a database that the app is about to dispose of.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import anyio.to_thread
import structlog
from fastapi import FastAPI

from agenda_ingest.pull.fetcher import Fetcher
from agenda_ingest.pull.service import default_owner, pull_due
from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings

logger = structlog.get_logger("ditep.pull")


async def run_periodically(
    job: Callable[[], object], *, interval_seconds: float, stop: asyncio.Event, name: str
) -> None:
    """Run ``job`` in a worker thread now, then every ``interval_seconds``, until ``stop``."""
    while not stop.is_set():
        try:
            await anyio.to_thread.run_sync(job)
        except Exception:
            logger.exception("background_job_failed", job=name)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


@asynccontextmanager
async def pull_loop(app: FastAPI) -> AsyncIterator[None]:
    """For ``build_app(background=...)``: the loop runs while the app serves."""
    settings: Settings = app.state.settings
    database: Database = app.state.database
    protection: DataProtection = app.state.protection
    owner = default_owner()
    fetcher = Fetcher.from_settings(settings)
    # One flag for the loop (asyncio), one for pull_due between sources (its thread).
    stop, stop_between_sources = asyncio.Event(), threading.Event()

    def pull_round() -> None:
        outcomes = pull_due(
            database,
            settings=settings,
            protection=protection,
            owner=owner,
            fetcher=fetcher,
            stop=stop_between_sources,
        )
        if outcomes:
            logger.info(
                "pull_round",
                pulled=len(outcomes),
                failed=sum(outcome.failed for outcome in outcomes),
            )

    task = asyncio.create_task(
        run_periodically(
            pull_round,
            interval_seconds=settings.pull_loop_interval_seconds,
            stop=stop,
            name="pull",
        )
    )
    logger.info("pull_loop_started", owner=owner, interval=settings.pull_loop_interval_seconds)
    try:
        yield
    finally:
        stop.set()
        stop_between_sources.set()
        await task
        logger.info("pull_loop_stopped")
