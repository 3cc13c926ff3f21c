"""Database engine, sessions and the unit of work.

One engine per process, built from settings by the caller. A unit of work is one
transaction: committed when the block ends normally, rolled back otherwise.
Services and repositories only ``flush()``; the unit of work commits.

Every wait is bounded, so that overload becomes ``Saturated`` (a 503 with
``Retry-After``), never a hang: the pool checkout, PostgreSQL's ``lock_timeout``,
``statement_timeout`` and ``idle_in_transaction_session_timeout``, SQLite's busy
timeout, and the in-process writer lock below.

SQLite allows one writer at a time and fails a transaction that read first and then
tries to write after another writer committed (``SQLITE_BUSY_SNAPSHOT``, which no
busy timeout retries). So a unit of work that writes is opened with
``unit_of_work(write=True)``: it waits (bounded) for this process's writer lock, then
``BEGIN IMMEDIATE`` takes SQLite's write lock before the first read. Reads stay
concurrent (WAL).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from ditep_core.tasks.dispatch import TaskDispatcher, dispatch, take_deferred

WRITE_OPTION = "ditep_write"
"""Connection execution option: this transaction writes (``BEGIN IMMEDIATE`` on SQLite)."""


class ReadOnlyViolation(Exception):
    """A unit of work opened read-only tried to write: a bug of the caller, never a retry."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("a read-only unit of work tried to write ORM objects")


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyViolation("a read-only unit of work tried to execute a write statement")


def make_read_only(session: Session) -> None:
    """Refuse every write this session would make (ORM flush, INSERT/UPDATE/DELETE
    statements): a read request that tried to write fails
    loudly instead of writing."""
    event.listen(session, "before_flush", _refuse_flush)
    event.listen(session, "do_orm_execute", _refuse_statement)


class Saturated(Exception):
    """The database could not be had in bounded time (a lock, the pool, a statement
    timeout): the caller should answer 503 and ask the client to retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """Bounds of every wait on the database. ``None``: no bound (the CLI's long jobs)."""

    lock_ms: int | None = 10_000
    statement_ms: int | None = None
    idle_in_transaction_ms: int | None = None
    pool_seconds: float = 30.0
    writer_seconds: float = 30.0


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use psycopg 3 for all."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite does not emit BEGIN itself, which breaks SAVEPOINT and makes
    # transactions start late; SQLAlchemy's documented recipe takes over.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _postgres_options(timeouts: DatabaseTimeouts) -> str:
    settings = {
        "lock_timeout": timeouts.lock_ms,
        "statement_timeout": timeouts.statement_ms,
        "idle_in_transaction_session_timeout": timeouts.idle_in_transaction_ms,
    }
    return " ".join(f"-c {name}={int(value)}" for name, value in settings.items() if value)


def create_database_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    echo: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    url = normalise_database_url(url)
    parsed = make_url(url)
    timeouts = timeouts or DatabaseTimeouts()
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise ValueError("SQLite needs a file path (an in-memory database is per connection)")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=timeouts.pool_seconds,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine, timeouts.lock_ms or 60_000)
        return engine
    options = _postgres_options(timeouts)
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=timeouts.pool_seconds,
        pool_pre_ping=True,
        connect_args={"options": options} if options else {},
    )


# SQLSTATEs of a bounded wait that gave up: lock_not_available, query_canceled
# (statement_timeout), deadlock_detected, serialization_failure,
# idle_in_transaction_session_timeout.
_BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001", "25P03"})


def saturation_reason(error: BaseException) -> str | None:
    """Why ``error`` is the database being busy (a wait that gave up), or None."""
    if isinstance(error, sa_exc.TimeoutError):
        return "no database connection was free in time"
    if isinstance(error, sa_exc.DBAPIError):
        original = error.orig
        sqlstate = getattr(original, "sqlstate", None)
        if sqlstate in _BUSY_SQLSTATES:
            return f"the database was busy ({type(original).__name__})"
        message = str(original).lower()
        if "database is locked" in message or "database is busy" in message:
            return "the database was busy (another writer held it)"
    return None


class Database:
    """An engine, the session factory bound to it, and this process's writer lock."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session] | None = None,
        *,
        timeouts: DatabaseTimeouts | None = None,
        always_write: bool = False,
    ):
        self.engine = engine
        # The admin command line: every unit of work may write (one at a time anyway).
        self.always_write = always_write
        self.session_factory = session_factory or sessionmaker(
            bind=engine, expire_on_commit=False, autoflush=False
        )
        self.timeouts = timeouts or DatabaseTimeouts()
        self.is_sqlite = engine.dialect.name == "sqlite"
        # Receives the tasks a committed unit of work deferred (ditep_core.tasks.dispatch):
        # the in-process runner (SQLite), the queue (PostgreSQL), or None (sweeps only).
        self.dispatcher: TaskDispatcher | None = None
        # One writer at a time inside the process on SQLite: threads queue here, in
        # bounded time, instead of polling SQLite's lock.
        self._writer = threading.Lock()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        timeouts: DatabaseTimeouts | None = None,
        always_write: bool = False,
    ) -> Database:
        timeouts = timeouts or DatabaseTimeouts()
        engine = create_database_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, timeouts=timeouts
        )
        return cls(engine, timeouts=timeouts, always_write=always_write)

    @contextmanager
    def unit_of_work(self, *, write: bool = False, read_only: bool = False) -> Iterator[Session]:
        """One transaction: commit at the end of the block, roll back on any error.

        ``write=True`` on SQLite: one writer of this process at a time, ``BEGIN
        IMMEDIATE``. A wait that gives up raises ``Saturated``. ``read_only=True`` (a
        read request's unit of work): any write raises ``ReadOnlyViolation``.
        """
        if write and read_only:
            raise ValueError("a unit of work cannot both write and be read-only")
        write = write or (self.always_write and not read_only)
        holds_writer = False
        if write and self.is_sqlite:
            if not self._writer.acquire(timeout=self.timeouts.writer_seconds):
                raise Saturated("another write held the database for too long")
            holds_writer = True
        deferred: list[tuple[str, dict[str, int | str]]] = []
        try:
            session = self.session_factory()
            if read_only:
                make_read_only(session)
            try:
                if holds_writer:
                    # SQLite only: BEGIN IMMEDIATE now, under the writer lock. PostgreSQL
                    # needs no such start, so its connection is still taken lazily (a
                    # request body is not read with a connection checked out).
                    session.connection(execution_options={WRITE_OPTION: True})
                yield session
                session.commit()
                deferred = take_deferred(session.info)
            except BaseException as error:
                session.rollback()
                take_deferred(session.info)
                reason = saturation_reason(error) if isinstance(error, Exception) else None
                if reason is not None:
                    raise Saturated(reason) from error
                raise
            finally:
                session.close()
        finally:
            if holds_writer:
                self._writer.release()
        # Committed, the writer lock released: a dispatcher may run the task at once.
        dispatch(self.dispatcher, deferred)

    def dispose(self) -> None:
        self.engine.dispose()
