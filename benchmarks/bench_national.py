"""National scale on PostgreSQL: partitioned sessions against plain tables, in one run.

1. A template establishment is generated and ingested through the real ingestion
   (``benchmarks.region_generator``: one DITEP of ``--youth`` young people over the
   school year 2024-2025, iCal feeds, duplicates across agendas) and its rollups
   computed, in a database migrated to head (sessions partitioned by month).
2. With ``--compare``, a copy of that database (``CREATE DATABASE ... TEMPLATE``) gets
   plain, unpartitioned ``agenda_session`` and ``session_participant`` tables, with the
   same columns and the logical keys (what the schema was before migration 0014).
3. The template's rows (capacities, sources, people, sessions up to ``--weeks`` school
   weeks, participants, every rollup table) are cloned into ``--establishments`` - 1
   more establishments spread over the metropolitan regions, at COPY speed (psycopg 3
   ``cursor.copy``, text rows with their ids shifted), into both databases at once,
   foreign keys not checked row by row (``--check-foreign-keys`` to check them).
   Payloads are not cloned (sessions' ``import_id`` is NULL): their size is reported
   per establishment from the template.
4. At each ``--stages`` size (establishments) and at the end, on each database: rows,
   database size, establishment-quarter p95 (``GET /v1/establishments/{finess}/activity``),
   region-quarter p95 (``GET /v1/regions/{code}/activity``, the largest region),
   national activity for the quarter (the region route summed over every region), the
   national results (``GET /v1/national/results``, once every establishment has
   transmitted the quarter: the transmissions are made in-process first, their time
   printed), and the hand-written SQL of bench_counts over the sessions of the largest
   region (where partition pruning matters). Reads go through activity-api on uvicorn (a
   child process, real HTTP, new at each stage): the first call of the region, national
   and national-results reads (secrecy decided cold) is printed apart from the p95 of
   the calls after it (warm).
5. At the end, on each database: the rollup refresh of one establishment-year (the
   service function, in-process) and ingest throughput with 8 concurrent pushers: a
   new establishment's feeds pushed over real HTTP to agenda-ingest on uvicorn (one
   process, as ``ditep serve`` runs it), sessions created per second of wall clock.

    .venv/bin/python -m benchmarks.bench_national --establishments 39 --stages 13 --compare
    .venv/bin/python -m benchmarks.bench_national --establishments 3 --youth 4 --weeks 6
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
import psycopg
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from activity_api.transmissions.service import transmit
from benchmarks.bench_counts import (
    ActivityCalls,
    Timing,
    quarter_bounds,
    run_baseline,
    served_api,
    timed,
)
from benchmarks.ingestion import MIGRATIONS_DIR, SECRET
from benchmarks.region_generator import (
    SCHOOL_START,
    WINDOW,
    add_feed_source,
    create_postgres_database,
    feeds_of,
    finess_number,
    generate_region,
    plan_establishment,
)
from ditep_core import migrations
from ditep_core.auth.service import create_key
from ditep_core.db import Database, normalise_database_url
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.establishments.service import add_establishment
from ditep_core.geography import REGIONS, departments_of_region
from ditep_core.models import Establishment, Transmission, utc_now
from ditep_core.nomenclatures import Scope
from ditep_core.observability import configure_logging
from ditep_core.partitions.service import ensure_partitions
from ditep_core.protection import DataProtection
from ditep_counting.rollups.service import refresh_rollups

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ditep_national_bench"
TARGETS_MS = {
    "establishment-quarter": 50.0,
    "region-quarter": 500.0,
    # Issue 18's "national results for a quarter" is GET /v1/national/results; the national
    # activity summed over the region route is printed as a measure, with no target.
    "national-results": 1000.0,
}
PUSHERS = 8
# Cloned tables, in an order that satisfies their foreign keys, and the column that
# ties their rows to the template (``None``: the establishment_id column itself).
_ROLLUP_DATES = {
    "rollup_state": "week_start",
    "rollup_youth_week": "week_start",
    "rollup_youth_day": "day",
    "rollup_youth_month": "month_start",
    "rollup_quality_day": "day",
    "rollup_quality_month": "month_start",
    "rollup_appui_day": "day",
}
# Metropolitan regions whose departments are two digits (FINESS-shaped numbers).
NATIONAL_REGIONS = tuple(
    code
    for code in sorted(REGIONS)
    if departments_of_region(code)
    and all(re.fullmatch(r"\d\d", department) for department in departments_of_region(code))
)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return (
        make_url(normalise_database_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


# --- the unpartitioned copy ------------------------------------------------------------

_UNPARTITION = (
    "CREATE TABLE agenda_session_plain (LIKE agenda_session INCLUDING DEFAULTS)",
    "ALTER SEQUENCE agenda_session_id_seq OWNED BY agenda_session_plain.id",
    "INSERT INTO agenda_session_plain SELECT * FROM agenda_session",
    "CREATE TABLE session_participant_plain (LIKE session_participant)",
    "INSERT INTO session_participant_plain SELECT * FROM session_participant",
    "DROP TABLE session_participant",
    "DROP TABLE agenda_session",
    "DROP SCHEMA ditep_partitions CASCADE",
    "ALTER TABLE agenda_session_plain RENAME TO agenda_session",
    "ALTER TABLE session_participant_plain RENAME TO session_participant",
    "ALTER TABLE agenda_session ADD CONSTRAINT pk_agenda_session PRIMARY KEY (id)",
    "ALTER TABLE agenda_session ADD CONSTRAINT uq_agenda_session_source_id_uid_recurrence_id "
    "UNIQUE (source_id, uid, recurrence_id)",
    "CREATE INDEX ix_agenda_session_establishment_id_start_at "
    "ON agenda_session (establishment_id, start_at)",
    "CREATE INDEX ix_agenda_session_import_id ON agenda_session (import_id)",
    "ALTER TABLE agenda_session ADD FOREIGN KEY (establishment_id) "
    "REFERENCES establishment (id) ON DELETE CASCADE",
    "ALTER TABLE agenda_session ADD FOREIGN KEY (source_id) REFERENCES source (id) "
    "ON DELETE CASCADE",
    "ALTER TABLE agenda_session ADD FOREIGN KEY (import_id) REFERENCES feed_import (id) "
    "ON DELETE SET NULL",
    "ALTER TABLE session_participant ADD CONSTRAINT pk_session_participant "
    "PRIMARY KEY (session_id, person_id)",
    "CREATE INDEX ix_session_participant_person_id ON session_participant (person_id)",
    "ALTER TABLE session_participant ADD FOREIGN KEY (person_id) REFERENCES person (id) "
    "ON DELETE CASCADE",
    "ALTER TABLE session_participant ADD FOREIGN KEY (session_id) "
    "REFERENCES agenda_session (id) ON DELETE CASCADE",
)


def copy_unpartitioned(url: str) -> str:
    """A copy of the database at ``url`` whose sessions and participants are plain tables."""
    parsed = make_url(normalise_database_url(url))
    plain = parsed.set(database=f"{parsed.database}_plain")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{plain.database}" WITH (FORCE)'))
            connection.execute(
                text(f'CREATE DATABASE "{plain.database}" TEMPLATE "{parsed.database}"')
            )
    finally:
        admin.dispose()
    plain_url = plain.render_as_string(hide_password=False)
    with psycopg.connect(libpq_url(plain_url)) as connection:
        for statement in _UNPARTITION:
            connection.execute(statement.encode())
        connection.execute(b"ANALYZE")
    return plain_url


# --- cloning at COPY speed ---------------------------------------------------------------


@dataclass(slots=True)
class Template:
    """The template establishment's rows, as COPY text lines, per table."""

    establishment_id: int
    region_code: str
    capacities: list[bytes]
    sources: list[bytes]
    people: list[bytes]
    sessions: list[bytes]
    participants: list[bytes]
    rollups: dict[str, list[bytes]]
    columns: dict[str, list[str]]
    min_ids: dict[str, int]
    payload_bytes: int


