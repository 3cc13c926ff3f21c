"""``ditep partitions ensure``: create the coming months' partitions (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from ditep_cli.context import CliContext
from ditep_core.partitions.service import ensure_partitions

partitions_app = typer.Typer(
    no_args_is_help=True, help="Month partitions of sessions and participants (PostgreSQL)."
)


@partitions_app.command("ensure")
def ensure(
    ctx: typer.Context,
    months_ahead: Annotated[
        int, typer.Option(min=0, help="Months after the current one to create")
    ] = 12,
    since: Annotated[
        str | None,
        typer.Option(help="First month to create, YYYY-MM (default: the current month)"),
    ] = None,
) -> None:
    """Create missing month partitions (idempotent; one transaction)."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    first: dt.date | None = None
    if since is not None:
        try:
            first = dt.datetime.strptime(since, "%Y-%m").date()
        except ValueError:
            raise typer.BadParameter(
                f"{since!r} is not a month like 2025-09", param_hint="--since"
            ) from None
    with context.database.unit_of_work(write=True) as session:
        report = ensure_partitions(session, months_ahead=months_ahead, since=first)
    if not report.partitioned:
        print("nothing to do: this database has no partitioned tables (SQLite)")
        return
    print(
        f"{len(report.created)} partition(s) created, {len(report.existing)} already there"
        + (f": {', '.join(report.created)}" if report.created else "")
    )
    if report.held_by_default:
        print(
            "left to the DEFAULT partition, which holds rows of these months: "
            + ", ".join(report.held_by_default)
        )
