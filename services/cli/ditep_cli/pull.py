"""``ditep pull``: pull sources that have a URL (for cron or a Kubernetes CronJob).

``ditep pull --due`` pulls every source whose interval has passed;
``ditep pull SOURCE_ID`` pulls one now; ``ditep pull configure SOURCE_ID``
sets its URL, interval and credential set. One line per source on stdout; the
exit code is 1 if any pull failed.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.fetcher import redact_url
from agenda_ingest.pull.fhir_search import (
    DEFAULT_RESOURCE,
    FULL_EVERY_DAYS_OPTION,
    FULL_EVERY_PULLS_OPTION,
    RESOURCE_OPTION,
    SLOTS_OPTION,
)
from agenda_ingest.pull.service import (
    PullOutcome,
    configure_source,
    default_owner,
    pull_due,
    pull_source,
)
from ditep_cli.context import CliContext, cli_context, fail
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.nomenclatures import FeedFormat
from ditep_core.web.problems import Problem

errors = Console(stderr=True)


class _PullGroup(TyperGroup):
    """``ditep pull 12`` is ``ditep pull source 12``: a number names a source."""

    # Typed loosely: typer vendors its own click, whose types are private.
    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and args[0].isdigit():
            return "source", self.commands["source"], args
        return super().resolve_command(ctx, args)


pull_app = typer.Typer(
    cls=_PullGroup,
    no_args_is_help=True,
    subcommand_metavar="SOURCE_ID | configure SOURCE_ID [OPTIONS]",
    help="Pull sources that have a URL: `--due` (for cron), a SOURCE_ID, or `configure`.",
)


def describe(outcome: PullOutcome) -> str:
    """One line: the source, its status, and the import's counts or the error."""
    line = f"source {outcome.source_id}: {outcome.status.value}"
    imported = outcome.imported
    if imported is not None:
        line += (
            f", import {imported.import_id} (received {imported.received}, "
            f"created {imported.created}, updated {imported.updated}, "
            f"deleted {imported.deleted}, rejected {imported.rejected}, "
            f"unchanged {imported.unchanged})"
        )
    if outcome.full is not None:
        line += f"; {'full' if outcome.full else 'incremental'} pull"
        if outcome.full_reason:
            line += f" ({outcome.full_reason})"
    if outcome.error:
        line += f": {outcome.error}"
    return line


def _audit(context: CliContext, command: str, source_ids: list[int], *, ok: list[bool]) -> None:
    """Each pull in the audit log (status 0 = fetched or not modified, 1 = failed)."""
    with context.database.unit_of_work() as session:
        for source_id, done in zip(source_ids, ok, strict=True):
            record_cli_action(
                session,
                command,
                scope=AuditScope("source", str(source_id)),
                status=0 if done else 1,
            )


def _report(outcomes: list[PullOutcome]) -> None:
    for outcome in outcomes:
        print(describe(outcome))
    if any(outcome.failed for outcome in outcomes):
        raise typer.Exit(1)


@pull_app.callback(invoke_without_command=True)
def pull(
    ctx: typer.Context,
    due: Annotated[
        bool, typer.Option("--due", help="Pull every source whose interval has passed")
    ] = False,
) -> None:
    """Pull sources that have a URL."""
    if ctx.invoked_subcommand is not None:
        if due:
            raise fail("give either --due or a source, not both")
        return
    if not due:
        raise fail("give --due, a SOURCE_ID or a command (see --help)")
    context = cli_context(ctx)
    outcomes = pull_due(
        context.database,
        settings=context.settings,
        protection=context.protection,
        owner=default_owner(),
    )
    if not outcomes:
        errors.print("no source due")
    _audit(
        context,
        "pull --due",
        [outcome.source_id for outcome in outcomes],
        ok=[not outcome.failed for outcome in outcomes],
    )
    _report(outcomes)


