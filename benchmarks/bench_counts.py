"""Latency of activity counts at regional scale, against hand-written SQL, in one run.

Against a database filled by ``benchmarks.region_generator``, starts activity-api
in a child process (uvicorn, real HTTP on a free port, as deployed) with an
admin key, and measures p50/p95 over ``--repeat`` calls (after ``--warmup``) of:

(a) establishment-quarter: ``GET /v1/establishments/{finess}/activity`` for
    ``--establishments`` establishments in turn;
(b) region-quarter: ``GET /v1/regions/{code}/activity`` when the API has it,
    otherwise the internal equivalent: one establishment call per establishment
    of the region, summed (said in the output);
(c) the baseline: ONE hand-written SQL query per scope computing the file active
    (total and per modality) and the hours per modality from ``agenda_session`` and
    ``session_participant`` (duplicates across agendas merged on UID and
    recurrence id), timed the same way on one connection.

Calls ask for ``?period=2025-Q1`` first and fall back to ``start``/``end`` when the
API answers 422, so the script runs before and after the counting rewrite.
Prints p50/p95 per scope, the ratio to the baseline, and PASS/FAIL against the
targets (PostgreSQL: establishment-quarter p95 < 50 ms, region-quarter p95 < 500 ms).
``--profile`` also profiles one establishment-quarter count in-process.

    .venv/bin/python -m benchmarks.bench_counts \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_region_bench
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import math
import os
import pstats
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Connection, bindparam, event, select, text
from sqlalchemy.engine import make_url

from benchmarks.ingestion import SECRET
from ditep_core.auth.service import create_key, revoke_key
from ditep_core.db import Database, normalise_database_url
from ditep_core.models import Establishment, UTCDateTime, utc_now
from ditep_core.nomenclatures import Scope

TARGETS_MS = {"establishment-quarter": 50.0, "region-quarter": 500.0}
"""p95 targets, on PostgreSQL."""
SUPPORT = ("accueil_nuit", "accueil_jour", "ambulatoire", "coordination", "appui_ressources")
MODALITIES = ("accueil_nuit", "accueil_jour", "ambulatoire")


def quarter_bounds(period: str) -> tuple[dt.date, dt.date]:
    """``2025-Q1`` → (2025-01-01, 2025-04-01), the end excluded."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if match is None:
        raise SystemExit(f"period {period!r} is not a quarter like 2025-Q1")
    year, quarter = int(match[1]), int(match[2])
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- the baseline: one hand-written query per scope --------------------------------

_BASELINE = """
WITH counted AS (
    SELECT DISTINCT s.uid, s.recurrence_id, p.person_id, s.activity, p.presence,
           s.start_at, s.end_at
    FROM agenda_session s
    JOIN session_participant p ON p.session_id = s.id AND p.session_start_at = s.start_at
    WHERE {scope}
      AND s.start_at >= :lower AND s.start_at < :upper
      AND p.session_start_at >= :lower AND p.session_start_at < :upper
      AND s.activity IN ('accueil_nuit', 'accueil_jour', 'ambulatoire',
                         'coordination', 'appui_ressources')
      AND (s.status = 'done' OR (s.status = 'planned' AND s.end_at <= :now))
      AND p.kind = 'youth' AND p.presence <> 'absent'
)
SELECT
    COUNT(DISTINCT CASE WHEN {in_period} THEN person_id END) AS file_active,
    {by_modality}
FROM counted
"""
_ESTABLISHMENT_SCOPE = "s.establishment_id = :establishment_id"
_REGION_SCOPE = (
    "s.establishment_id IN (SELECT id FROM establishment WHERE region_code = :region_code)"
)


