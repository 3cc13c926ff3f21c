"""A push's dry run against the push itself, measured in one run.

On one generated TDDUI Bundle (``--youth`` young people, their stays, ``--sessions``
event Encounters over about five months; ``tests.agenda_ingest.parsing.fhir.generator``),
in a fresh, migrated SQLite database holding one establishment (one per run; the
migration is not timed):

(a) baseline: the real push of the bundle into the empty FHIR source
    (``agenda_ingest.feeds.service.ingest_feed``: receipt, parse, apply, commit);
(b) ours: the dry run of the same bytes on the empty source, just before
    (``agenda_ingest.feeds.dry_run.dry_run_push``): the same checks, parser, window and
    rules, the import applied in a savepoint, every session's classification, the
    figures of every month it touches before and after, then all rolled back;
(c) the dry run of the same bytes again, once the bundle is stored (nothing changes:
    no month to count).

Prints the medians of ``--repeat`` runs in seconds, the ratio b/a, and whether (b) is
under the target of 1 s. Nothing is timed but the calls themselves.

    .venv/bin/python -m benchmarks.bench_dry_run [--sessions 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from agenda_ingest.feeds.dry_run import dry_run_push
from agenda_ingest.feeds.schemas import PushDryRun
from agenda_ingest.feeds.service import ImportOutcome, ingest_feed
from agenda_ingest.sources.service import add_source
from benchmarks.ingestion import MIGRATIONS_DIR, SECRET
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.establishments.service import add_establishment
from ditep_core.nomenclatures import FeedFormat, ImportStatus
from ditep_core.protection import DataProtection
from tests.agenda_ingest.parsing.fhir.generator import WINDOW, generate

TARGET_SECONDS = 1.0
FINESS = "690000017"
CONTENT_TYPE = "application/fhir+json"
T = TypeVar("T")


def _fresh_database(directory: Path, name: str) -> tuple[Database, int]:
    """A migrated SQLite file holding one establishment and one empty FHIR source."""
    url = f"sqlite:///{directory / f'{name}.sqlite3'}"
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url)
    with database.unit_of_work() as session:
        add_establishment(session, finess=FINESS, name="Bench", region_code="84")
        source_id = add_source(
            session,
            finess=FINESS,
            name="TDDUI export",
            feed_format=FeedFormat.FHIR,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
        ).id
    return database, source_id


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--youth", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    data = generate(youth=arguments.youth, events=arguments.sessions)
    protection = DataProtection.from_secret(SECRET)
    times: dict[str, list[float]] = {"push": [], "dry": [], "again": []}
    months = 0
    with tempfile.TemporaryDirectory() as directory:
        for run in range(arguments.repeat):
            # The same empty establishment for each: a dry run, then the push, then the
            # dry run of the same bundle once stored.
            database, source_id = _fresh_database(Path(directory), f"run-{run}")

            def rehearse(source: int = source_id, db: Database = database) -> PushDryRun:
                return dry_run_push(
                    db,
                    source_id=source,
                    payload=data,
                    content_type=CONTENT_TYPE,
                    protection=protection,
                )

            def push(source: int = source_id, db: Database = database) -> ImportOutcome:
                return ingest_feed(
                    db,
                    source_id=source,
                    payload=data,
                    content_type=CONTENT_TYPE,
                    protection=protection,
                )

            try:
                elapsed, planned = _timed(rehearse)
                times["dry"].append(elapsed)
                if planned.created != arguments.sessions:
                    raise SystemExit(f"the dry run planned {planned.created} sessions")
                months = len(planned.months)
                elapsed, outcome = _timed(push)
                times["push"].append(elapsed)
                if (outcome.status, outcome.created) != (
                    ImportStatus.PROCESSED,
                    planned.created,
                ):
                    raise SystemExit("the push did not do what the dry run said")
                elapsed, unchanged = _timed(rehearse)
                times["again"].append(elapsed)
                if unchanged.unchanged != arguments.sessions:
                    raise SystemExit("the second dry run did not find the sessions unchanged")
            finally:
                database.dispose()
    push_s, dry_s, again_s = (statistics.median(times[key]) for key in ("push", "dry", "again"))
    print(
        f"bundle: {arguments.sessions} sessions, {arguments.youth} young people, "
        f"{len(data):,} bytes; medians of {arguments.repeat} runs"
    )
    print(f"(a) baseline, the real push into an empty source  {push_s:7.3f} s")
    print(
        f"(b) the dry run on the empty source               {dry_s:7.3f} s"
        f"  ({months} months' figures before and after)"
    )
    print(f"(c) the dry run again, the bundle stored          {again_s:7.3f} s")
    print(f"ratio b/a: {dry_s / push_s:.2f}")
    verdict = "met" if dry_s < TARGET_SECONDS else "MISSED"
    target = f"a dry run of {arguments.sessions} sessions under {TARGET_SECONDS:.0f} s"
    print(f"target, {target}: {verdict}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"(load average of the machine while measured: {load})")


if __name__ == "__main__":
    main()
