"""``ditep ars counts``: a region's or department's aggregates, the API's body (issue 7)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from activity_api.periods import CALENDAR_FORMATS, parse_calendar_period
from activity_api.regions.service import area_report, csv_rows, resolve_area
from ditep_cli.context import CLI_PRINCIPAL, CliContext
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.web.problems import Problem
from ditep_core.web.tabular import csv_text

ars_app = typer.Typer(no_args_is_help=True, help="Regional aggregates for ARS.")
errors = Console(stderr=True)


class AreaFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@ars_app.command("counts")
def counts(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help=CALENDAR_FORMATS)],
    region: Annotated[str | None, typer.Option(help="INSEE region code, e.g. 84")] = None,
    department: Annotated[str | None, typer.Option(help="Department code, e.g. 69")] = None,
    output: Annotated[AreaFormat, typer.Option("--format")] = AreaFormat.JSON,
) -> None:
    """Print the body of GET /v1/regions/{code}/activity (or departments/...)."""
    if (region is None) == (department is None):
        errors.print("[red]error:[/red] give --region or --department (one of them)")
        raise typer.Exit(2)
    kind, code = ("region", region) if region is not None else ("department", department)
    assert code is not None
    print_area_counts(ctx, kind, code, period, output)


def print_area_counts(
    ctx: typer.Context, kind: str, code: str, period: str, output: AreaFormat
) -> None:
    """What ``ditep counts --region R --period P`` prints (hook for the counts command)."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    try:
        reporting_period = parse_calendar_period(period, "--period")
        area = resolve_area(CLI_PRINCIPAL, kind, code)
        with context.database.unit_of_work() as session:
            report = area_report(session, area, reporting_period)
            record_cli_action(session, "ars counts", scope=AuditScope(kind, area.code))
    except Problem as problem:
        errors.print(f"[red]error:[/red] {problem.detail}")
        raise typer.Exit(1) from problem
    if output is AreaFormat.CSV:
        columns, rows = csv_rows(report)
        print(csv_text(columns, rows), end="")
    else:
        print(report.model_dump_json(indent=2, by_alias=True, exclude_unset=True))