def baseline_sql(dialect: str, *, region: bool) -> str:
    """File active (total, per modality) and hours per modality, duplicates merged.

    The file active reads the sessions starting in the period; hours those of the
    youth-weeks whose Thursday is in it (counting.md §2), between ``:hours_start``
    and ``:hours_end``. Hours are summed over the distinct sessions of each young
    person: the engine also merges overlapping sessions of one young person within
    one activity, which the generated timetables never have.
    """
    hours = (
        "EXTRACT(EPOCH FROM (end_at - start_at)) / 3600.0"
        if dialect == "postgresql"
        else "(julianday(end_at) - julianday(start_at)) * 24.0"
    )
    in_period = "start_at >= :start AND start_at < :end"
    in_weeks = "start_at >= :hours_start AND start_at < :hours_end"
    by_modality = ",\n    ".join(
        f"COUNT(DISTINCT CASE WHEN activity = '{m}' AND presence = 'present' AND {in_period} "
        f"THEN person_id END) AS file_active_{m},\n    "
        f"COALESCE(SUM(CASE WHEN activity = '{m}' AND presence = 'present' AND {in_weeks} "
        f"THEN {hours} END), 0) AS hours_{m}"
        for m in MODALITIES
    )
    scope = _REGION_SCOPE if region else _ESTABLISHMENT_SCOPE
    return _BASELINE.format(scope=scope, in_period=in_period, by_modality=by_modality)


