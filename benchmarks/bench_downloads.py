"""XLSX downloads at regional scale, against the JSON body of the same route, in one run.

Against a database filled by ``benchmarks.region_generator``, starts activity-api in a
child process (uvicorn, real HTTP, as deployed) with an admin key and measures p50/p95
over ``--repeat`` calls (after ``--warmup``) of:

(a) one establishment's quarter: ``GET /v1/establishments/{finess}/activity`` as JSON
    (the baseline) and with ``?format=xlsx`` (every table, the steering indicators of the
    quarter and of the year before, the method sheet), establishments taken in turn;
(b) the region's quarter: ``GET /v1/regions/{code}/activity`` as JSON (the baseline) and
    with ``?format=xlsx`` (one row per establishment and the total on each table, and
    the region's indicators).

Prints p50/p95 per call, the ratio XLSX / JSON, the workbook sizes, and PASS/FAIL
against the targets of issue 16 (p95: establishment XLSX < 300 ms, region XLSX < 2 s).

    .venv/bin/python -m benchmarks.bench_downloads \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_region_bench

With ``--fill N`` (PostgreSQL), a region generated with fewer establishments is first
filled up to N by cloning its first establishment's rows (sessions, participants, people,
sources, capacities, rollups) into new establishments of the same region with
``bench_national``'s COPY cloner: the regional scale (40 establishments) in minutes
instead of the generator's hour on a small machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks.bench_counts import Timing, served_api, timed
from benchmarks.bench_national import NATIONAL_REGIONS, clone, read_template
from benchmarks.served import get_ok, region_finesses, region_parser, timing_line
from ditep_core.auth.service import create_key, revoke_key
from ditep_core.db import Database, normalise_database_url
from ditep_core.models import Establishment
from ditep_core.nomenclatures import Scope
from ditep_core.web.tabular import XLSX_MEDIA_TYPE

TARGETS_MS = {"establishment": 300.0, "region": 2000.0}


def _get(client: httpx.Client, path: str, params: dict[str, str]) -> httpx.Response:
    response = get_ok(client, path, params)
    if params.get("format") == "xlsx":
        assert response.headers["content-type"] == XLSX_MEDIA_TYPE
        assert response.content[:2] == b"PK"  # a zip container: a workbook
    return response


def main() -> None:
    parser = region_parser(__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed establishment calls")
    parser.add_argument("--region-repeat", type=int, default=5, help="timed region calls")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--establishments", type=int, default=5, help="cycled in (a)")
    parser.add_argument(
        "--scopes",
        nargs="+",
        choices=TARGETS_MS,
        default=list(TARGETS_MS),
        help="what to time (each printed as soon as measured)",
    )
    parser.add_argument(
        "--fill", type=int, default=0, help="clone the first establishment up to N (PostgreSQL)"
    )
    args = parser.parse_args()
    url = normalise_database_url(args.url)
    if args.fill:
        fill_region(url, args.region, args.fill)
    database = Database.from_url(url, pool_size=2, max_overflow=2)
    with database.unit_of_work() as session:
        finesses = region_finesses(session, args.region)
        client_row, generated = create_key(session, name="bench_downloads", scopes=(Scope.ADMIN,))
        key_id = client_row.id
    sample = finesses[: max(1, args.establishments)]
    print(
        f"{make_url(url).get_backend_name()}: region {args.region}, {len(finesses)} "
        f"establishments, period {args.period}; {args.repeat} establishment and "
        f"{args.region_repeat} region calls timed after {args.warmup} warm-up"
    )
    sizes: dict[str, int] = {}
    try:
        timings = _measure(url, generated.plaintext, args, sample, sizes)
    finally:
        with database.unit_of_work() as session:
            revoke_key(session, key_id)
        database.dispose()
    if not all(timings[(scope, "xlsx")].p95_ms < TARGETS_MS[scope] for scope in args.scopes):
        raise SystemExit(1)


def fill_region(url: str, region: str, wanted: int) -> None:
    """Clone the region's first establishment until the region has ``wanted``."""
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as session:
            finesses = sorted(
                session.scalars(
                    select(Establishment.finess).where(Establishment.region_code == region)
                )
            )
    finally:
        database.dispose()
    missing = wanted - len(finesses)
    if missing <= 0 or not finesses:
        return
    # ``clone`` puts index i in NATIONAL_REGIONS[i % n]: these indexes all land in the region.
    position, count = NATIONAL_REGIONS.index(region), len(NATIONAL_REGIONS)
    indexes = [position + count * step for step in range(missing)]
    template = read_template(url, finesses[0], None)
    for start in range(0, len(indexes), 5):
        clone([url], template, indexes[start : start + 5])
    print(f"region {region}: {missing} establishments cloned from {finesses[0]}")


def _measure(
    url: str, key: str, args: argparse.Namespace, sample: list[str], sizes: dict[str, int]
) -> dict[tuple[str, str], Timing]:
    json_params = {"period": args.period}
    xlsx_params = {"period": args.period, "format": "xlsx"}
    with (
        served_api(url) as base,
        httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {key}"},
            timeout=600,
        ) as client,
    ):

        def establishment(params: dict[str, str]) -> Callable[[int], object]:
            def call(index: int) -> object:
                finess = sample[index % len(sample)]
                response = _get(client, f"/v1/establishments/{finess}/activity", params)
                sizes["establishment-" + params.get("format", "json")] = len(response.content)
                return response

            return call

        def region(params: dict[str, str]) -> Callable[[int], object]:
            def call(_index: int) -> object:
                response = _get(client, f"/v1/regions/{args.region}/activity", params)
                sizes["region-" + params.get("format", "json")] = len(response.content)
                return response

            return call

        timings: dict[tuple[str, str], Timing] = {}
        if "establishment" in args.scopes:
            timings[("establishment", "json")] = timed(
                "establishment JSON", establishment(json_params), args.repeat, args.warmup
            )
            timings[("establishment", "xlsx")] = timed(
                "establishment XLSX", establishment(xlsx_params), args.repeat, args.warmup
            )
            _report(timings, sizes, "establishment")  # printed before the region's calls
        if "region" in args.scopes:
            warmup = min(args.warmup, 1)
            timings[("region", "json")] = timed(
                "region JSON", region(json_params), args.region_repeat, warmup
            )
            timings[("region", "xlsx")] = timed(
                "region XLSX", region(xlsx_params), args.region_repeat, warmup
            )
            _report(timings, sizes, "region")
        return timings


def _report(timings: dict[tuple[str, str], Timing], sizes: dict[str, int], scope: str) -> bool:
    """Print one scope's figures; True when its target is met."""
    baseline, download = timings[(scope, "json")], timings[(scope, "xlsx")]
    print(f"{scope} quarter:")
    print(timing_line(f"JSON body (baseline, {sizes[scope + '-json']:,} B)", baseline))
    print(timing_line(f"XLSX workbook ({sizes[scope + '-xlsx']:,} B)", download))
    ratio = download.p95_ms / baseline.p95_ms if baseline.p95_ms else float("inf")
    target = TARGETS_MS[scope]
    verdict = "PASS" if download.p95_ms < target else "FAIL"
    print(
        f"  XLSX / JSON ratio (p95): {ratio:.2f}; target p95 < {target:.0f} ms: {verdict}",
        flush=True,
    )
    return verdict == "PASS"


if __name__ == "__main__":
    main()
