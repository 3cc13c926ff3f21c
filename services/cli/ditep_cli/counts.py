"""``ditep counts``: an establishment's figures for a period, the API's body."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from activity_api.activity.service import activity_report, body_csv, resolve_period
from ditep_cli.ars import AreaFormat, print_area_counts
from ditep_cli.context import CliContext
from ditep_cli.formats import TableFormat
from ditep_core.days import DAYS_READ, day_in_range
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.web.problems import Problem

console = Console()
errors = Console(stderr=True)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        errors.print(f"[red]error:[/red] {option} must be YYYY-MM-DD")
        raise typer.Exit(2) from error
    if not day_in_range(day):
        errors.print(f"[red]error:[/red] {option} {value} is out of range: days are {DAYS_READ}")
        raise typer.Exit(2)
    return day


def counts(
    ctx: typer.Context,
    finess: Annotated[str | None, typer.Option(help="FINESS of the establishment")] = None,
    region: Annotated[
        str | None, typer.Option(help="INSEE region code: the ARS aggregate, e.g. 84")
    ] = None,
    department: Annotated[
        str | None, typer.Option(help="Department code: the ARS aggregate, e.g. 69")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="2025-Q1, 2025-03, 2025-W11, 2025 or 2024-2025 (school year)"),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, excluded, YYYY-MM-DD")] = None,
    output: Annotated[TableFormat, typer.Option("--format")] = TableFormat.TABLE,
) -> None:
    """Print an establishment's activity for a period (the API's figures and body), or
    with --region / --department the ARS aggregate (the body of /v1/regions/...)."""
    if sum(option is not None for option in (finess, region, department)) != 1:
        errors.print("[red]error:[/red] give one of --finess, --region or --department")
        raise typer.Exit(2)
    if finess is None:
        if period is None:
            errors.print("[red]error:[/red] --period is required with --region/--department")
            raise typer.Exit(2)
        if output is TableFormat.TABLE:
            errors.print("[red]error:[/red] an area prints as --format json or csv")
            raise typer.Exit(2)
        kind, code = ("region", region) if region is not None else ("department", department)
        assert code is not None
        print_area_counts(ctx, kind, code, period, AreaFormat(output.value))
        return
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    start_date, end_date = _date(start, "--start"), _date(end, "--end")
    with context.database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(finess)
        if establishment is None:
            errors.print(f"[red]error:[/red] no establishment with FINESS {finess}")
            raise typer.Exit(1)
        try:
            body = activity_report(
                session, establishment, resolve_period(period, start_date, end_date)
            ).json_body()
        except Problem as problem:
            errors.print(f"[red]error:[/red] {problem.detail}")
            raise typer.Exit(1) from problem
    if output is TableFormat.JSON:
        print(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    elif output is TableFormat.CSV:
        print(body_csv(body), end="")
    else:
        _print_table(body)


def _print_table(body: dict[str, Any]) -> None:
    establishment, period = body["establishment"], body["period"]
    table = Table(
        title=(
            f"{establishment['name']} ({establishment['finess']}), {period['code']}: "
            f"{period['start']} → {period['end']} (end excluded); profile "
            f"{body['profile_version']}, rules {', '.join(body['rule_set_versions']) or '-'}"
        )
    )
    table.add_column("figure")
    table.add_column("total", justify="right")
    table.add_column("accueil de nuit", justify="right")
    table.add_column("accueil de jour", justify="right")
    table.add_column("ambulatoire", justify="right")
    modalities = ("accueil_nuit", "accueil_jour", "ambulatoire")
    file_active, hours, days = body["file_active"], body["hours"], body["days"]
    table.add_row(
        "file active (young people)",
        str(file_active["total"]),
        *(str(file_active["by_modality"][m]) for m in modalities),
    )
    table.add_row(
        "hours, direct",
        f"{hours['direct']:.2f}",
        *(f"{hours['by_activity'][m]:.2f}" for m in modalities),
    )
    table.add_row("hours, indirect", f"{hours['indirect']:.2f}", "", "", "")
    table.add_row(
        "journées",
        f"{days['journees']['total']:g}",
        *(f"{days['journees'][m]:g}" for m in modalities),
    )
    table.add_row("nuits", str(days["nuits"]), "", "", "")
    capacity = body["capacity"]
    table.add_row(
        f"occupied places (week of {capacity['reference_week']})",
        "",
        *(str(capacity[m]["occupied"]) for m in modalities),
    )
    console.print(table)
    units = body["units"]
    summary = Table(title="weekly units, acts, pathway status")
    for name in ("units", "score 1", "score 2", "score 3", "score 4", "< 1 h", "actes", "séances"):
        summary.add_column(name, justify="right")
    summary.add_row(
        str(units["total"]),
        *(str(units["by_score"][s]) for s in ("1", "2", "3", "4")),
        str(units["lt_1h"]),
        str(body["acts"]["actes"]),
        str(body["acts"]["seances"]),
    )
    console.print(summary)
    quality = Table(title="data quality (sessions)")
    values = {k: v for k, v in body["quality"].items() if k != "by_source"}
    for name in values:
        quality.add_column(name, justify="right")
    quality.add_row(*(str(value) for value in values.values()))
    console.print(quality)