@pull_app.command("source", hidden=True)
def pull_one(ctx: typer.Context, source_id: Annotated[int, typer.Argument()]) -> None:
    """Pull one source now, whatever its interval."""
    context = cli_context(ctx)
    try:
        outcome = pull_source(
            context.database,
            source_id,
            settings=context.settings,
            protection=context.protection,
            owner=default_owner(),
        )
    except Problem as problem:
        _audit(context, "pull", [source_id], ok=[False])
        raise fail(problem.detail) from problem
    _audit(context, "pull", [source_id], ok=[not outcome.failed])
    _report([outcome])


@pull_app.command("configure")
def configure(
    ctx: typer.Context,
    source_id: Annotated[int, typer.Argument()],
    url: Annotated[str | None, typer.Option(help="URL to pull (https://…)")] = None,
    interval: Annotated[
        int | None, typer.Option(help="Minutes between two pulls (default 60)", min=1)
    ] = None,
    credentials: Annotated[
        str | None,
        typer.Option(help="Name of a credential set in DITEP_PULL_CREDENTIALS (not a secret)"),
    ] = None,
    no_credentials: Annotated[
        bool, typer.Option("--no-credentials", help="Pull without credentials")
    ] = False,
    fhir_resource: Annotated[
        str | None,
        typer.Option(
            help="FHIR source: what its pull searches, Encounter (TDDUI, default) or Appointment"
        ),
    ] = None,
    slots: Annotated[
        bool | None,
        typer.Option(
            "--slots/--no-slots",
            help="FHIR source: search its Slots too (TDDUI presence/absence, with their Schedule)",
        ),
    ] = None,
    full_every_pulls: Annotated[
        int | None,
        typer.Option(
            help="FHIR source: a full pull after this many incremental ones (0: unset)", min=0
        ),
    ] = None,
    full_every_days: Annotated[
        int | None,
        typer.Option(
            help="FHIR source: a full pull once this many days have passed since the last "
            "(0: unset; without _history on the server, 1 by default)",
            min=0,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Make the next pull a full one (a FHIR source then replaces its sessions)",
        ),
    ] = False,
) -> None:
    """Set how a source is pulled: its URL, interval and credential set."""
    context = cli_context(ctx)
    settings = context.settings
    if (
        credentials is not None
        and credentials not in settings.pull_credentials
        and credentials not in settings.pull_tls
    ):
        errors.print(
            f"[yellow]warning:[/yellow] no credential set '{credentials}' in this "
            "environment's DITEP_PULL_CREDENTIALS nor DITEP_PULL_TLS; the pulling process "
            "needs it"
        )
    with context.database.unit_of_work() as session:
        try:
            source = configure_source(
                session,
                source_id,
                url=url,
                interval_minutes=interval,
                credentials_name=credentials,
                clear_credentials=no_credentials,
                fhir_resource=fhir_resource,
                fhir_slots=slots,
                full_every_pulls=full_every_pulls,
                full_every_days=full_every_days,
                full=full,
                allowlist=Allowlist.from_entries(context.settings.pull_allowed_hosts),
            )
        except Problem as problem:
            raise fail(problem.detail) from problem
        record_cli_action(session, "pull configure", scope=AuditScope("source", str(source_id)))
        summary: dict[str, Any] = {
            "url": redact_url(source.url) if source.url else "none",
            "interval": f"{source.pull_interval_minutes} min",
            "credentials": source.credentials_name or "none",
        }
        if source.format is FeedFormat.FHIR:
            options = source.participant_options
            searched = options.get(RESOURCE_OPTION, DEFAULT_RESOURCE)
            summary["searches"] = searched + (" and Slot" if options.get(SLOTS_OPTION) else "")
            summary["next pull"] = "incremental" if source.http_last_modified else "full"
            every = [
                f"{options[key]} {unit}"
                for key, unit in (
                    (FULL_EVERY_PULLS_OPTION, "pulls"),
                    (FULL_EVERY_DAYS_OPTION, "days"),
                )
                if options.get(key)
            ]
            summary["full pull every"] = (
                " or ".join(every) if every else "when _history shows a deletion, else 1 day"
            )
    print(f"source {source_id}: " + ", ".join(f"{key} {value}" for key, value in summary.items()))
