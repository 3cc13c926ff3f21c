"""``ditep backup FILE`` and ``ditep restore FILE`` (docs/operations.md, "Backup and restore").

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (the binaries of the
postgresql-client package, at least as new as the server), the password passed in
``PGPASSWORD``, never on the command line. SQLite: the online backup API of ``sqlite3``,
safe while the services write.

The pseudonym secret is not in a dump. A restore checks that the configured
``DITEP_PSEUDONYM_SECRET`` opens the restored payloads: with another secret, new pushes
would give young people other pseudonyms and no stored payload could be read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from ditep_cli.context import cli_context
from ditep_core import migrations
from ditep_core.db import create_database_engine, normalise_database_url

console = Console()
errors = Console(stderr=True)

POSTGRES_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(RuntimeError):
    pass


def _copy_sqlite(source_path: Path | str, target_path: Path | str) -> None:
    """SQLite's online backup of one file into another (a consistent copy while in use)."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI (no password) and the environment carrying the password."""
    url = make_url(normalise_database_url(database_url))
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    plain: URL = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database must be a file")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (package postgresql-client, "
            "at least the server's version), or use the procedure of docs/operations.md"
        )
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed tool and our own arguments, no shell
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup_database(database_url: str, output: Path) -> None:
    """Write a consistent copy of the database to ``output`` (written aside, then renamed)."""
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    # The dump holds pseudonyms and sealed payloads: readable by its owner only.
    partial.touch(mode=0o600)
    try:
        if database_url.startswith("sqlite"):
            _copy_sqlite(sqlite_path(database_url), partial)
        else:
            target_uri, environment = libpq_target(database_url)
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={partial}",
                    f"--dbname={target_uri}",
                ],
                environment,
            )
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _holds_a_schema(database_url: str) -> bool:
    engine = create_database_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def restore_database(database_url: str, dump: Path) -> None:
    """Restore ``dump`` into the configured database, which must be empty (a new one)."""
    with dump.open("rb") as file:
        magic = file.read(len(SQLITE_MAGIC))
    sqlite = database_url.startswith("sqlite")
    if sqlite and not magic.startswith(SQLITE_MAGIC):
        raise BackupError(f"{dump} is not a SQLite backup (made by 'ditep backup' on SQLite)")
    if not sqlite and not magic.startswith(POSTGRES_DUMP_MAGIC):
        raise BackupError(f"{dump} is not a pg_dump custom-format archive")
    if sqlite:
        path = sqlite_path(database_url)
        if path.exists() and path.stat().st_size > 0 and _holds_a_schema(database_url):
            raise BackupError(f"{path} already holds tables: restore into a new database")
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(dump, path)
        return
    if _holds_a_schema(database_url):
        raise BackupError(
            "the database already holds tables: create a new, empty database and point "
            "DITEP_DATABASE_URL at it"
        )
    target_uri, environment = libpq_target(database_url)
    _run(
        [
            _tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={target_uri}",
            str(dump),
        ],
        environment,
    )


def backup_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="File to write (pg_dump custom format)")],
    force: Annotated[bool, typer.Option(help="Replace an existing file")] = False,
) -> None:
    """Back up the configured database (not the pseudonym secret: keep it apart)."""
    settings = cli_context(ctx).settings
    if output.exists() and not force:
        errors.print(f"[red]error:[/red] {escape(str(output))} exists (--force replaces it)")
        raise typer.Exit(1)
    try:
        backup_database(settings.database_url, output)
    except BackupError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    console.print(f"backed up to {escape(str(output))} ({output.stat().st_size} bytes)")
    errors.print(
        "The secret DITEP_PSEUDONYM_SECRET is not in the backup: a restore needs the same "
        "one, kept in the secret manager (docs/operations.md)."
    )


def restore_command(
    ctx: typer.Context,
    dump: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="File made by 'ditep backup'")
    ],
) -> None:
    """Restore a backup into the configured database, which must be new and empty; then
    check that the configured pseudonym secret is the one the data was filled with."""
    settings = cli_context(ctx).settings
    try:
        restore_database(settings.database_url, dump)
    except BackupError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    engine = create_database_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        current = migrations.current_revisions(engine)
    finally:
        engine.dispose()
    heads = migrations.head_revisions(settings.migrations_dir)
    console.print(f"restored {escape(str(dump))}: schema at {', '.join(sorted(current))}")
    if current != heads:
        errors.print("[yellow]the schema is not at head: run 'ditep migrate'[/yellow]")
    try:
        migrations.check_secret(settings.database_url, settings.pseudonym_secret.get_secret_value())
    except migrations.WrongPseudonymSecret as error:
        errors.print(
            f"[red]restored, but DITEP_PSEUDONYM_SECRET is wrong:[/red] {escape(str(error))}. "
            "Do not start the services with it: new pushes would give young people other "
            "pseudonyms."
        )
        raise typer.Exit(4) from None
