"""``ditep transmit`` and ``ditep transmissions``: a quarter sent to the ARS, as over the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from activity_api.transmissions.service import transmission_list, transmit
from ditep_cli.context import CLI_PRINCIPAL, cli_context
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.problems import Problem

errors = Console(stderr=True)
console = Console()


def transmit_command(
    ctx: typer.Context,
    finess: Annotated[str, typer.Argument(help="FINESS of the establishment")],
    period: Annotated[str, typer.Option(help="The quarter, e.g. 2025-Q1")],
    reason: Annotated[
        str | None, typer.Option(help="Why the quarter is transmitted again (version 2 on)")
    ] = None,
) -> None:
    """Transmit a quarter to the ARS; prints the body of POST …/transmissions."""
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
            report = transmit(
                session, establishment, period, reason=reason, transmitted_by=CLI_PRINCIPAL.name
            )
        except Problem as problem:
            errors.print(f"[red]error:[/red] {problem.detail}")
            raise typer.Exit(1) from problem
        record_cli_action(
            session,
            f"transmit {report.period.code} version {report.transmission.version}",
            scope=AuditScope("establishment", establishment.finess),
        )
    print(report.model_dump_json(indent=2, by_alias=True))


def transmissions_command(
    ctx: typer.Context,
    finess: Annotated[str, typer.Argument(help="FINESS of the establishment")],
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON body")] = False,
) -> None:
    """Every quarter of the establishment with its status and versions."""
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
        except Problem as problem:
            errors.print(f"[red]error:[/red] {problem.detail}")
            raise typer.Exit(1) from problem
        listing = transmission_list(session, establishment)
        record_cli_action(
            session, "transmissions", scope=AuditScope("establishment", establishment.finess)
        )
    if as_json:
        print(listing.model_dump_json(indent=2))
        return
    table = Table(title=f"transmissions of {finess} (statuses on {listing.today})")
    for column in ("quarter", "status", "deadline", "versions", "last reason"):
        table.add_column(column)
    for quarter in listing.quarters:
        last = quarter.versions[-1] if quarter.versions else None
        status = quarter.status + (" (after the deadline)" if quarter.after_deadline else "")
        if quarter.marked_late_at is not None:
            status += f", recorded late {quarter.marked_late_at.date().isoformat()}"
        table.add_row(
            quarter.period,
            status,
            quarter.deadline.isoformat(),
            str(len(quarter.versions)),
            (last.reason or "") if last else "",
        )
    console.print(table)