def _copy_out(connection: psycopg.Connection, query: str) -> list[bytes]:
    buffer = io.BytesIO()
    with connection.cursor().copy(f"COPY ({query}) TO STDOUT".encode()) as copy:
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue().splitlines()


def _quoted(columns: Sequence[str]) -> str:
    """Column names quoted: a rollup column is named ``overlaps``, an SQL keyword."""
    return ", ".join(f'"{column}"' for column in columns)


def _columns(connection: psycopg.Connection, table: str) -> list[str]:
    rows = connection.execute(
        b"SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        b"AND table_schema = current_schema() ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [str(name) for (name,) in rows]


def read_template(url: str, finess: str, weeks: int | None) -> Template:
    cutoff = SCHOOL_START + dt.timedelta(weeks=weeks) if weeks else WINDOW[1]
    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute(
            b"SELECT id, region_code FROM establishment WHERE finess = %s", (finess,)
        ).fetchone()
        assert row is not None
        establishment_id, region = int(row[0]), str(row[1])
        tables = ("establishment_capacity", "source", "person", "agenda_session")
        columns = {
            table: _columns(connection, table)
            for table in (*tables, "session_participant", *_ROLLUP_DATES)
        }

        def select_of(table: str, where: str) -> str:
            return f"SELECT {_quoted(columns[table])} FROM {table} WHERE {where}"  # noqa: S608

        mine = f"establishment_id = {establishment_id}"
        in_weeks = f"{mine} AND start_at < '{cutoff.isoformat()}'"
        participant_columns = ", ".join(
            f'p."{column}"' for column in columns["session_participant"]
        )
        participants = (
            f"SELECT {participant_columns} FROM session_participant p "  # noqa: S608 - our names
            "JOIN agenda_session s ON s.id = p.session_id "
            f"AND s.start_at = p.session_start_at WHERE s.{in_weeks}"
        )
        min_ids = {}
        for table in ("source", "person", "agenda_session"):
            value = connection.execute(
                f"SELECT min(id) FROM {table} WHERE {mine}".encode()  # noqa: S608
            ).fetchone()
            assert value is not None
            min_ids[table] = int(value[0])
        payload = connection.execute(
            b"SELECT coalesce(sum(length(payload_sealed)), 0) FROM feed_import i "
            b"JOIN source s ON s.id = i.source_id WHERE s.establishment_id = %s",
            (establishment_id,),
        ).fetchone()
        return Template(
            establishment_id=establishment_id,
            region_code=region,
            capacities=_copy_out(connection, select_of("establishment_capacity", mine)),
            sources=_copy_out(connection, select_of("source", mine)),
            people=_copy_out(connection, select_of("person", mine)),
            sessions=_copy_out(connection, select_of("agenda_session", in_weeks)),
            participants=_copy_out(connection, participants),
            rollups={
                table: _copy_out(
                    connection,
                    select_of(table, f"{mine} AND {date} < '{cutoff.isoformat()}'"),
                )
                for table, date in _ROLLUP_DATES.items()
            },
            columns=columns,
            min_ids=min_ids,
            payload_bytes=int(payload[0]) if payload else 0,
        )


def _shifter(columns: Sequence[str], shifts: dict[str, int | None]) -> Callable[[bytes], bytes]:
    """A function rewriting one COPY text line: integer columns shifted (None: NULL)."""
    positions = [(columns.index(name), shift) for name, shift in shifts.items() if name in columns]

    def rewrite(line: bytes) -> bytes:
        fields = line.split(b"\t")
        for position, shift in positions:
            if shift is None:
                fields[position] = b"\\N"
            elif fields[position] != b"\\N":
                fields[position] = str(int(fields[position]) + shift).encode()
        return b"\t".join(fields)

    return rewrite


def _copy_in(
    connections: Sequence[psycopg.Connection],
    table: str,
    columns: Sequence[str],
    lines: Iterator[bytes] | list[bytes],
) -> None:
    if not lines:
        return
    statement = f"COPY {table} ({_quoted(columns)}) FROM STDIN".encode()
    data = b"\n".join(lines) + b"\n"
    for connection in connections:
        with connection.cursor().copy(statement) as copy:
            # Whole megabytes at a time: one write per row would cost more than the rows.
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])


