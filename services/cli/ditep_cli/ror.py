"""``ditep ror export|push|status|ids``: the ROR bundle of an establishment, its push,
the ROR's answers per Location and the ROR's own ids of our resources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from activity_api.periods import parse_week
from activity_api.ror.push import RorPushError, push_establishments, scheduled_finess
from activity_api.ror.service import (
    known_resources,
    push_accepted,
    push_results,
    remove_ror_id,
    request_method,
    ror_export,
    ror_ids,
    set_ror_id,
)
from ditep_cli.context import cli_context, fail
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment
from ditep_core.web.problems import Problem

ror_app = typer.Typer(no_args_is_help=True, help="ROR (répertoire de l'offre) export and push.")
ids_app = typer.Typer(no_args_is_help=True, help="The ROR's own ids of our ROR resources.")
ror_app.add_typer(ids_app, name="ids")
errors = Console(stderr=True)
FinessOption = Annotated[str, typer.Option(help="FINESS of the establishment")]
ResourceOption = Annotated[
    str, typer.Option(help="Our resource, e.g. Location/690000017-accueil-nuit")
]


@ror_app.command("export")
def export(
    ctx: typer.Context,
    finess: FinessOption,
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W11")],
) -> None:
    """Print the ROR bundle (FHIR R4 JSON) the API serves for this week."""
    try:
        reference_week = parse_week(week)
    except Problem as problem:
        raise fail(problem.detail) from problem
    with _establishment_action(ctx, finess, "ror export") as (session, establishment):
        result = ror_export(session, establishment, reference_week)
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
    """Send each Location's capacities to the configured ROR (PUT by its ROR id; without
    one, search by our identifier, then PUT the one found or POST it); exit 1 if any failed."""
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


def _establishment(session: Session, finess: str) -> Establishment:
    establishment = EstablishmentRepository(session).get_by_finess(finess)
    if establishment is None:
        raise fail(f"no establishment with FINESS {finess}")
    return establishment


@contextmanager
def _establishment_action(
    ctx: typer.Context, finess: str, action: str
) -> Iterator[tuple[Session, Establishment]]:
    """A unit of work on one establishment, audited as the CLI action ``action`` when it
    succeeds; a refusal (Problem) prints its detail and exits 1."""
    try:
        with cli_context(ctx).database.unit_of_work() as session:
            establishment = _establishment(session, finess)
            yield session, establishment
            record_cli_action(
                session, action, scope=AuditScope("establishment", establishment.finess)
            )
    except Problem as problem:
        raise fail(problem.detail) from problem


@ror_app.command("status")
def status(ctx: typer.Context, finess: FinessOption) -> None:
    """The ROR's last answer to the push of each Location, its OperationOutcome included."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        establishment = _establishment(session, finess)
        results = push_results(session, establishment)
        if not results:
            print(f"ROR status {establishment.finess}: never pushed")
            return
        print(f"ROR status {establishment.finess}")
        for result in results:
            moment = f"{result.pushed_at:%Y-%m-%d %H:%M} UTC"
            if result.status_code is None and result.attempts == 0:
                # The token step (OAuth2, TLS) or the settings failed: the reason follows.
                print(f"  {result.location} week {result.week}: not sent, {moment}")
            else:
                answer = result.status_code if result.status_code is not None else "no answer"
                verdict = "ok" if push_accepted(result.url, result.status_code) else "refused"
                method = request_method(result.url)
                if method == "GET" and result.status_code == 200:
                    # The search answered, the push stopped there: the reason follows.
                    answer, verdict = "search answered 200,", "nothing sent"
                print(
                    f"  {result.location} week {result.week}: {answer} {verdict} "
                    f"after {result.attempts} attempt(s), {moment} ({method} {result.url})"
                )
            for message in result.messages:
                print(f"    {message}")
            if result.outcome is not None:
                print(f"    OperationOutcome: {json.dumps(result.outcome, ensure_ascii=False)}")


@ids_app.command("set")
def ids_set(
    ctx: typer.Context,
    finess: FinessOption,
    resource: ResourceOption,
    ror_id: Annotated[str, typer.Option("--ror-id", help="The ROR's id of that resource")],
) -> None:
    """Record the ROR's id of one of our resources: the push sends it under that id."""
    with _establishment_action(ctx, finess, "ror ids set") as (session, establishment):
        row = set_ror_id(session, establishment, resource, ror_id)
        print(f"{row.resource} -> {row.ror_id}")


@ids_app.command("remove")
def ids_remove(ctx: typer.Context, finess: FinessOption, resource: ResourceOption) -> None:
    """Forget the ROR's id of one of our resources (it is then sent under ours)."""
    with _establishment_action(ctx, finess, "ror ids remove") as (session, establishment):
        remove_ror_id(session, establishment, resource)
    print(f"{resource}: ROR id removed")


@ids_app.command("list")
def ids_list(ctx: typer.Context, finess: FinessOption) -> None:
    """Our ROR resources and the id each is sent under."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        establishment = _establishment(session, finess)
        recorded = ror_ids(session, establishment)
        resources = known_resources(establishment.finess)
    for resource in resources:
        ror_id = recorded.get(resource)
        if ror_id:
            print(f"{resource} -> {ror_id}")
        elif resource.startswith("Location/"):
            print(f"{resource} (no ROR id: the push matches on our identifier)")
        else:
            print(f"{resource} (no ROR id: sent as ours)")
