"""Counting an establishment-quarter and a region-quarter: rollups against the sessions.

(a) baseline: the pure engine over the quarter's sessions read from the
    database (what a count costs without rollups);
(b) ours: ``establishment_reports`` as the API calls it, over fresh rollups
    (refreshed by ``refresh_rollups`` as an import does; timed separately).

Prints p50/p95 of both for one establishment-quarter, of (b) for the region
(all establishments, one call) and the ratio a/b.

    .venv/bin/python -m benchmarks.bench_counting [--quick] [--establishments 4]
        [--youth 100] [--weeks 44] [--first-monday 2024-09-02]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

    A region-quarter quickly: --establishments 40 --weeks 14 --first-monday 2024-12-30
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from activity_api.activity.service import establishment_reports
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import AgendaSession, Establishment, utc_now
from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.periods import parse_period
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import refresh_rollups
from tests.counting.data import build_establishment

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
QUARTER = parse_period("2025-Q1")


@contextmanager
def scratch_database(admin_url: str | None, directory: Path) -> Iterator[str]:
    if admin_url is None:
        yield f"sqlite:///{directory / 'bench-counting.sqlite3'}"
        return
    name = f"ditep_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timings(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return statistics.median(seconds) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--establishments", type=int, default=4)
    parser.add_argument("--youth", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=44, help="weeks of data")
    parser.add_argument(
        "--first-monday",
        type=dt.date.fromisoformat,
        default=dt.date(2024, 9, 2),
        help="first week of data (2024-12-30 with --weeks 14: just the quarter counted)",
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--url", help="a PostgreSQL admin URL; default: a SQLite file")
    parser.add_argument("--quick", action="store_true", help="2 establishments, 10 repeats")
    args = parser.parse_args()
    if args.quick:
        args.establishments, args.repeat = 2, 10
    with (
        tempfile.TemporaryDirectory() as directory,
        scratch_database(args.url, Path(directory)) as url,
    ):
        migrations.upgrade(url, MIGRATIONS)
        database = Database.from_url(url)
        started = time.perf_counter()
        with database.unit_of_work() as session:
            ids = [
                build_establishment(
                    session,
                    index,
                    youth=args.youth,
                    weeks=args.weeks,
                    first_monday=args.first_monday,
                ).id
                for index in range(1, args.establishments + 1)
            ]
            sessions = session.scalar(select(func.count()).select_from(AgendaSession))
        print(
            f"data: {args.establishments} establishments, {sessions} sessions "
            f"({time.perf_counter() - started:.1f} s to write)"
        )
        started = time.perf_counter()
        for establishment_id in ids:
            with database.unit_of_work() as session:
                establishment = session.get(Establishment, establishment_id)
                assert establishment is not None
                refresh_rollups(session, establishment)
        refresh = time.perf_counter() - started
        print(
            f"rollups: {refresh / len(ids):.2f} s per establishment to roll up its "
            f"{args.weeks} weeks (what a first import costs)"
        )

        def ours(establishment_ids: list[int]) -> None:
            with database.unit_of_work() as session:
                establishments = [session.get(Establishment, i) for i in establishment_ids]
                establishment_reports(session, [e for e in establishments if e], QUARTER)

        def baseline() -> None:
            with database.unit_of_work() as session:
                repository = RollupRepository(session)
                paris = ZoneInfo("Europe/Paris")
                bounds = (
                    dt.datetime.combine(QUARTER.start, dt.time(), tzinfo=paris),
                    dt.datetime.combine(QUARTER.end, dt.time(), tzinfo=paris),
                )
                figures_from_sessions(
                    repository.sessions_starting_between(ids[0], *bounds),
                    repository.participant_links_between(ids[0], *bounds),
                    period=QUARTER,
                    timezone="Europe/Paris",
                    now=utc_now(),
                )

        ours([ids[0]])  # warm-up
        base_p50, base_p95 = timings(baseline, max(3, args.repeat // 5))
        one_p50, one_p95 = timings(lambda: ours([ids[0]]), args.repeat)
        all_p50, all_p95 = timings(lambda: ours(ids), max(3, args.repeat // 3))
        print(
            f"baseline, engine over sessions, establishment-quarter: "
            f"p50 {base_p50:.1f} ms, p95 {base_p95:.1f} ms"
        )
        print(f"ours, rollups, establishment-quarter: p50 {one_p50:.1f} ms, p95 {one_p95:.1f} ms")
        print(
            f"ours, rollups, {len(ids)} establishments' quarter in one call: "
            f"p50 {all_p50:.1f} ms, p95 {all_p95:.1f} ms"
        )
        print(f"ratio baseline/ours (p50): {base_p50 / one_p50:.1f}x")
        database.dispose()


if __name__ == "__main__":
    main()
