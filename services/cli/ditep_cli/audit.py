"""``ditep audit``: the audit log as ``GET /v1/audit`` shows it (table, JSON or CSV)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from activity_api.audit.schemas import AUDIT_COLUMNS, AuditEventOut
from ditep_cli.context import CliContext
from ditep_cli.formats import TableFormat
from ditep_core.audit.service import record_cli_action, search_events
from ditep_core.days import FIRST_YEAR, LAST_YEAR
from ditep_core.web.tabular import csv_text

console = Console()
errors = Console(stderr=True)

# The columns of the table (the JSON and CSV outputs have all of AUDIT_COLUMNS).
TABLE_COLUMNS = (
    "occurred_at",
    "service",
    "client_id",
    "user_id",
    "method",
    "route",
    "query",
    "status",
    "request_count",
    "source_address",
    "request_id",
    "correlation_id",
)


def _instant(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as error:
        errors.print(f"[red]error:[/red] {option} must be like 2025-03-01T00:00:00Z")
        raise typer.Exit(2) from error
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        errors.print(f"[red]error:[/red] {option} is out of range ({FIRST_YEAR}–{LAST_YEAR})")
        raise typer.Exit(2)
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def audit_command(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="From this instant (UTC if no zone)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Until this instant (excluded)")] = None,
    key: Annotated[int | None, typer.Option(help="Only this key's id")] = None,
    route: Annotated[str | None, typer.Option(help="Only this route template or command")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
    output: Annotated[TableFormat, typer.Option("--format")] = TableFormat.TABLE,
) -> None:
    """Print the audit log: who called what (route, query), the outcome, the ids."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    since, until = _instant(start, "--from"), _instant(end, "--to")
    with context.database.unit_of_work() as session:
        events = [
            AuditEventOut.model_validate(event).model_dump(mode="json")
            for event in search_events(
                session, start=since, end=until, client_id=key, route=route, limit=limit
            )
        ]
        # Reading the log is an admin read: recorded too (after the search).
        record_cli_action(session, "audit")
    if output is TableFormat.JSON:
        print(json.dumps(events, ensure_ascii=False, indent=2))
    elif output is TableFormat.CSV:
        print(csv_text(AUDIT_COLUMNS, ([e[c] for c in AUDIT_COLUMNS] for e in events)), end="")
    else:
        table = Table(title=f"audit log ({len(events)} events)")
        for column in TABLE_COLUMNS:
            table.add_column(column, overflow="fold")
        for event in events:
            table.add_row(*("" if event[c] is None else str(event[c]) for c in TABLE_COLUMNS))
        console.print(table)
