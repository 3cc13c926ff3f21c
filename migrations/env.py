"""Alembic environment: one history for the shared schema, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import Connection, ForeignKeyConstraint

from ditep_core.db import create_database_engine
from ditep_core.migrations import check_secret
from ditep_core.models import Base
from ditep_core.partitions.repository import SCHEMA
from ditep_core.settings import Settings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if isinstance(url, str):
        return url
    return Settings().database_url


def _configure_secret() -> None:
    """Run by the ``alembic`` command itself (no URL given): the secret of the Settings, as
    the URL is; ``ditep migrate`` passes both (ditep_core.migrations)."""
    if "database_url" not in config.attributes and "pseudonym_secret" not in config.attributes:
        config.attributes["pseudonym_secret"] = Settings().pseudonym_secret.get_secret_value()


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    """procrastinate's tables (PostgreSQL, revision 0012) are its own, not our models'."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


# On PostgreSQL these hold the partition key too (migration 0014, docs/scale.md): the
# models state the logical keys, which SQLite enforces as they are.
_PARTITION_KEYED = frozenset(
    {
        "uq_agenda_session_source_id_uid_recurrence_id",
        "fk_session_participant_session_id_agenda_session",
    }
)


def _include_object_on(dialect: str) -> Callable[..., bool]:
    def include_object(
        item: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
    ) -> bool:
        if dialect != "postgresql":
            return True
        if isinstance(item, ForeignKeyConstraint) and item.referred_table.schema == SCHEMA:
            # PostgreSQL's own clone of a foreign key, one per partition it references.
            return False
        return name not in _PARTITION_KEYED

    return include_object


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object_on(connection.dialect.name),
        # SQLite cannot ALTER most things: batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_pragma(connection: Connection, statement: str) -> list[Any]:
    """A PRAGMA outside any transaction (inside one, ``foreign_keys`` is ignored)."""
    cursor = connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    rows: list[Any] = cursor.fetchall()
    return rows


def run_migrations_online() -> None:
    _configure_secret()
    secret = config.attributes.get("pseudonym_secret")
    if isinstance(secret, str) and secret:
        # A wrong secret is refused before anything changes (revision 0009 rewrites
        # pseudonyms with it).
        check_secret(_database_url(), secret)
    engine = create_database_engine(_database_url(), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch mode rebuilds a table (copy, drop, rename): with foreign keys on,
                # dropping the old one would cascade to every row that references it.
                _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
            _run(connection)
            if sqlite:
                broken = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"foreign keys broken after migrating: {broken[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
