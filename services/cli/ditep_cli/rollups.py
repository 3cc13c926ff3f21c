"""``ditep rollups refresh``: recompute out-of-date rollups ahead of the reads."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

from ditep_cli.context import CliContext
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_counting.rollups.service import refresh_stale

rollups_app = typer.Typer(no_args_is_help=True, help="Rollup tables behind the counts.")
errors = Console(stderr=True)


@rollups_app.command("refresh")
def refresh(
    ctx: typer.Context,
    finess: Annotated[str | None, typer.Option(help="One establishment (default: all)")] = None,
) -> None:
    """Recompute every week marked out of date by imports (one transaction each)."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    with context.database.unit_of_work() as session:
        repository = EstablishmentRepository(session)
        if finess is None:
            ids = [establishment.id for establishment in repository.list_all()]
        else:
            found = repository.get_by_finess(finess)
            if found is None:
                errors.print(f"[red]error:[/red] no establishment with FINESS {finess}")
                raise typer.Exit(1)
            ids = [found.id]
    for establishment_id in ids:
        started = time.perf_counter()
        with context.database.unit_of_work() as session:
            establishment = EstablishmentRepository(session).get(establishment_id)
            if establishment is None:  # deleted meanwhile
                continue
            weeks = refresh_stale(session, establishment)
            finess_code = establishment.finess
        print(f"{finess_code}: {weeks} week(s) refreshed in {time.perf_counter() - started:.1f} s")
