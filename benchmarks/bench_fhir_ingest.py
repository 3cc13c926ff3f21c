"""FHIR ingestion against fhir.resources, measured in one run.

On one generated TDDUI Bundle (100 young people, their stays, 20,000 event
Encounters; ``tests.agenda_ingest.parsing.fhir.generator``):

(a) baseline: fhir.resources (R4B models) parses and validates the Bundle;
(b) ours: the full ingestion of the same bytes into a fresh, migrated SQLite
    database (decode, map, recognise and pseudonymise participants, classify,
    write sessions, participants and pathway periods), through
    ``ingest_payload``; only the ingestion is timed, not the migration.

Prints event encounters per second for both and the ratio b/a (medians of
``--repeat`` runs; the target is at least 5x). fhir.resources runs with the
collector as Python leaves it; our ingestion pauses it itself (see
``agenda_ingest.parsing.memory``). ``--baseline-without-gc`` also times (a) with the
collector off, for a like-for-like comparison.

    .venv/bin/python -m benchmarks.bench_fhir_ingest [--repeat 3] [--baseline-without-gc]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter

from benchmarks.ingestion import ingest_into_fresh_database
from ditep_core.nomenclatures import FeedFormat
from tests.agenda_ingest.parsing.fhir.generator import WINDOW, generate

TARGET = 5.0


def library_events(data: bytes) -> float:
    """Seconds fhir.resources takes to parse and validate the Bundle."""
    started = time.perf_counter()
    bundle = Bundle.model_validate_json(data)
    elapsed = time.perf_counter() - started
    events = sum(
        1
        for entry in bundle.entry or ()
        if isinstance(entry.resource, Encounter) and entry.resource.partOf is not None
    )
    if events != _EXPECTED[0]:
        raise SystemExit(f"fhir.resources read {events} event encounters, not {_EXPECTED[0]}")
    return elapsed


def our_ingestion(data: bytes, directory: Path) -> float:
    """Seconds our ingestion takes, into a new migrated SQLite file."""
    elapsed, outcome = ingest_into_fresh_database(
        data, directory, feed_format=FeedFormat.FHIR, window=WINDOW
    )
    if outcome.failed or outcome.rejected or outcome.received != _EXPECTED[0]:
        raise SystemExit(
            f"ingestion: {outcome.received} received, {outcome.rejected} rejected "
            f"(expected {_EXPECTED[0]}): {outcome.errors[:3]}"
        )
    return elapsed


_EXPECTED = [0]


def _median(run: Callable[[], float], repeat: int) -> float:
    return statistics.median(run() for _ in range(repeat))


def _without_gc(run: Callable[[], float]) -> Callable[[], float]:
    def wrapped() -> float:
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--youth", type=int, default=100)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument(
        "--baseline-without-gc",
        action="store_true",
        help="also time fhir.resources with the garbage collector off",
    )
    args = parser.parse_args()
    data = generate(youth=args.youth, events=args.events)
    _EXPECTED[0] = args.events
    print(
        f"TDDUI bundle: {len(data) / 1e6:.1f} MB, {args.youth} young people, "
        f"{args.events} event encounters, medians of {args.repeat} runs"
    )
    library = _median(lambda: library_events(data), args.repeat)
    with tempfile.TemporaryDirectory() as directory:
        ours = _median(lambda: our_ingestion(data, Path(directory)), args.repeat)
    library_rate, ours_rate = args.events / library, args.events / ours
    ratio = ours_rate / library_rate
    print(
        f"(a) fhir.resources R4B parse + validate {library:7.3f} s {library_rate:>9,.0f} events/s"
    )
    print(f"(b) our ingestion into SQLite          {ours:7.3f} s {ours_rate:>9,.0f} events/s")
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio b/a {ratio:5.1f}x (target >= {TARGET:.0f}x: {verdict})")
    if args.baseline_without_gc:
        quiet = _median(_without_gc(lambda: library_events(data)), args.repeat)
        print(
            f"(a') fhir.resources, collector off      {quiet:7.3f} s "
            f"{args.events / quiet:>9,.0f} events/s; ratio b/a' {quiet / ours:5.1f}x"
        )


if __name__ == "__main__":
    main()
