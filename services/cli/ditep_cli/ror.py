"""``ditep ror export`` and ``ditep ror push``: the ROR bundle of an establishment."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from activity_api.periods import parse_week
from activity_api.ror.service import ror_export
from ditep_cli.context import CliContext
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.web.problems import Problem

ror_app = typer.Typer(no_args_is_help=True, help="ROR (répertoire de l'offre) export and push.")
errors = Console(stderr=True)


def _context(ctx: typer.Context) -> CliContext:
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    return context


@ror_app.command("export")
def export(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS of the establishment")],
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W11")],
) -> None:
    """Print the ROR bundle (FHIR R4 JSON) the API serves for this week."""
    context = _context(ctx)
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
                threshold=context.settings.secrecy_threshold,
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
