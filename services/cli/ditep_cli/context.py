"""What every command needs, built when a command runs (never at import)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import typer
from rich.console import Console

from ditep_cli.registry import all_tasks
from ditep_core.auth.principal import Principal
from ditep_core.days import DAYS_READ, day_in_range
from ditep_core.db import Database, DatabaseTimeouts
from ditep_core.nomenclatures import Scope
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.local import InlineDispatcher

# The command line is run by admins: it sees every establishment and area.
CLI_PRINCIPAL = Principal(
    client_id=0,
    name="cli",
    scopes=frozenset({Scope.ADMIN}),
    finess=frozenset(),
    regions=frozenset(),
)


@dataclass
class CliContext:
    settings: Settings

    @cached_property
    def database(self) -> Database:
        # Admin commands may run long (a region's rollups) and wait for the services'
        # locks: no lock or statement bound, but never more than a minute for SQLite.
        timeouts = DatabaseTimeouts(lock_ms=None, pool_seconds=60, writer_seconds=600)
        database = Database.from_url(
            self.settings.database_url,
            pool_size=2,
            max_overflow=2,
            timeouts=timeouts,
            always_write=True,
        )
        # What a command's writes defer (an import's rollup refresh) runs at once, as
        # before: an admin reads the counts of what they just ingested. (`ditep worker`
        # replaces it with its own runner or the queue.)
        database.dispatcher = InlineDispatcher(
            all_tasks(self.settings), TaskContext(database, self.settings, self.protection)
        )
        return database

    def close(self) -> None:
        """Close the pool if a command opened one (idle connections otherwise linger)."""
        if "database" in self.__dict__:
            self.database.dispose()

    @cached_property
    def protection(self) -> DataProtection:
        return DataProtection.from_settings(self.settings)


_errors = Console(stderr=True)


def cli_context(ctx: typer.Context) -> CliContext:
    """The context the ``ditep`` callback built, from any of its subcommands."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    return context


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints ``error: MESSAGE`` on stderr; the exit (status ``code``) to raise."""
    _errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def optional_day(value: str | None, option: str | None = None) -> dt.date | None:
    """A day given as an option (YYYY-MM-DD, among the days the system reads), or None;
    else ``fail`` (status 1), naming the option when given."""
    if value is None:
        return None
    where = f"{option}: " if option else ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{where}'{value}' is not a date (YYYY-MM-DD)") from error
    if not day_in_range(day):
        raise fail(f"{where}{value} is out of range: days are {DAYS_READ}")
    return day
