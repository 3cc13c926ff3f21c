"""Running and checking the Alembic migrations of the shared schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ditep_core.db import normalise_database_url


def alembic_config(
    database_url: str, migrations_dir: Path, *, pseudonym_secret: str | None = None
) -> Config:
    """``pseudonym_secret``: for the revisions that rewrite pseudonyms (0009); without it,
    they refuse a database that holds people (an empty one needs none)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = normalise_database_url(database_url)
    if pseudonym_secret is not None:
        config.attributes["pseudonym_secret"] = pseudonym_secret
    return config


def upgrade(
    database_url: str,
    migrations_dir: Path,
    revision: str = "head",
    *,
    pseudonym_secret: str | None = None,
) -> None:
    command.upgrade(
        alembic_config(database_url, migrations_dir, pseudonym_secret=pseudonym_secret), revision
    )


def downgrade(database_url: str, migrations_dir: Path, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url, migrations_dir), revision)


def head_revisions(migrations_dir: Path) -> frozenset[str]:
    script = ScriptDirectory(str(migrations_dir))
    return frozenset(script.get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())