def youth_weeks(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday of the first ISO week whose Thursday is on or after ``start``, and that
    of the first week whose Thursday is on or after ``end``: the weeks of the period."""

    def first_monday(day: dt.date) -> dt.date:
        monday = day - dt.timedelta(days=day.weekday())
        return monday if monday + dt.timedelta(days=3) >= day else monday + dt.timedelta(weeks=1)

    return first_monday(start), first_monday(end)


@dataclass(frozen=True, slots=True)
class Figures:
    file_active: int
    by_modality: dict[str, int]
    hours: dict[str, float]


def run_baseline(
    connection: Connection,
    *,
    start: dt.date,
    end: dt.date,
    zone: ZoneInfo,
    now: dt.datetime,
    establishment_id: int | None = None,
    region_code: str | None = None,
    week_rule: bool = True,
) -> Figures:
    """The baseline query; ``week_rule=False`` counts the hours of the sessions starting in
    the period instead of those of its youth-weeks (the engine before the counting rewrite)."""
    statement = text(baseline_sql(connection.dialect.name, region=region_code is not None))
    moments = ("start", "end", "hours_start", "hours_end", "lower", "upper", "now")
    statement = statement.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in moments))
    hours_start, hours_end = youth_weeks(start, end) if week_rule else (start, end)

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)

    parameters: dict[str, Any] = {
        "start": utc(start),
        "end": utc(end),
        "hours_start": utc(hours_start),
        "hours_end": utc(hours_end),
        "lower": utc(min(start, hours_start)),
        "upper": utc(max(end, hours_end)),
        "now": now,
    }
    if region_code is None:
        parameters["establishment_id"] = establishment_id
    else:
        parameters["region_code"] = region_code
    row = connection.execute(statement, parameters).mappings().one()
    return Figures(
        file_active=int(row["file_active"]),
        by_modality={m: int(row[f"file_active_{m}"]) for m in MODALITIES},
        hours={m: round(float(row[f"hours_{m}"]), 2) for m in MODALITIES},
    )


# --- the API ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served_api(url: str, factory: str = "activity_api.main:app_factory") -> Iterator[str]:
    """A service (activity-api by default) in a child process (uvicorn, as ``ditep serve``
    runs it); its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": SECRET,
        "DITEP_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"{factory} did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class HttpGetter(Protocol):
    """``httpx.Client`` or the tests' ASGI client."""

    def get(self, url: str, *, params: dict[str, str]) -> httpx.Response: ...


class ActivityCalls:
    """Calls the activity routes, in whichever period style the API accepts."""

    def __init__(self, client: HttpGetter, period: str) -> None:
        self.client = client
        self.period = period
        start, end = quarter_bounds(period)
        self.params: dict[str, str] = {"period": period}
        self.fallback = {"start": start.isoformat(), "end": end.isoformat()}
        self.region_route: bool | None = None

    def _get(self, path: str) -> httpx.Response:
        response = self.client.get(path, params=self.params)
        if response.status_code == 422 and "period" in self.params:
            # Before the counting rewrite: only start/end are known.
            self.params = self.fallback
            response = self.client.get(path, params=self.params)
        return response

    def establishment(self, finess: str) -> dict[str, Any]:
        response = self._get(f"/v1/establishments/{finess}/activity")
        if response.status_code != 200:
            raise SystemExit(f"{finess}: {response.status_code} {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

    def region(self, region_code: str, finesses: Sequence[str]) -> int:
        """The region's file active: its route if the API has one, else the sum."""
        if self.region_route is not False:
            response = self._get(f"/v1/regions/{region_code}/activity")
            if response.status_code == 200:
                self.region_route = True
                return file_active_of(response.json())
            if response.status_code not in (404, 405):
                raise SystemExit(f"region: {response.status_code} {response.text[:300]}")
            self.region_route = False
        return sum(file_active_of(self.establishment(finess)) for finess in finesses)


def file_active_of(body: dict[str, Any]) -> int:
    """The file active total of an establishment body, or of an area body's total row
    (-1 if absent, e.g. suppressed)."""
    totals = body.get("totals")
    if isinstance(totals, dict) and isinstance(totals.get("figures"), dict):
        body = totals["figures"]
    value = body.get("file_active")
    total = value.get("total") if isinstance(value, dict) else None
    return total if isinstance(total, int) else -1


# --- timing ---------------------------------------------------------------------------


@dataclass(slots=True)
class Timing:
    label: str
    seconds: list[float]

    @property
    def p50_ms(self) -> float:
        return percentile(self.seconds, 0.5) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 0.95) * 1000


def timed(label: str, call: Callable[[int], object], repeat: int, warmup: int) -> Timing:
    """``call(i)`` ``warmup`` times untimed, then ``repeat`` times timed."""
    for index in range(warmup):
        call(index)
    seconds: list[float] = []
    for index in range(repeat):
        started = time.perf_counter()
        call(index)
        seconds.append(time.perf_counter() - started)
    return Timing(label, seconds)


def profile_one(database: Database, finess: str, start: dt.date, end: dt.date) -> None:
    """Profile one establishment-quarter count in-process: SQL time and top functions."""
    from activity_api.activity.service import activity_report
    from ditep_counting.engine.periods import range_period

    sql_seconds: list[float] = []
    rows_read: list[int] = []
    starts: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, *_args: Any) -> None:
        starts[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, *_args: Any) -> None:
        sql_seconds.append(time.perf_counter() - starts.pop(id(cursor), time.perf_counter()))
        rows_read.append(max(cursor.rowcount, 0))

    event.listen(database.engine, "before_cursor_execute", before)
    event.listen(database.engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    try:
        with database.unit_of_work() as session:
            establishment = session.scalars(
                select(Establishment).where(Establishment.finess == finess)
            ).one()
            started = time.perf_counter()
            profiler.enable()
            activity_report(session, establishment, range_period(start, end))
            profiler.disable()
            total = time.perf_counter() - started
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
        event.remove(database.engine, "after_cursor_execute", after)
    print(
        f"\nprofile of one establishment-quarter count ({finess}), in-process: "
        f"{total * 1000:.0f} ms (under the profiler), {len(sql_seconds)} queries executed in "
        f"{sum(sql_seconds) * 1000:.0f} ms (rows are fetched afterwards, in Python)"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(25)
    print("\n".join(out.getvalue().splitlines()[:60]))


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of a generated region")
    parser.add_argument("--period", default="2025-Q1", help="a quarter, e.g. 2025-Q1")
    parser.add_argument("--region", default="84")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per scope")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--establishments", type=int, default=5, help="establishments cycled in (a)"
    )
    parser.add_argument(
        "--region-repeat",
        type=int,
        default=5,
        help="timed region calls (a region call is 40 establishment calls until a route exists)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one establishment call")
    args = parser.parse_args()
    url = normalise_database_url(args.url)
    dialect = make_url(url).get_backend_name()
    start_date, end_date = quarter_bounds(args.period)
    database = Database.from_url(url, pool_size=2, max_overflow=2)
    with database.unit_of_work() as session:
        region = session.execute(
            select(Establishment.id, Establishment.finess, Establishment.timezone)
            .where(Establishment.region_code == args.region)
            .order_by(Establishment.finess)
        ).all()
        if not region:
            raise SystemExit(f"no establishment in region {args.region}: generate one first")
        client_row, generated = create_key(session, name="bench_counts", scopes=(Scope.ADMIN,))
        key_id = client_row.id
    finesses = [finess for _id, finess, _tz in region]
    sample = region[: max(1, args.establishments)]
    zone = ZoneInfo(region[0].timezone)
    now = utc_now()
    region_repeat = args.region_repeat
    print(
        f"{dialect}: region {args.region}, {len(region)} establishments, period {args.period} "
        f"({start_date}..{end_date}), {args.repeat} timed calls after {args.warmup} warm-up"
    )
    try:
        with (
            served_api(url) as base,
            httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {generated.plaintext}"},
                timeout=600,
            ) as client,
        ):
            calls = ActivityCalls(client, args.period)
            api_establishment = timed(
                "establishment-quarter",
                lambda i: calls.establishment(sample[i % len(sample)].finess),
                args.repeat,
                args.warmup,
            )
            api_region = timed(
                "region-quarter",
                lambda _i: calls.region(args.region, finesses),
                region_repeat,
                min(args.warmup, 1),
            )
            first_body = calls.establishment(sample[0].finess)
            api_first = file_active_of(first_body)
            api_region_total = calls.region(args.region, finesses)
            style = "period=" if "period" in calls.params else "start/end"
            region_how = (
                f"GET /v1/regions/{args.region}/activity"
                if calls.region_route
                else f"{len(finesses)} establishment calls summed (no region route yet)"
            )
        with database.engine.connect() as connection:
            # Every baseline query reads the same window.
            baseline = partial(
                run_baseline, connection, start=start_date, end=end_date, zone=zone, now=now
            )
            sql_establishment = timed(
                "establishment-quarter",
                lambda i: baseline(establishment_id=sample[i % len(sample)].id),
                args.repeat,
                args.warmup,
            )
            sql_region = timed(
                "region-quarter",
                lambda _i: baseline(region_code=args.region),
                region_repeat,
                min(args.warmup, 1),
            )
            sql_first = baseline(establishment_id=sample[0].id)
            sql_first_by_start = baseline(establishment_id=sample[0].id, week_rule=False)
            sql_region_figures = baseline(region_code=args.region)
    finally:
        with database.unit_of_work() as session:
            revoke_key(session, key_id)
    print(f"API period style: {style}; region-quarter through {region_how}")
    print(
        f"file active check: {sample[0].finess} API {api_first} vs SQL {sql_first.file_active}; "
        f"region API {api_region_total} vs SQL {sql_region_figures.file_active}"
    )
    api_hours = first_body.get("hours", {}).get("by_activity", {})
    print(f"hours per modality check ({sample[0].finess}): API / SQL by youth-weeks / by start")
    for m in MODALITIES:
        print(
            f"  {m:<13} {api_hours.get(m, '?')} / {sql_first.hours[m]} / "
            f"{sql_first_by_start.hours[m]}"
        )
    print(
        f"\n{'scope':<22} {'API p50':>9} {'API p95':>9} {'SQL p50':>9} {'SQL p95':>9} "
        f"{'p95 ratio':>9} {'target p95':>11}  verdict"
    )
    for api, sql in ((api_establishment, sql_establishment), (api_region, sql_region)):
        target = TARGETS_MS[api.label]
        verdict = "PASS" if api.p95_ms < target else "FAIL"
        if dialect != "postgresql":
            verdict += " (targets are for PostgreSQL)"
        print(
            f"{api.label:<22} {api.p50_ms:7.1f}ms {api.p95_ms:7.1f}ms "
            f"{sql.p50_ms:7.1f}ms {sql.p95_ms:7.1f}ms {api.p95_ms / sql.p95_ms:8.1f}x "
            f"{'< ' + format(target, '.0f') + ' ms':>11}  {verdict}"
        )
    if args.profile:
        profile_one(database, sample[0].finess, start_date, end_date)
    database.dispose()


if __name__ == "__main__":
    main()
