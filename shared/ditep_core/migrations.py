"""Running and checking the Alembic migrations of the shared schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from ditep_core.db import create_database_engine, normalise_database_url
from ditep_core.payloads import PayloadUnreadable, PayloadVault


class WrongPseudonymSecret(RuntimeError):
    """The secret given does not open the payloads the database holds."""


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
    """Upgrade to ``revision``. ``pseudonym_secret`` (what ``ditep migrate`` passes) is
    first checked against the database (``check_secret``, run by migrations/env.py):
    revisions that rewrite pseudonyms (0009) would otherwise write wrong ones."""
    command.upgrade(
        alembic_config(database_url, migrations_dir, pseudonym_secret=pseudonym_secret), revision
    )


def check_secret(database_url: str, secret: str) -> None:
    """Refuse a secret that does not open the latest stored import payload (sealed with a
    key derived from the secret): the database was filled with another one. Nothing to
    check in a database without imports."""
    engine = create_database_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("feed_import"):
                return
            row = connection.execute(
                text("SELECT id, payload_sealed FROM feed_import ORDER BY id DESC LIMIT 1")
            ).first()
    finally:
        engine.dispose()
    if row is None:
        return
    try:
        PayloadVault(secret).open(bytes(row[1]))
    except PayloadUnreadable as error:
        raise WrongPseudonymSecret(
            f"the pseudonymisation secret does not open import {row[0]} ({error}): it is not "
            "the secret this database was filled with; set DITEP_PSEUDONYM_SECRET as the "
            "services have it (docs/operations.md)"
        ) from error


def downgrade(database_url: str, migrations_dir: Path, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url, migrations_dir), revision)


def head_revisions(migrations_dir: Path) -> frozenset[str]:
    script = ScriptDirectory(str(migrations_dir))
    return frozenset(script.get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())
