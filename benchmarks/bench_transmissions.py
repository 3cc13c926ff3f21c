"""National results of a quarter at regional scale, against a plain SELECT, in one run.

Against a database filled by ``benchmarks.region_generator``, in ONE transaction that is
rolled back at the end (the dataset is left as it was): every establishment transmits
the quarter (``transmissions.service.transmit``, as ``POST …/transmissions`` does), then

(a) national results: ``regions.service.national_results`` for the quarter (what
    ``GET /v1/national/results?period=`` serves: every region's row and the national
    total, statistical secrecy decided once over establishments, departments, regions
    and the nation), timed ``--repeat`` times after ``--warmup`` (warm);
(b) the baseline: a plain SELECT of the latest transmitted bodies of the quarter (what
    the results are built from), timed the same way on the same connection;
(c) national results cold: the same call with the process's decision cache emptied
    before each (``regions.aggregate.DECISIONS``): what every read cost before the
    decisions were cached, with today's suppression code (``--cold-repeat`` times);
(d) the region's ``/activity`` for the quarter (``regions.service.area_report``: the
    quarter and its months, the region, its departments and establishments, with the
    quarter's national results as given), warm and cold the same way, and warm with the
    remembered tables dropped before each read (``DECISIONS.forget_tables()``, decisions
    kept): what a warm read cost before the tables were remembered (the baseline of
    the warm figure, same run).

Prints p50/p95 of each, the ratios, and PASS/FAIL against the target (national results
p95 < 1 s warm).

    .venv/bin/python -m benchmarks.bench_transmissions \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_region_bench
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sqlalchemy import func, select

from activity_api.regions.aggregate import DECISIONS
from activity_api.regions.schemas import Area
from activity_api.regions.service import area_report, national_results
from activity_api.transmissions.service import transmit
from benchmarks.bench_counts import timed
from ditep_core.db import Database, normalise_database_url
from ditep_core.models import Establishment, Transmission
from ditep_core.observability import configure_logging
from ditep_counting.engine.periods import parse_period

TARGET_P95_MS = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of a generated region")
    parser.add_argument("--period", default="2025-Q1", help="a quarter, e.g. 2025-Q1")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--cold-repeat", type=int, default=3)
    parser.add_argument("--region", default="84", help="the region of (d)")
    arguments = parser.parse_args()
    configure_logging(level="WARNING")
    database = Database.from_url(normalise_database_url(arguments.url))
    period = parse_period(arguments.period)
    session = database.session_factory()
    try:
        establishments = session.scalars(select(Establishment).order_by(Establishment.finess)).all()
        started = time.perf_counter()
        for establishment in establishments:
            transmit(session, establishment, period.code, reason=None, transmitted_by="benchmark")
        session.flush()
        print(
            f"{len(establishments)} establishments transmitted {period.code} in "
            f"{time.perf_counter() - started:.1f} s (rolled back at the end)"
        )

        def ours(_index: int) -> object:
            return national_results(session, period)

        latest = (
            select(Transmission.establishment_id, func.max(Transmission.version).label("v"))
            .where(Transmission.period_code == period.code)
            .group_by(Transmission.establishment_id)
            .subquery()
        )
        plain = select(Transmission.body).join(
            latest,
            (Transmission.establishment_id == latest.c.establishment_id)
            & (Transmission.version == latest.c.v)
            & (Transmission.period_code == period.code),
        )

        def baseline(_index: int) -> object:
            return session.execute(plain).all()

        body = national_results(session, period)
        hidden = sum(len(row.suppressed) for row in body.regions) + len(body.totals.suppressed)
        print(
            f"national results: {len(body.regions)} region(s), "
            f"{body.transmissions.transmitted}/{body.transmissions.establishments} transmitted, "
            f"{hidden} cells hidden in the regions' and national rows"
        )
        national = timed("national results", ours, arguments.repeat, arguments.warmup)
        select_only = timed("plain SELECT", baseline, arguments.repeat, arguments.warmup)
        region = Area(kind="region", code=arguments.region, name=None, region_code=arguments.region)

        def region_activity(_index: int) -> object:
            return area_report(session, region, period)

        def cold(call: Callable[[int], object]) -> Callable[[int], object]:
            def run(index: int) -> object:
                DECISIONS.clear()
                return call(index)

            return run

        national_cold = timed("national (cold)", cold(ours), arguments.cold_repeat, 0)
        activity = timed("region activity", region_activity, arguments.repeat, arguments.warmup)

        def rebuilt(index: int) -> object:
            DECISIONS.forget_tables()
            return region_activity(index)

        activity_rebuilt = timed("activity (rebuilt)", rebuilt, arguments.repeat, arguments.warmup)
        activity_cold = timed("activity (cold)", cold(region_activity), arguments.cold_repeat, 0)
    finally:
        session.rollback()
        session.close()
        database.dispose()
    for timing in (national, select_only, national_cold, activity, activity_rebuilt, activity_cold):
        print(f"{timing.label:>18}: p50 {timing.p50_ms:8.1f} ms   p95 {timing.p95_ms:8.1f} ms")
    ratio = national.p95_ms / select_only.p95_ms if select_only.p95_ms else float("inf")
    print(f"ratio national / plain SELECT (p95): {ratio:.1f}")
    print(f"ratio national warm / cold (p95): {national.p95_ms / national_cold.p95_ms:.3f}")
    print(f"ratio region activity warm / cold (p95): {activity.p95_ms / activity_cold.p95_ms:.3f}")
    print(
        "ratio region activity warm / warm rebuilt (p50, p95): "
        f"{activity.p50_ms / activity_rebuilt.p50_ms:.3f}, "
        f"{activity.p95_ms / activity_rebuilt.p95_ms:.3f}"
    )
    verdict = "PASS" if national.p95_ms < TARGET_P95_MS else "FAIL"
    target = f"target < {TARGET_P95_MS:.0f} ms"
    print(f"{verdict}: national results p95 {national.p95_ms:.0f} ms ({target})")


if __name__ == "__main__":
    main()
