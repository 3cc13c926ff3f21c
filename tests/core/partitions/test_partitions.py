"""Month partitions of sessions and participants (migration 0014, ditep_core.partitions).

PostgreSQL: the migration creates the partitions, rows land in their month's, the
DEFAULT partition takes the rest, ``ensure_partitions`` is idempotent and creates the
coming months, and the migration goes down and up again with the rows. SQLite: nothing
is partitioned and participants carry their session's start all the same.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ditep_cli.main import app
from ditep_cli.registry import all_tasks
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import (
    AgendaSession,
    Establishment,
    Person,
    SessionParticipant,
    Source,
    TaskRun,
)
from ditep_core.nomenclatures import (
    AgendaKind,
    FeedFormat,
    PersonKind,
    SourceMode,
)
from ditep_core.partitions.repository import SCHEMA, PartitionRepository
from ditep_core.partitions.service import add_months, ensure_partitions
from ditep_core.partitions.tasks import PARTITIONS_TASK
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import execute
from tests.conftest import MIGRATIONS_DIR, TEST_SECRET, TemporaryDatabase, make_settings
from tests.sessions import add_youth_session

TABLES = ("agenda_session", "session_participant")


def _add_session(session: Session, start: dt.datetime) -> AgendaSession:
    """One session with one young person, as ingestion would store them."""
    establishment = session.scalars(
        select(Establishment).where(Establishment.finess == "690000017")
    ).first()
    if establishment is None:
        establishment = Establishment(
            finess="690000017", name="DITEP", region_code="84", department_code="69"
        )
        session.add(establishment)
        session.flush()
    source = Source(
        establishment_id=establishment.id,
        name=f"agenda {secrets.token_hex(4)}",
        format=FeedFormat.ICAL,
        mode=SourceMode.PUSH,
        agenda_kind=AgendaKind.ESTABLISHMENT,
    )
    person = Person(
        establishment_id=establishment.id,
        kind=PersonKind.YOUTH,
        pseudonym=secrets.token_hex(8),
        link_key=secrets.token_hex(8),
    )
    session.add_all([source, person])
    session.flush()
    row = add_youth_session(
        session,
        establishment_id=establishment.id,
        source_id=source.id,
        person_id=person.id,
        start=start,
    )
    session.flush()
    return row


def _partition_of(session: Session, table: str, row_id: int) -> str:
    column = "id" if table == "agenda_session" else "session_id"
    return str(
        session.execute(
            text(f"SELECT tableoid::regclass::text FROM {table} WHERE {column} = :id"),  # noqa: S608
            {"id": row_id},
        ).scalar_one()
    )


def _require_postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def test_migration_creates_month_partitions_and_a_default(backend: str, session: Session) -> None:
    _require_postgresql(backend)
    repository = PartitionRepository(session)
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    for table in TABLES:
        assert repository.is_partitioned(table)
        names = repository.partitions(table)
        assert f"{table}_default" in names
        for offset in (-12, 0, 12):
            assert f"{table}_{add_months(this_month, offset):%Y_%m}" in names
        assert len(names) == 25 + 1


def test_rows_land_in_their_month_and_others_in_default(backend: str, session: Session) -> None:
    _require_postgresql(backend)
    report = ensure_partitions(session, months_ahead=0, since=dt.date(2024, 12, 1))
    assert "agenda_session_2025_01" in report.created + report.existing
    in_january = _add_session(session, dt.datetime(2025, 1, 15, 9, tzinfo=dt.UTC))
    # 23:30 UTC on 31 December is already 1 January in Paris: months are UTC months.
    at_new_year = _add_session(session, dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.UTC))
    out_of_range = _add_session(session, dt.datetime(1999, 6, 1, 8, tzinfo=dt.UTC))
    for table in TABLES:
        assert _partition_of(session, table, in_january.id) == f"{SCHEMA}.{table}_2025_01"
        assert _partition_of(session, table, at_new_year.id) == f"{SCHEMA}.{table}_2024_12"
        assert _partition_of(session, table, out_of_range.id) == f"{SCHEMA}.{table}_default"
    # The default partition's month is not created over its rows: it is reported.
    later = ensure_partitions(session, months_ahead=0, since=dt.date(1999, 5, 1))
    assert "agenda_session_1999_06" in later.held_by_default
    assert "agenda_session_1999_05" in later.created
    assert _partition_of(session, "agenda_session", out_of_range.id).endswith("_default")
    # A session moved to another month takes its participants along (ON UPDATE CASCADE).
    in_january.start_at = dt.datetime(2025, 2, 3, 9, tzinfo=dt.UTC)
    in_january.end_at = dt.datetime(2025, 2, 3, 10, tzinfo=dt.UTC)
    session.flush()
    assert _partition_of(session, "session_participant", in_january.id).endswith("_2025_02")
    # Deleting a session deletes its participants (the composite foreign key cascades).
    session.delete(at_new_year)
    session.flush()
    left = session.scalar(
        select(func.count())
        .select_from(SessionParticipant)
        .where(SessionParticipant.session_id == at_new_year.id)
    )
    assert left == 0


def test_ensure_partitions_is_idempotent_and_creates_the_next_months(
    backend: str, session: Session
) -> None:
    _require_postgresql(backend)
    today = dt.datetime.now(dt.UTC).date()
    # The migration created twelve months ahead: three more are new, then nothing is.
    first = ensure_partitions(session, months_ahead=15, today=today)
    expected = {
        f"{table}_{add_months(today, offset):%Y_%m}" for table in TABLES for offset in (13, 14, 15)
    }
    assert set(first.created) == expected
    again = ensure_partitions(session, months_ahead=15, today=today)
    assert again.created == []
    assert set(again.existing) >= expected
    assert len(again.existing) == 2 * 16


def test_sqlite_is_not_partitioned(backend: str, session: Session) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only")
    report = ensure_partitions(session)
    assert not report.partitioned
    assert report.created == []


def test_downgrade_and_upgrade_keep_sessions_and_participants(
    fresh_database: TemporaryDatabase,
) -> None:
    url = fresh_database.url
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url, pool_size=1, max_overflow=0)
    starts = [
        dt.datetime(2025, 3, 10, 8, tzinfo=dt.UTC),
        dt.datetime(1999, 1, 1, 8, tzinfo=dt.UTC),
        dt.datetime.now(dt.UTC).replace(microsecond=0),
    ]
    try:
        with database.unit_of_work() as session:
            ids = [_add_session(session, start).id for start in starts]
        migrations.downgrade(url, MIGRATIONS_DIR, "0014-1")
        with database.unit_of_work() as session:
            assert not PartitionRepository(session).is_partitioned("agenda_session")
            rows = session.execute(
                text("SELECT count(*) FROM session_participant WHERE session_id IN (:a, :b, :c)"),
                dict(zip("abc", ids, strict=True)),
            ).scalar_one()
            assert rows == 3
        database.dispose()
        migrations.upgrade(url, MIGRATIONS_DIR)
        with database.unit_of_work() as session:
            stored = session.execute(
                select(SessionParticipant.session_id, SessionParticipant.session_start_at)
                .where(SessionParticipant.session_id.in_(ids))
                .order_by(SessionParticipant.session_id)
            ).all()
            # The copied start is backfilled from the session on both databases.
            assert [start for _id, start in stored] == starts
            if fresh_database.backend == "postgresql":
                # The oldest session's month is older than ten years: DEFAULT takes it.
                assert _partition_of(session, "agenda_session", ids[0]).endswith("_2025_03")
                assert _partition_of(session, "agenda_session", ids[1]).endswith("_default")
    finally:
        database.dispose()


def test_cli_partitions_ensure(fresh_database: TemporaryDatabase, cli_runner: CliRunner) -> None:
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    runner = cli_runner
    result = runner.invoke(
        app, ["partitions", "ensure", "--since", "2024-09", "--months-ahead", "1"]
    )
    assert result.exit_code == 0, result.output
    if fresh_database.backend == "sqlite":
        assert "nothing to do" in result.stdout
        return
    assert "agenda_session_2024_09" in result.stdout
    again = runner.invoke(
        app, ["partitions", "ensure", "--since", "2024-09", "--months-ahead", "1"]
    )
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("0 partition(s) created")
    wrong = runner.invoke(app, ["partitions", "ensure", "--since", "September"])
    assert wrong.exit_code != 0
    assert "is not a month" in wrong.output


def test_the_daily_task_keeps_months_ahead_and_is_registered_for_the_worker(
    backend: str, database: Database
) -> None:
    settings = make_settings(database.engine.url.render_as_string(hide_password=False))
    tasks = {task.name: task for task in all_tasks(settings)}
    if backend == "sqlite":
        # Nothing partitioned on the embedded database: the task is not even scheduled.
        assert PARTITIONS_TASK not in tasks
        return
    task = tasks[PARTITIONS_TASK]
    assert task.every_seconds == 86_400
    context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))
    # The migration created twelve months ahead already: the task finds them all.
    assert execute(task, context, {}) == "0 partition(s) created, 26 existing"
    with database.unit_of_work() as session:
        run = session.get(TaskRun, (PARTITIONS_TASK, "*"))
        assert run is not None
        assert run.status == "succeeded"
