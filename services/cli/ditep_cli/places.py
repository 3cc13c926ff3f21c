"""``ditep places ...``: an establishment's place registry (issue 20)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agenda_ingest.places.service import registry_text, set_registry
from ditep_cli.classify import load_places
from ditep_cli.context import CLI_PRINCIPAL, cli_context
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.problems import Problem

places_app = typer.Typer(
    no_args_is_help=True,
    help="Place registry: an establishment's own places and its partners', with aliases.",
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)
FinessOption = Annotated[str, typer.Option(help="FINESS of the establishment")]


def _problem(problem: Problem) -> typer.Exit:
    errors.print(f"[red]error:[/red] {problem.detail}", highlight=False)
    for error in problem.errors:
        errors.print(f"  {error.get('location')}: {error.get('message')}", markup=False)
    return typer.Exit(1)


@places_app.command("check")
def places_check(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a registry file; errors name the field (a duplicate alias names both)."""
    registry = load_places(file)
    assert registry is not None
    console.print(
        f"{file}: {len(registry.own)} own places, {len(registry.partners)} partner places, valid"
    )


@places_app.command("set")
def places_set(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    finess: FinessOption,
) -> None:
    """Store FILE as the establishment's registry (then run ditep reclassify)."""
    load_places(file)
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
            row, changed = set_registry(
                session,
                establishment,
                file.read_text(encoding="utf-8"),
                updated_by_key_id=None,
            )
        except Problem as problem:
            raise _problem(problem) from problem
        record_cli_action(session, "places set", scope=AuditScope("establishment", finess))
        console.print(
            f"{'stored' if changed else 'unchanged'}: registry {row.content_sha256[:8]} of {finess}"
        )


@places_app.command("show")
def places_show(ctx: typer.Context, finess: FinessOption) -> None:
    """Print the establishment's registry as written."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
        except Problem as problem:
            raise _problem(problem) from problem
        text = registry_text(session, establishment.id)
    if text is None:
        errors.print(f"establishment {finess} has no place registry", highlight=False)
        raise typer.Exit(1)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
