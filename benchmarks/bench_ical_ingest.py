"""iCalendar ingestion against the field's libraries, measured in one run.

(a) baseline: icalendar + x-wr-timezone + recurring-ical-events parse the feed
    and expand it over the window;
(b) ours: the full ingestion of the same feed into a fresh, migrated SQLite
    database (parse, expand, recognise and pseudonymise participants, classify,
    write sessions and participants), through ``ingest_payload``.

Prints occurrences per second for both and the ratio b/a (medians of
``--repeat`` runs), for the flat export and for the same timetable as weekly
RRULEs. ``--rss`` also ingests a ≈100 MB flat feed in a child process and
prints its peak RSS.

    .venv/bin/python -m benchmarks.bench_ical_ingest [--repeat 3] [--rss]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import icalendar
import recurring_ical_events
import x_wr_timezone

from benchmarks.ingestion import ingest_into_fresh_database
from ditep_core.nomenclatures import FeedFormat
from tests.agenda_ingest.parsing.ical.generator import WINDOW, generate


def library_occurrences(data: bytes) -> int:
    calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(data))
    return len(recurring_ical_events.of(calendar).between(*WINDOW))


def our_ingestion(data: bytes, directory: Path) -> int:
    """Ingest into a new migrated SQLite file; returns the occurrences received."""
    elapsed, outcome = ingest_into_fresh_database(
        data, directory, feed_format=FeedFormat.ICAL, window=WINDOW
    )
    if outcome.failed or outcome.rejected:
        raise SystemExit(f"ingestion failed: {outcome.errors[:3]}")
    _TIMES.append(elapsed)
    return outcome.received


_TIMES: list[float] = []


def _median_rate(
    run: Callable[[], int], repeat: int, timed: list[float] | None = None
) -> tuple[float, int]:
    seconds: list[float] = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()
        seconds.append(time.perf_counter() - started)
    if timed is not None:
        seconds = timed[-repeat:]
    median = statistics.median(seconds)
    return median, count


def compare(label: str, data: bytes, repeat: int, directory: Path) -> float:
    library_seconds, library_count = _median_rate(lambda: library_occurrences(data), repeat)
    ours_seconds, ours_count = _median_rate(
        lambda: our_ingestion(data, directory), repeat, timed=_TIMES
    )
    if library_count != ours_count:
        raise SystemExit(f"{label}: library found {library_count} occurrences, we {ours_count}")
    library_rate = library_count / library_seconds
    ours_rate = ours_count / ours_seconds
    ratio = ours_rate / library_rate
    print(
        f"{label:<18} {len(data) / 1e6:6.1f} MB {ours_count:>7} occurrences | "
        f"(a) libraries {library_seconds:7.3f} s {library_rate:>9,.0f} occ/s | "
        f"(b) ours {ours_seconds:7.3f} s {ours_rate:>9,.0f} occ/s | ratio b/a {ratio:5.1f}x"
    )
    return ratio


def rss_child(feed: Path) -> None:
    """Run in a child process: read a feed file and ingest it, as `ditep ingest` does."""
    data = feed.read_bytes()
    with tempfile.TemporaryDirectory() as directory:
        received = our_ingestion(data, Path(directory))
    # VmHWM: this process's peak RSS since its exec (ru_maxrss would also count
    # the pages of the parent it was forked from).
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    print(f"{len(data) / 1e6:.1f} MB, {received} occurrences, {_TIMES[-1]:.1f} s")
    print(peak_kb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rss", action="store_true", help="also measure a 100 MB feed's peak RSS")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    with tempfile.TemporaryDirectory() as directory:
        flat = compare("flat export", generate(), args.repeat, Path(directory))
        rrule = compare("weekly RRULEs", generate(recurring=True), args.repeat, Path(directory))
    print(
        f"targets: flat >= 10x ({'met' if flat >= 10 else 'NOT met'}), "
        f"RRULE >= 1x ({'met' if rrule >= 1 else 'NOT met'})"
    )
    if args.rss:
        # The feed is written by this process, so that the child's peak RSS is
        # the ingestion's alone (reading the file included).
        with tempfile.TemporaryDirectory() as directory:
            feed = Path(directory) / "feed-100mb.ics"
            feed.write_bytes(generate(youth=round(100 * 100 / 11.9), weeks=40))
            child = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "benchmarks.bench_ical_ingest", "--rss-child", str(feed)],
                capture_output=True,
                text=True,
                check=True,
            )
        summary, peak = child.stdout.strip().splitlines()[-2:]
        peak_kb = int(peak)
        verdict = "met" if peak_kb < 400 * 1024 else "NOT met"
        print(
            f"100 MB feed: {summary}, peak RSS {peak_kb / 1024:.0f} MB (target < 400 MB: {verdict})"
        )


if __name__ == "__main__":
    main()