def _max_id(connection: psycopg.Connection, table: str) -> int:
    row = connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}".encode()).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def clone(
    urls: Sequence[str],
    template: Template,
    indexes: Sequence[int],
    *,
    check_foreign_keys: bool = False,
) -> None:
    """Clone the template into establishments ``indexes`` (one FINESS each), every database.

    People keep the template's pseudonyms (pseudonyms are per establishment: no clash)."""
    plans = []
    for index in indexes:
        region = NATIONAL_REGIONS[index % len(NATIONAL_REGIONS)]
        departments = [d for d in departments_of_region(region) if re.fullmatch(r"\d\d", d)]
        department = departments[(index // len(NATIONAL_REGIONS)) % len(departments)]
        plans.append((finess_number(department, 500_000 + index), region, department))
    for url in urls:
        database = Database.from_url(url, pool_size=1, max_overflow=0)
        try:
            with database.unit_of_work() as session:
                for finess, region, department in plans:
                    add_establishment(
                        session,
                        finess=finess,
                        name=f"DITEP national {finess}",
                        region_code=region,
                        department_code=department,
                    )
        finally:
            database.dispose()
    connections = [psycopg.connect(libpq_url(url)) for url in urls]
    try:
        for connection in connections:
            if not check_foreign_keys:
                # Foreign keys not checked row by row, as pg_restore --disable-triggers
                # loads: the rows are the template's, whose references hold, with every id
                # shifted alike (docs/scale.md gives the time this saves).
                connection.execute(b"SET session_replication_role = replica")
        first = connections[0]
        ids: dict[str, int] = dict(
            first.execute(
                b"SELECT finess, id FROM establishment WHERE finess = ANY(%s)",
                ([finess for finess, _r, _d in plans],),
            ).fetchall()
        )
        # Ids are shifted past the current maximum: the same in every database (the
        # databases hold the same rows, cloned in the same order).
        for finess, _region, _department in plans:
            establishment_id = int(ids[finess])
            shifts = {
                table: _max_id(first, table) + 1 - template.min_ids[table]
                for table in ("source", "person", "agenda_session")
            }
            common: dict[str, int | None] = {
                "establishment_id": establishment_id - template.establishment_id,
                "source_id": shifts["source"],
                "person_id": shifts["person"],
                "import_id": None,
            }
            columns = template.columns
            for table, lines, extra in (
                ("establishment_capacity", template.capacities, {}),
                ("source", template.sources, {"id": shifts["source"]}),
                ("person", template.people, {"id": shifts["person"]}),
                ("agenda_session", template.sessions, {"id": shifts["agenda_session"]}),
                (
                    "session_participant",
                    template.participants,
                    {"session_id": shifts["agenda_session"]},
                ),
                *((table, lines, {}) for table, lines in template.rollups.items()),
            ):
                rewrite = _shifter(columns[table], {**common, **extra})
                _copy_in(connections, table, columns[table], [rewrite(line) for line in lines])
        for connection in connections:
            for table in ("source", "person", "agenda_session"):
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))".encode()
                )
            connection.commit()
    finally:
        for connection in connections:
            connection.close()


