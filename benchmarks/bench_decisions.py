"""The first ARS read in a fresh activity-api process: secrecy decided in the read, or
stored first by the ``secrecy.decide`` task, in one run.

Against a COPY of a generated region (it writes: the quarter's transmissions if some
are missing, an admin key, the stored decisions), for ``GET /v1/national/results`` and
``GET /v1/regions/{code}/activity`` of the quarter:

(a) before: every stored decision deleted, then a fresh activity-api process (uvicorn,
    ``served_api``) serves one read, timed (the process's first read: its decision cache
    is empty and nothing is stored, so it decides the secrecy itself, as every first
    read did before the decisions were stored); ``--cold-repeat`` fresh processes per
    route (minutes each on a loaded machine);
(b) the task: ``secrecy.service.decide_quarter`` for the quarter (every region), timed
    once: what the worker spends after a transmission;
(c) after: the same first read in a fresh process, the decisions stored by (b)
    (looked up by the digest of the table, none decided in the read); ``--repeat``
    fresh processes per route.

Prints p50/p95 of each and the ratio after / before. The reads' statements do not wait
on the decision, but a read that decides holds its transaction idle meanwhile: the
services' ``DITEP_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS`` (60 s) is raised here for
both, so that (a) measures the decision rather than PostgreSQL ending the session.

    DITEP_PSEUDONYM_SECRET=benchmark-secret-0123456789abcdef0123456789 \\
    .venv/bin/python -m benchmarks.bench_decisions \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_bench_copy --cold-repeat 1
"""

from __future__ import annotations

import argparse
import os
import time

import httpx
from sqlalchemy import delete, func, select

from activity_api.secrecy.service import decide_quarter
from benchmarks.bench_counts import Timing, served_api
from benchmarks.bench_national import transmit_all
from ditep_core.auth.service import create_key, revoke_key
from ditep_core.db import Database, normalise_database_url
from ditep_core.models import SecrecyDecision
from ditep_core.nomenclatures import Scope
from ditep_core.observability import configure_logging


def first_read(url: str, key: str, path: str, period: str) -> float:
    """Seconds of the first read of ``path`` in a fresh activity-api process (the
    process's start not counted: timed once it answers /readyz)."""
    with (
        served_api(url) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=900
        ) as client,
    ):
        started = time.perf_counter()
        response = client.get(path, params={"period": period})
        seconds = time.perf_counter() - started
        response.raise_for_status()
    return seconds


def forget_decisions(database: Database) -> None:
    with database.unit_of_work(write=True) as session:
        session.execute(delete(SecrecyDecision))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of a COPY of a region")
    parser.add_argument("--period", default="2025-Q1", help="a quarter")
    parser.add_argument("--region", default="84")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per route, (c)")
    parser.add_argument("--cold-repeat", type=int, default=1, help="the same for (a)")
    arguments = parser.parse_args()
    configure_logging(level="WARNING")
    # A read deciding in (a) holds its transaction idle for tens of seconds.
    os.environ["DITEP_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"] = "1800000"
    url = normalise_database_url(arguments.url)
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    routes = {
        "national results": "/v1/national/results",
        f"region {arguments.region} activity": f"/v1/regions/{arguments.region}/activity",
    }
    try:
        transmitted, seconds = transmit_all(database, arguments.period)
        print(f"{transmitted} establishment(s) transmitted {arguments.period} in {seconds:.1f} s")
        with database.unit_of_work() as session:
            row, generated = create_key(session, name="bench_decisions", scopes=(Scope.ADMIN,))
            key_id, key = row.id, generated.plaintext
        try:
            before: dict[str, Timing] = {}
            for label, path in routes.items():
                timing = before[label] = Timing(f"{label}, decided in the read", [])
                for _ in range(arguments.cold_repeat):
                    forget_decisions(database)
                    timing.seconds.append(first_read(url, key, path, arguments.period))
                    print(f"  {timing.label}: {timing.seconds[-1]:.1f} s", flush=True)
            forget_decisions(database)
            started = time.perf_counter()
            decided = decide_quarter(database, arguments.period)
            task_seconds = time.perf_counter() - started
            with database.unit_of_work() as session:
                hidden = session.scalar(select(func.sum(SecrecyDecision.hidden_count)))
            print(
                f"task secrecy.decide {arguments.period}: {decided.stored} decision(s) stored "
                f"({hidden} hidden cells) in {task_seconds:.1f} s"
            )
            after: dict[str, Timing] = {}
            for label, path in routes.items():
                timing = after[label] = Timing(f"{label}, stored by the task", [])
                for _ in range(arguments.repeat):
                    timing.seconds.append(first_read(url, key, path, arguments.period))
                    print(f"  {timing.label}: {timing.seconds[-1] * 1000:.0f} ms", flush=True)
        finally:
            with database.unit_of_work() as session:
                revoke_key(session, key_id)
    finally:
        database.dispose()
    print(
        f"first read in a fresh process, {arguments.cold_repeat} process(es) each decided "
        f"in the read, {arguments.repeat} each stored by the task:"
    )
    for label in routes:
        for timing in (before[label], after[label]):
            print(f"{timing.label:>45}: p50 {timing.p50_ms:9.1f} ms   p95 {timing.p95_ms:9.1f} ms")
        print(
            f"{'ratio stored / decided in the read':>45}: p50 "
            f"{after[label].p50_ms / before[label].p50_ms:.4f}   p95 "
            f"{after[label].p95_ms / before[label].p95_ms:.4f}"
        )


if __name__ == "__main__":
    main()
