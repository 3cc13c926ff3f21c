"""``ditep ror export`` and ``ditep ror push``: the ROR bundle of an establishment."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from activity_api.periods import parse_week
from activity_api.ror.push import RorPushError, push_establishments, scheduled_finess
from activity_api.ror.service import ror_export
from ditep_cli.context import cli_context
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.web.problems import Problem

ror_app = typer.Typer(no_args_is_help=True, help="ROR (répertoire de l'offre) export and push.")
errors = Console(stderr=True)


@ror_app.command("export")
def export(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS of the establishment")],
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W11")],
) -> None:
    """Print the ROR bundle (FHIR R4 JSON) the API serves for this week."""
    context = cli_context(ctx)
    try:
        reference_week = parse_week(week)
        with context.database.unit_of_work() as session:
            establishment = EstablishmentRepository(session).get_by_finess(finess)
            if establishment is None:
                errors.print(f"[red]error:[/red] no establishment with FINESS {finess}")
                raise typer.Exit(1)
            result = ror_export(
                session,
                establishment,
                reference_week,
            )
            record_cli_action(
                session, "ror export", scope=AuditScope("establishment", establishment.finess)
            )
    except Problem as problem:
        errors.print(f"[red]error:[/red] {problem.detail}")
        raise typer.Exit(1) from problem
    if result.suppressed:
        errors.print(f"left out for statistical secrecy: {', '.join(result.suppressed)}")
    print(json.dumps(result.bundle, indent=2, ensure_ascii=False))


@ror_app.command("push")
def push(
    ctx: typer.Context,
    finess: Annotated[
        list[str] | None, typer.Option(help="FINESS (repeatable; default: the scheduled list)")
    ] = None,
    week: Annotated[str | None, typer.Option(help="ISO week (default: the current one)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent")] = False,
) -> None:
    """PUT each Location's capacities to the configured ROR; exit 1 if any failed."""
    context = cli_context(ctx)
    settings = context.settings
    try:
        reference_week = parse_week(week) if week else None
        targets = finess or scheduled_finess(context.database, settings)
        reports = push_establishments(
            context.database, settings, targets, week=reference_week, dry_run=dry_run
        )
    except (Problem, RorPushError) as error:
        message = error.detail if isinstance(error, Problem) else str(error)
        errors.print(f"[red]error:[/red] {message}")
        raise typer.Exit(1) from error
    with context.database.unit_of_work() as session:
        for report in reports:
            record_cli_action(
                session,
                "ror push --dry-run" if dry_run else "ror push",
                scope=AuditScope("establishment", report.finess),
                status=0 if report.ok else 1,
            )
    for report in reports:
        for line in report.lines():
            print(line)
    if dry_run:
        for report in reports:
            for location in report.locations:
                print(json.dumps(location.sent, ensure_ascii=False))
    if not all(report.ok for report in reports):
        raise typer.Exit(1)