# --- measurements ---------------------------------------------------------------------------


@dataclass(slots=True)
class Reads:
    sessions: int
    participants: int
    database_bytes: int
    sessions_bytes: int
    establishment: Timing
    region: Timing
    national: Timing
    national_results: Timing
    # Seconds of the first call of each area read: the activity-api process is new at every
    # stage, so that call decides statistical secrecy cold (issue 16); the timed ones are warm.
    region_cold: float
    national_cold: float
    national_results_cold: float
    transmitted: int  # establishments transmitted before this stage's national results
    transmit_seconds: float
    sql_region: Timing
    region_code: str
    region_establishments: int
    national_total: int


def _analyze_and_size(url: str) -> tuple[int, int, int, int]:
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(b"ANALYZE")
        row = connection.execute(
            b"SELECT (SELECT count(*) FROM agenda_session), "
            b"(SELECT count(*) FROM session_participant), pg_database_size(current_database()), "
            b"(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            b"WHERE c.relkind IN ('r', 'p') AND (c.relname LIKE 'agenda_session%%' "
            b"OR c.relname LIKE 'session_participant%%'))"
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def cold_then_warm(label: str, call: Callable[[int], object], repeat: int) -> tuple[float, Timing]:
    """Seconds of the first call (cold: secrecy decided in this process for the first
    time), then ``repeat`` timed calls (warm)."""
    started = time.perf_counter()
    call(0)
    cold = time.perf_counter() - started
    return cold, timed(label, call, repeat, 0)


def measure_reads(url: str, period: str, repeat: int) -> Reads:
    sessions, participants, size, sessions_size = _analyze_and_size(url)
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    start, end = quarter_bounds(period)
    try:
        with database.unit_of_work() as session:
            rows = session.execute(
                select(Establishment.id, Establishment.finess, Establishment.region_code)
            ).all()
            _client, key = create_key(session, name="bench_national", scopes=(Scope.ADMIN,))
        by_region: dict[str, list[tuple[int, str]]] = {}
        for establishment_id, finess, region_code in rows:
            by_region.setdefault(region_code, []).append((establishment_id, finess))
        largest = max(by_region, key=lambda code: len(by_region[code]))
        sample = [finess for _id, finess, _region in rows[:: max(1, len(rows) // 10)]][:10]
        with (
            served_api(url) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key.plaintext}"}, timeout=600
            ) as client,
        ):
            calls = ActivityCalls(client, period)
            establishment = timed(
                "establishment-quarter",
                lambda i: calls.establishment(sample[i % len(sample)]),
                repeat,
                3,
            )
            region_cold, region = cold_then_warm(
                "region-quarter",
                lambda _i: calls.region(largest, [f for _id, f in by_region[largest]]),
                max(3, repeat // 4),
            )
            totals: list[int] = []  # suppressed regions (-1: statistical secrecy) count 0

            def national(_i: int) -> None:
                totals.append(
                    sum(
                        max(0, calls.region(code, [f for _id, f in members]))
                        for code, members in by_region.items()
                    )
                )

            national_cold, national_timing = cold_then_warm(
                "national-quarter", national, max(3, repeat // 4)
            )
            transmitted, transmit_seconds = transmit_all(database, period)

            def results(_i: int) -> None:
                response = client.get("/v1/national/results", params={"period": period})
                response.raise_for_status()

            results_cold, results_timing = cold_then_warm(
                "national-results", results, max(3, repeat // 4)
            )
        with database.engine.connect() as connection:
            sql_region = timed(
                "sql region-quarter",
                lambda _i: run_baseline(
                    connection,
                    start=start,
                    end=end,
                    zone=ZoneInfo("Europe/Paris"),
                    now=utc_now(),
                    region_code=largest,
                ),
                3,
                1,
            )
        return Reads(
            sessions=sessions,
            participants=participants,
            database_bytes=size,
            sessions_bytes=sessions_size,
            establishment=establishment,
            region=region,
            national=national_timing,
            national_results=results_timing,
            region_cold=region_cold,
            national_cold=national_cold,
            national_results_cold=results_cold,
            transmitted=transmitted,
            transmit_seconds=transmit_seconds,
            sql_region=sql_region,
            region_code=largest,
            region_establishments=len(by_region[largest]),
            national_total=totals[-1] if totals else -1,
        )
    finally:
        database.dispose()


def transmit_all(database: Database, period: str) -> tuple[int, float]:
    """Transmit the quarter for every establishment that has not yet (through the service,
    one unit of work): how many, and the seconds it took."""
    started = time.perf_counter()
    with database.unit_of_work(write=True) as session:
        done = select(Transmission.establishment_id).where(Transmission.period_code == period)
        waiting = session.scalars(
            select(Establishment).where(Establishment.id.not_in(done)).order_by(Establishment.id)
        ).all()
        for establishment in waiting:
            transmit(session, establishment, period, reason=None, transmitted_by="bench_national")
    return len(waiting), time.perf_counter() - started


def refresh_one_year(url: str, finess: str) -> float:
    """Seconds to recompute every rollup week of one establishment (one unit of work)."""
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        started = time.perf_counter()
        with database.unit_of_work() as session:
            establishment = EstablishmentRepository(session).get_by_finess(finess)
            assert establishment is not None
            refresh_rollups(session, establishment)
        return time.perf_counter() - started
    finally:
        database.dispose()


@dataclass(slots=True)
class Ingest:
    feeds: int
    sessions: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.sessions / self.seconds if self.seconds else 0.0


def ingest_with_pushers(url: str, youth: int, protection: DataProtection, index: int) -> Ingest:
    """``PUSHERS`` new establishments, each pushing its own feeds one after the other from
    its own thread, over real HTTP, at the same time.

    One pusher per establishment, as DITEP push in production: feeds of one establishment
    pushed concurrently race to create the same people (docs/scale.md)."""
    plans = [plan_establishment(index + k, youth, seed=index) for k in range(PUSHERS)]
    feeds = [list(feeds_of(plan)) for plan in plans]
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as session:
            source_ids: list[list[int]] = []
            for plan, own in zip(plans, feeds, strict=True):
                add_establishment(
                    session,
                    finess=plan.finess,
                    name=plan.name,
                    region_code="84",
                    department_code=plan.department,
                    capacities=plan.capacities,
                )
                source_ids.append(
                    [add_feed_source(session, plan, feed, protection) for feed in own]
                )
            _client, key = create_key(
                session,
                name="bench_national_push",
                scopes=(Scope.FEEDS_WRITE,),
                finess=[plan.finess for plan in plans],
            )
    finally:
        database.dispose()
    created: list[int] = []
    lock = threading.Lock()
    with served_api(url, "agenda_ingest.main:app_factory") as base:

        def push(pusher: int) -> None:
            with httpx.Client(
                base_url=base,
                headers={
                    "Authorization": f"Bearer {key.plaintext}",
                    "Content-Type": "text/calendar",
                },
                timeout=600,
            ) as client:
                for source_id, feed in zip(source_ids[pusher], feeds[pusher], strict=True):
                    response = client.post(f"/v1/sources/{source_id}/feed", content=feed.payload)
                    if response.status_code != 201:
                        raise SystemExit(f"push: {response.status_code} {response.text[:300]}")
                    with lock:
                        created.append(int(response.json()["created"]))

        started = time.perf_counter()
        with ThreadPoolExecutor(PUSHERS) as pool:
            list(pool.map(push, range(PUSHERS)))
        seconds = time.perf_counter() - started
    return Ingest(sum(len(own) for own in feeds), sum(created), seconds)


# --- main -----------------------------------------------------------------------------------


def _mb(value: int) -> str:
    return f"{value / 1_000_000:,.0f} MB"


def _verdict(label: str, timing: Timing) -> str:
    target = TARGETS_MS.get(label)
    if target is None:
        return f"{timing.p95_ms:8.1f} ms (no target)"
    return (
        f"{timing.p95_ms:8.1f} ms {'PASS' if timing.p95_ms < target else 'FAIL'} (< {target:.0f})"
    )


def print_reads(name: str, establishments: int, reads: Reads) -> None:
    print(
        f"  [{name}] {establishments} establishments: {reads.sessions:,} sessions, "
        f"{reads.participants:,} participants; database {_mb(reads.database_bytes)} "
        f"(sessions + participants {_mb(reads.sessions_bytes)})"
    )
    print(f"    establishment-quarter p95 {_verdict('establishment-quarter', reads.establishment)}")
    print(
        f"    region-quarter p95        {_verdict('region-quarter', reads.region)} "
        f"(region {reads.region_code}, {reads.region_establishments} establishments; "
        f"cold first call {reads.region_cold * 1000:,.0f} ms)"
    )
    print(
        f"    national-quarter p95      {_verdict('national-quarter', reads.national)} "
        f"(region route summed over every region; file active {reads.national_total:,}; "
        f"cold first call {reads.national_cold * 1000:,.0f} ms)"
    )
    print(
        f"    national-results p95      {_verdict('national-results', reads.national_results)} "
        f"(GET /v1/national/results; {reads.transmitted} establishment(s) transmitted "
        f"first in {reads.transmit_seconds:.1f} s; cold first call "
        f"{reads.national_results_cold * 1000:,.0f} ms)"
    )
    print(
        f"    SQL over sessions, region-quarter p95 {reads.sql_region.p95_ms:8.1f} ms "
        f"(p50 {reads.sql_region.p50_ms:.1f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database (recreated)")
    parser.add_argument("--establishments", type=int, default=450)
    parser.add_argument("--youth", type=int, default=100, help="young people per establishment")
    parser.add_argument("--weeks", type=int, default=None, help="school weeks (default: all)")
    parser.add_argument(
        "--stages", default="", help="establishment counts to measure at on the way, e.g. 13,26"
    )
    parser.add_argument("--period", default="2024-Q4", help="the quarter read")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--push-youth", type=int, default=20, help="young people of each pushing establishment"
    )
    parser.add_argument("--compare", action="store_true", help="also an unpartitioned copy")
    parser.add_argument("--batch", type=int, default=10, help="establishments per clone batch")
    parser.add_argument(
        "--check-foreign-keys",
        action="store_true",
        help="check foreign keys row by row while cloning (slower; default: as pg_restore "
        "--disable-triggers)",
    )
    args = parser.parse_args()
    configure_logging(level="WARNING")
    url = normalise_database_url(args.url)
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("the national benchmark runs on PostgreSQL")
    protection = DataProtection.from_secret(SECRET)
    total_started = time.perf_counter()

    create_postgres_database(url)
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    with database.unit_of_work() as session:
        ensure_partitions(session, since=WINDOW[0], months_ahead=12)
    database.dispose()
    started = time.perf_counter()
    region = generate_region(url, establishments=1, youth=args.youth)
    template_finess = region.establishments[0].finess
    print(
        f"template {template_finess}: {region.sessions_in_database:,} sessions ingested through "
        f"the real ingestion and its rollups computed in {time.perf_counter() - started:.1f} s"
    )
    template = read_template(url, template_finess, args.weeks)
    print(
        f"template rows cloned per establishment: {len(template.sessions):,} sessions, "
        f"{len(template.participants):,} participants, "
        f"{sum(len(lines) for lines in template.rollups.values()):,} rollup rows; "
        f"sealed payloads {template.payload_bytes / 1000:,.0f} kB per establishment-year "
        "(not cloned)"
    )
    urls = {"partitioned": url}
    if args.compare:
        urls["unpartitioned"] = copy_unpartitioned(url)
    stages = sorted({int(v) for v in args.stages.split(",") if v.strip()} | {args.establishments})
    loaded = 1
    curve: list[tuple[int, str, Reads]] = []
    clone_seconds = 0.0
    cloned_sessions = 0
    for stage in stages:
        while loaded < stage:
            batch = list(range(loaded, min(stage, loaded + args.batch)))
            started = time.perf_counter()
            clone(
                list(urls.values()),
                template,
                batch,
                check_foreign_keys=args.check_foreign_keys,
            )
            clone_seconds += time.perf_counter() - started
            cloned_sessions += len(batch) * len(template.sessions) * len(urls)
            loaded += len(batch)
        print(
            f"\nstage {stage} establishments (cloned so far at "
            f"{cloned_sessions / clone_seconds if clone_seconds else 0:,.0f} sessions/s, "
            f"all databases together; {time.perf_counter() - total_started:.0f} s since start)"
        )
        for name, stage_url in urls.items():
            reads = measure_reads(stage_url, args.period, args.repeat)
            print_reads(name, stage, reads)
            curve.append((stage, name, reads))

    print("\nrollup refresh of one establishment-year and ingest with 8 concurrent pushers")
    results: dict[str, tuple[float, Ingest]] = {}
    for name, stage_url in urls.items():
        refresh = refresh_one_year(stage_url, template_finess)
        ingest = ingest_with_pushers(stage_url, args.push_youth, protection, index=9_000)
        results[name] = (refresh, ingest)
        print(
            f"  [{name}] rollup refresh {refresh:.1f} s; ingest {ingest.sessions:,} sessions "
            f"in {ingest.feeds} feeds, {ingest.seconds:.1f} s: {ingest.per_second:,.0f} sessions/s"
        )
    if len(results) == 2:
        (p_refresh, p_ingest), (u_refresh, u_ingest) = results.values()
        print(
            f"  partitioned / unpartitioned: ingest throughput "
            f"{p_ingest.per_second / u_ingest.per_second:.2f}x, rollup refresh time "
            f"{p_refresh / u_refresh:.2f}x"
        )

    print("\ngrowth curve (p95 ms)")
    print(
        f"{'estab.':>7} {'database':<14} {'sessions':>12} {'DB size':>10} {'estab-Q':>8} "
        f"{'region-Q':>9} {'national-Q':>11} {'results':>9} {'SQL region-Q':>13}"
    )
    for stage, name, reads in curve:
        print(
            f"{stage:>7} {name:<14} {reads.sessions:>12,} {_mb(reads.database_bytes):>10} "
            f"{reads.establishment.p95_ms:8.1f} {reads.region.p95_ms:9.1f} "
            f"{reads.national.p95_ms:11.1f} {reads.national_results.p95_ms:9.1f} "
            f"{reads.sql_region.p95_ms:13.1f}"
        )
    finals = {name: reads for stage, name, reads in curve if stage == stages[-1]}
    if len(finals) == 2:
        part, plain = finals["partitioned"], finals["unpartitioned"]
        print(
            "partitioned / unpartitioned p95 at the last stage: "
            f"establishment-quarter {part.establishment.p95_ms / plain.establishment.p95_ms:.2f}x, "
            f"region-quarter {part.region.p95_ms / plain.region.p95_ms:.2f}x, "
            f"national {part.national.p95_ms / plain.national.p95_ms:.2f}x, "
            f"SQL over sessions {part.sql_region.p95_ms / plain.sql_region.p95_ms:.2f}x; "
            f"sessions + participants size {part.sessions_bytes / plain.sessions_bytes:.2f}x"
        )
    print(f"\nwall clock {time.perf_counter() - total_started:.0f} s")


if __name__ == "__main__":
    main()
