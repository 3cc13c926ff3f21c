"""Test fixtures: real databases built by the real migrations, one transaction per test.

Every database test runs on SQLite; with DITEP_TEST_POSTGRES_URL set, it runs on
PostgreSQL too (a database is created for the session and dropped after; those runs are
marked ``postgres``).

Tests reading the public corpus (``../shared/corpus``, outside the repository; another
folder with DITEP_TEST_CORPUS_DIR) are marked ``corpus`` and skipped, with one reason,
where it is absent. Markers: pyproject.toml, docs/architecture.md#tests.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from agenda_ingest.sources.service import add_source
from ditep_cli.main import app as cli_app
from ditep_cli.registry import all_tasks
from ditep_core import migrations
from ditep_core.auth.service import create_key
from ditep_core.db import Database, create_database_engine, normalise_database_url
from ditep_core.nomenclatures import FeedFormat, Scope
from ditep_core.protection import DataProtection
from ditep_core.settings import Environment, Settings
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.local import InlineDispatcher
from tests.http import AppClient, app_client

REPO_ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = REPO_ROOT / "migrations"
SAMPLES_DIR = REPO_ROOT / "samples" / "ditep-les-cedres"
DATA_DIR = REPO_ROOT / "tests" / "data"
"""Documents written for the tests (iCal, FHIR): what the corpus shows, in a plain clone."""
CORPUS_ENV = "DITEP_TEST_CORPUS_DIR"
CORPUS_DIR = Path(os.environ.get(CORPUS_ENV) or REPO_ROOT.parent / "shared" / "corpus")
NO_CORPUS = "public corpus absent: ../shared/corpus (CI has it)"
TEST_SECRET = "test-pseudonym-secret-0123456789abcdef"
POSTGRES_ENV = "DITEP_TEST_POSTGRES_URL"

BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    return normalise_database_url(url) if url else None


@dataclass
class TemporaryDatabase:
    """A database created for tests and dropped after them."""

    backend: str
    url: str
    _admin_url: str | None = None

    @classmethod
    def create(cls, backend: str, directory: Path) -> TemporaryDatabase:
        if backend == "sqlite":
            return cls(backend, f"sqlite:///{directory / f'ditep-{uuid.uuid4().hex[:8]}.sqlite3'}")
        admin_url = _postgres_admin_url()
        if admin_url is None:
            pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV} to run it")
        name = f"ditep_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        return cls(backend, url, admin_url)

    def drop(self) -> None:
        if self._admin_url is None:
            return
        name = make_url(self.url).database
        admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and _postgres_admin_url() is None:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV} to run it")
    return name


@pytest.fixture(scope="session")
def migrated_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TemporaryDatabase]:
    database = TemporaryDatabase.create(backend, tmp_path_factory.mktemp("db"))
    migrations.upgrade(database.url, MIGRATIONS_DIR)
    yield database
    database.drop()


@pytest.fixture(scope="session")
def engine(migrated_database: TemporaryDatabase) -> Iterator[Engine]:
    engine = create_database_engine(migrated_database.url, pool_size=5, max_overflow=5)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def run_deferred_tasks_inline(database: Database, settings: Settings) -> Database:
    """The tests' dispatcher: a task a unit of work defers (the rollup refresh an import
    defers) runs as soon as that unit of work has committed, with the same task code as
    the worker's. So a test that pushes a feed and then reads the activity reads it
    refreshed, as it would once the worker has run; the stale read before the refresh
    is tested apart (tests/counting/test_refresh_task.py)."""
    database.dispatcher = InlineDispatcher(
        all_tasks(settings),
        TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET)),
    )
    return database


class HeldTasks:
    """A dispatcher that only records what is deferred, until ``run`` runs it (the same
    task code as the worker's): what a read sees before and after the refresh."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.deferred: list[tuple[str, dict[str, int | str]]] = []

    def defer(self, name: str, arguments: Mapping[str, int | str]) -> None:
        self.deferred.append((name, dict(arguments)))

    def run(self) -> int:
        """Run what was deferred (once each), in order; how many were run."""
        inline = InlineDispatcher(
            all_tasks(self.settings),
            TaskContext(self.database, self.settings, DataProtection.from_secret(TEST_SECRET)),
        )
        pending = list(dict.fromkeys((name, tuple(sorted(a.items()))) for name, a in self.deferred))
        self.deferred.clear()
        for name, arguments in pending:
            inline.defer(name, dict(arguments))
        return len(pending)


@contextmanager
def holding_tasks(database: Database, settings: Settings) -> Iterator[HeldTasks]:
    """Within the block, deferred tasks are held (not run) until ``run``."""
    previous = database.dispatcher
    held = HeldTasks(database, settings)
    database.dispatcher = held
    try:
        yield held
    finally:
        database.dispatcher = previous


@pytest.fixture
def database(
    engine: Engine, connection: Connection, migrated_database: TemporaryDatabase
) -> Database:
    """The app's database, bound to the test's transaction; commits become savepoints.
    Deferred tasks run inline (``run_deferred_tasks_inline``)."""
    factory = sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
    return run_deferred_tasks_inline(
        Database(engine, factory), make_settings(migrated_database.url)
    )


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.unit_of_work() as session:
        yield session


@pytest.fixture
def fresh_database(backend: str, tmp_path: Path) -> Iterator[TemporaryDatabase]:
    """An empty database of its own, for tests of migrations and of the CLI."""
    database = TemporaryDatabase.create(backend, tmp_path)
    yield database
    database.drop()


@pytest.fixture
def cli_runner(fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The ``ditep`` command on the test's fresh database (not migrated: ``migrate`` is a
    command too), with the test pseudonym secret."""
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    return CliRunner()


@pytest.fixture
def offline_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The ``ditep`` command for the commands that open no database (settings only)."""
    monkeypatch.setenv("DITEP_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    return CliRunner()


def cli_ok(runner: CliRunner, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Runs ``ditep ARGS``, asserts it succeeded (its output as the message) and returns
    what it printed on stdout."""
    result = runner.invoke(cli_app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def pooled_database(fresh_database: TemporaryDatabase) -> Iterator[Database]:
    """A migrated database of its own, with a real pool and no test transaction (what the
    services see), holding the sample establishment."""
    from ditep_core.establishments.service import add_establishment

    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    database = run_deferred_tasks_inline(
        Database.from_url(fresh_database.url, pool_size=2, max_overflow=0),
        make_settings(fresh_database.url),
    )
    try:
        with database.unit_of_work() as session:
            add_establishment(session, finess=SAMPLE_FINESS, name="DITEP", region_code="84")
        yield database
    finally:
        database.dispose()


# Pulls in tests reach local servers (127.0.0.1) and respx routes on *.example host names
# (reserved names, never resolved: listed, they are sent as they are). Tests of the
# address check override it (pull_allowed_hosts=[]).
TEST_PULL_ALLOWED_HOSTS = ["127.0.0.1", "::1", ".example"]


def make_settings(database_url: str = "sqlite:///unused.sqlite3", **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "database_url": database_url,
        "pseudonym_secret": SecretStr(TEST_SECRET),
        "migrations_dir": MIGRATIONS_DIR,
        "pull_allowed_hosts": TEST_PULL_ALLOWED_HOSTS,
        # The apps of the tests run no task runner of their own: deferred tasks run inline
        # (run_deferred_tasks_inline); tests of the runner turn it on.
        "tasks_in_process": False,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
def settings(migrated_database: TemporaryDatabase) -> Settings:
    return make_settings(migrated_database.url)


@pytest.fixture
def protection() -> DataProtection:
    return DataProtection.from_secret(TEST_SECRET)


@pytest.fixture
def ingest_app(settings: Settings, database: Database) -> FastAPI:
    return create_ingest_app(settings, database=database)


@pytest.fixture
def api_app(settings: Settings, database: Database) -> FastAPI:
    return create_api_app(settings, database=database)


@pytest.fixture
def ingest_client(ingest_app: FastAPI) -> Iterator[AppClient]:
    with app_client(ingest_app) as client:
        yield client


@pytest.fixture
def api_client(api_app: FastAPI) -> Iterator[AppClient]:
    with app_client(api_app) as client:
        yield client


@pytest.fixture
def make_key(database: Database) -> KeyMaker:
    return KeyMaker(database)


class KeyMaker:
    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(
        self,
        *scopes: Scope,
        finess: tuple[str, ...] = (),
        regions: tuple[str, ...] = (),
        departments: tuple[str, ...] = (),
    ) -> dict[str, str]:
        """Authorization headers for a new key with these scopes and tenancy.

        Created as ``ditep keys create`` would (``--all-establishments`` /
        ``--all-regions`` said for unbound keys), so a binding the rules refuse raises.
        """
        establishment_level = bool(set(scopes) - {Scope.ARS_READ, Scope.ADMIN})
        with self.database.unit_of_work() as session:
            _client, generated = create_key(
                session,
                name="test",
                scopes=scopes,
                finess=finess,
                regions=regions,
                departments=departments,
                all_establishments=establishment_level
                and not finess
                and not regions
                and Scope.ADMIN not in scopes,
                all_regions=Scope.ARS_READ in scopes
                and not (regions or departments or finess)
                and Scope.ADMIN not in scopes,
            )
        return {"Authorization": f"Bearer {generated.plaintext}"}

    def legacy(
        self,
        *scopes: Scope,
        finess: tuple[str, ...] = (),
        regions: tuple[str, ...] = (),
        departments: tuple[str, ...] = (),
    ) -> dict[str, str]:
        """A key row as created before the binding rules (e.g. a region key with
        activity:read): the rules at use must refuse what they would refuse today."""
        from ditep_core.models import ApiClient

        headers = self(Scope.ADMIN)
        with self.database.unit_of_work() as session:
            client = session.scalars(select(ApiClient).order_by(ApiClient.id.desc())).first()
            assert client is not None
            client.scopes = sorted(scope.value for scope in scopes)
            client.finess = sorted(finess)
            client.regions = sorted(regions)
            client.departments = sorted(departments)
        return headers


SAMPLE_FINESS = "690000017"
SAMPLE_WINDOW = ("2024-09-01", "2025-09-01")


def add_sample_source(
    unit: Session,
    name: str = "Export TDDUI",
    window: tuple[dt.date, dt.date] | None = None,
    *,
    feed_format: FeedFormat = FeedFormat.FHIR,
    url: str | None = None,
) -> int:
    """An establishment source of the sample DITEP (FHIR unless told; pulled from ``url``
    when given) over ``window`` (by default the sample window), added in the caller's unit
    of work: its id."""
    start, end = window or (
        dt.date.fromisoformat(SAMPLE_WINDOW[0]),
        dt.date.fromisoformat(SAMPLE_WINDOW[1]),
    )
    return add_source(
        unit,
        finess=SAMPLE_FINESS,
        name=name,
        feed_format=feed_format,
        url=url,
        window_start=start,
        window_end=end,
    ).id


@dataclass(frozen=True)
class SampleDitep:
    finess: str
    establishment_source_id: int
    claire_source_id: int


@pytest.fixture
def sample_ditep(database: Database) -> SampleDitep:
    """The sample establishment and its two iCal sources, with no feed ingested yet."""
    from ditep_core.establishments.service import add_establishment
    from ditep_core.nomenclatures import Activity, AgendaKind

    window_start, window_end = (dt.date.fromisoformat(day) for day in SAMPLE_WINDOW)
    with database.unit_of_work() as session:
        add_establishment(
            session,
            finess=SAMPLE_FINESS,
            name="DITEP Les Cèdres",
            region_code="84",
            capacities={Activity.ACCUEIL_NUIT: 12, Activity.ACCUEIL_JOUR: 20},
        )
        sources = [
            add_source(
                session,
                finess=SAMPLE_FINESS,
                name=name,
                feed_format=FeedFormat.ICAL,
                agenda_kind=kind,
                window_start=window_start,
                window_end=window_end,
            ).id
            for name, kind in (
                ("Export établissement", AgendaKind.ESTABLISHMENT),
                ("Agenda éducatrice SESSAD", AgendaKind.PROFESSIONAL),
            )
        ]
    return SampleDitep(SAMPLE_FINESS, sources[0], sources[1])


def sample_feed(name: str = "agenda-etablissement.ics") -> bytes:
    return (SAMPLES_DIR / name).read_bytes()


def push_sample_feed(
    client: AppClient,
    source_id: int,
    key: dict[str, str],
    name: str = "agenda-etablissement.ics",
) -> None:
    """Push a sample agenda (the establishment's export by default) to a source: accepted."""
    response = client.post(
        f"/v1/sources/{source_id}/feed",
        content=sample_feed(name),
        headers={"Content-Type": "text/calendar", **key},
    )
    assert response.status_code == 201, response.text


def push_both_sample_feeds(client: AppClient, sample: SampleDitep, key: dict[str, str]) -> None:
    """The establishment export and the SESSAD educator's agenda, which share sessions."""
    push_sample_feed(client, sample.establishment_source_id, key)
    push_sample_feed(client, sample.claire_source_id, key, "agenda-claire-martin.ics")


def corpus_available() -> bool:
    return CORPUS_DIR.is_dir()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``corpus`` tests skip where the corpus is absent (a skipif, so that its reason wins
    over an empty parameter set's); runs on PostgreSQL are marked ``postgres``."""
    absent = not corpus_available()
    for item in items:
        if absent and item.get_closest_marker("corpus") is not None:
            item.add_marker(pytest.mark.skipif(True, reason=NO_CORPUS))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


def pytest_report_header() -> list[str]:
    if _postgres_admin_url() is None:
        databases = f"databases: SQLite only ({POSTGRES_ENV} unset: PostgreSQL runs are skipped)"
    else:
        databases = "databases: SQLite and PostgreSQL"
    corpus = f"corpus: {CORPUS_DIR}" if corpus_available() else f"corpus: none ({NO_CORPUS})"
    return [databases, corpus]
