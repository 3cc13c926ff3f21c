"""``ditep``: migrations, establishments, sources, ingestion, counts, keys, serving."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agenda_ingest.feeds.repository import ImportRepository
from agenda_ingest.feeds.schemas import result_of
from agenda_ingest.feeds.service import ImportOutcome, ingest_feed, replay_import
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.sources.repository import SourceRepository
from agenda_ingest.sources.service import add_source
from ditep_cli.ars import ars_app
from ditep_cli.audit import audit_command
from ditep_cli.backup import backup_command, restore_command
from ditep_cli.classify import classify_app, reclassify_command, rules_app
from ditep_cli.context import CliContext, cli_context, fail, optional_day
from ditep_cli.counts import counts
from ditep_cli.fhir import fhir_app
from ditep_cli.ical import ical_app
from ditep_cli.keys import audit_key_action, keys_rotate
from ditep_cli.partitions import partitions_app
from ditep_cli.places import places_app
from ditep_cli.profile import profile_app
from ditep_cli.pull import pull_app
from ditep_cli.rollups import rollups_app
from ditep_cli.ror import ror_app
from ditep_cli.samples import load_samples
from ditep_cli.serve import REVIEW_KEY_NAME, review_environment, serve_both
from ditep_cli.sources import source_disable, source_list, source_show, source_update
from ditep_cli.tasks import tasks_command, worker_command
from ditep_cli.transmissions import transmissions_command, transmit_command
from ditep_cli.users import users_app
from ditep_core import migrations
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.auth.repository import ApiClientRepository
from ditep_core.auth.service import binding_of, create_key, revoke_key
from ditep_core.establishments.service import (
    add_establishment,
    set_commune,
    set_ror_declarations,
)
from ditep_core.nomenclatures import (
    MODALITIES,
    Activity,
    AgendaKind,
    FeedFormat,
    ImportStatus,
    Scope,
)
from ditep_core.observability import configure_logging, settings_secrets
from ditep_core.payloads import PayloadUnreadable
from ditep_core.settings import SettingsError, load_settings
from ditep_core.web.problems import Problem

app = typer.Typer(no_args_is_help=True, help="Admin command line of the DITEP activity services.")
establishment_app = typer.Typer(no_args_is_help=True, help="Establishments (FINESS).")
source_app = typer.Typer(no_args_is_help=True, help="Agenda sources of an establishment.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
samples_app = typer.Typer(no_args_is_help=True, help="The sample DITEP of samples/.")
imports_app = typer.Typer(no_args_is_help=True, help="Imports of feeds.")
app.add_typer(establishment_app, name="establishment")
app.add_typer(source_app, name="source")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(samples_app, name="samples")
app.add_typer(imports_app, name="imports")
app.add_typer(ical_app, name="ical")
app.add_typer(pull_app, name="pull")
app.add_typer(fhir_app, name="fhir")
app.add_typer(rules_app, name="rules")
app.add_typer(places_app, name="places")
app.add_typer(classify_app, name="classify")
app.command("reclassify")(reclassify_command)
keys_app.command("rotate")(keys_rotate)
app.add_typer(ror_app, name="ror")
app.add_typer(ars_app, name="ars")
app.add_typer(profile_app, name="profile")
app.add_typer(rollups_app, name="rollups")
app.add_typer(partitions_app, name="partitions")
app.command("transmit")(transmit_command)
app.command("transmissions")(transmissions_command)
app.command("counts")(counts)
app.command("worker")(worker_command)
app.command("tasks")(tasks_command)
app.command("audit")(audit_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
source_app.command("show")(source_show)
source_app.command("list")(source_list)
source_app.command("update")(source_update)
source_app.command("disable")(source_disable)

console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.callback()
def _root(ctx: typer.Context) -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        # Without the values given: they may be secrets.
        errors.print(f"[red]invalid settings:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    # Logs go to stderr so that stdout stays parseable (--format json, key ids).
    configure_logging(
        level=settings.log_level,
        json_output=settings.log_json,
        secrets=settings_secrets(settings),
    )
    ctx.obj = CliContext(settings)
    ctx.call_on_close(ctx.obj.close)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Upgrade the configured database to the latest schema."""
    settings = cli_context(ctx).settings
    migrations.upgrade(
        settings.database_url,
        settings.migrations_dir,
        pseudonym_secret=settings.pseudonym_secret.get_secret_value(),
    )
    console.print("database at head")


@establishment_app.command("add")
def establishment_add(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS (ET) number, 9 characters")],
    name: Annotated[str, typer.Option(help="Name of the establishment")],
    region: Annotated[str, typer.Option(help="INSEE region code, e.g. 84")],
    department: Annotated[
        str | None, typer.Option(help="Department (default: from FINESS)")
    ] = None,
    tz: Annotated[str, typer.Option(help="IANA time zone")] = "Europe/Paris",
    capacity: Annotated[
        list[str] | None, typer.Option(help="MODALITY=PLACES, e.g. accueil_nuit=12 (repeatable)")
    ] = None,
    commune: Annotated[
        str | None, typer.Option(help="INSEE (COG) commune code, e.g. 31555 (for the ROR)")
    ] = None,
) -> None:
    """Register an establishment."""
    capacities: dict[Activity, int] = {}
    for item in capacity or []:
        modality, _, places = item.partition("=")
        if Activity(modality) not in MODALITIES or not places.isdigit():
            raise fail(f"bad capacity '{item}': expected MODALITY=PLACES")
        capacities[Activity(modality)] = int(places)
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            establishment = add_establishment(
                session,
                finess=finess,
                name=name,
                region_code=region,
                department_code=department,
                timezone=tz,
                capacities=capacities,
                commune_code=commune,
            )
        except Problem as problem:
            raise fail(problem.detail) from problem
        record_cli_action(
            session, "establishment add", scope=AuditScope("establishment", establishment.finess)
        )
        console.print(f"establishment {establishment.finess} added")


@establishment_app.command("update")
def establishment_update(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS (ET) number, 9 characters")],
    commune: Annotated[
        str | None, typer.Option(help="INSEE (COG) commune code, e.g. 31555 (for the ROR)")
    ] = None,
    ages: Annotated[
        str | None,
        typer.Option(help="Authorised age range in years, e.g. 6-20 (the ROR's patient type)"),
    ] = None,
    sensitive_unit: Annotated[
        bool | None,
        typer.Option(
            "--sensitive-unit/--not-sensitive-unit",
            help="Whether the offer's description is confidential in the ROR",
        ),
    ] = None,
) -> None:
    """Change an existing establishment's record (its commune, its ROR declarations)."""
    if commune is None and ages is None and sensitive_unit is None:
        raise fail("nothing to change: give --commune, --ages or --(not-)sensitive-unit")
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            if commune is not None:
                set_commune(session, finess, commune)
            establishment = set_ror_declarations(
                session, finess, ages=ages, sensitive_unit=sensitive_unit
            )
        except Problem as problem:
            raise fail(problem.detail) from problem
        record_cli_action(
            session,
            "establishment update",
            scope=AuditScope("establishment", establishment.finess),
        )
        ages_text = (
            f"{establishment.ror_age_min}-{establishment.ror_age_max}"
            if establishment.ror_age_min is not None
            else "not declared"
        )
        sensitive = {None: "not declared", True: "yes", False: "no"}[
            establishment.ror_sensitive_unit
        ]
        console.print(
            f"establishment {establishment.finess}: commune {establishment.commune_code}, "
            f"ages {ages_text}, sensitive unit {sensitive}"
        )


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS of the establishment")],
    feed_format: Annotated[FeedFormat, typer.Option("--format", help="Feed format")],
    name: Annotated[str, typer.Option(help="Name of the source, unique per establishment")],
    url: Annotated[str | None, typer.Option(help="URL to pull from (omit for push)")] = None,
    kind: Annotated[AgendaKind, typer.Option(help="Whose agenda it is")] = AgendaKind.ESTABLISHMENT,
    window_start: Annotated[
        str | None, typer.Option(help="Expand recurrences from this date (YYYY-MM-DD)")
    ] = None,
    window_end: Annotated[
        str | None, typer.Option(help="Expand recurrences until this date, excluded")
    ] = None,
    youth_id: Annotated[
        str | None,
        typer.Option(help="For a young person's own agenda: their identifier (pseudonymised)"),
    ] = None,
    youth_uri_prefix: Annotated[
        list[str] | None,
        typer.Option(
            help="URI prefix marking a young person (repeatable; replaces the INS defaults)"
        ),
    ] = None,
    youth_marker: Annotated[
        list[str] | None,
        typer.Option(
            help="Vendor parameter value marking a young person (repeatable; default USAGER, JEUNE)"
        ),
    ] = None,
) -> None:
    """Register a source; prints its id on the last line."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        try:
            source = add_source(
                session,
                finess=finess,
                name=name,
                feed_format=feed_format,
                url=url,
                agenda_kind=kind,
                window_start=optional_day(window_start),
                window_end=optional_day(window_end),
                youth_identifier=youth_id,
                pseudonymiser=context.protection.pseudonymiser,
                youth_uri_prefixes=youth_uri_prefix or (),
                youth_markers=youth_marker or (),
                pull_allowlist=Allowlist.from_entries(context.settings.pull_allowed_hosts),
            )
        except Problem as problem:
            raise fail(problem.detail) from problem
        source_id = source.id
        record_cli_action(session, "source add", scope=AuditScope("establishment", finess))
    console.print(f"source '{name}' added to {finess}")
    print(source_id)


def _print_outcome(outcome: ImportOutcome, output: OutputFormat) -> None:
    result = result_of(outcome)
    if output is OutputFormat.JSON:
        print(result.model_dump_json(indent=2))
        return
    table = Table(title=f"import {result.import_id} of source {result.source_id}: {result.status}")
    for column in ("received", "created", "updated", "deleted", "rejected", "unchanged"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(value)
            for value in (
                result.received,
                result.created,
                result.updated,
                result.deleted,
                result.rejected,
                result.unchanged,
            )
        )
    )
    console.print(table)
    if result.window is not None:
        console.print(
            f"window {result.window.start} – {result.window.end} (excluded): "
            f"{result.outside_window} events outside it; {result.kept} sessions kept "
            f"because their event was rejected"
        )
    if result.unclassified:
        console.print(f"{result.unclassified} sessions no rule classified (not counted)")
    if result.superseded_by is not None:
        console.print(f"superseded by import {result.superseded_by}: not applied")
    for error in result.errors:
        where = f"line {error.line}: " if error.line else (f"{error.path}: " if error.path else "")
        errors.print(f"[yellow]{where}{error.message}[/yellow]")


@app.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[int, typer.Option(help="Source id")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    allow_mass_delete: Annotated[
        bool, typer.Option(help="Apply it even if it deletes most of the source's sessions")
    ] = False,
) -> None:
    """Ingest a feed file into a source, as a push would (stored, then parsed, then applied
    under the source's lock). Exit code 1: unreadable; 2: not applied (held by the
    mass-deletion guard, or superseded by a newer snapshot)."""
    context = cli_context(ctx)
    payload = file.read_bytes()
    if len(payload) > context.settings.max_feed_bytes:
        raise fail(f"{file} is over the limit of {context.settings.max_feed_bytes} bytes")
    with context.database.unit_of_work() as session:
        found = SourceRepository(session).get_with_establishment(source)
        if found is None:
            raise fail(f"no source {source}")
        feed_format = found.format
    try:
        outcome = ingest_feed(
            context.database,
            source_id=source,
            payload=payload,
            content_type="text/calendar" if feed_format is FeedFormat.ICAL else "application/json",
            protection=context.protection,
            allow_mass_delete=allow_mass_delete,
            limits=FeedLimits.from_settings(context.settings),
        )
    except Problem as problem:  # a disabled source, a busy database
        raise fail(problem.detail) from problem
    _print_outcome(outcome, output)
    if outcome.failed:
        raise typer.Exit(1)
    if outcome.status in (ImportStatus.NEEDS_CONFIRMATION, ImportStatus.SUPERSEDED):
        errors.print(
            "[yellow]not applied: "
            + (
                "it would delete most of the source's sessions; rerun with "
                "--allow-mass-delete if that is meant[/yellow]"
                if outcome.status is ImportStatus.NEEDS_CONFIRMATION
                else f"import {outcome.superseded_by} is newer[/yellow]"
            )
        )
        raise typer.Exit(2)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Who the key is for")],
    scope: Annotated[list[Scope], typer.Option(help="Scope (repeatable)")],
    finess: Annotated[list[str] | None, typer.Option(help="Bind to a FINESS (repeatable)")] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Bind an ars:read key to a region (repeatable)")
    ] = None,
    department: Annotated[
        list[str] | None,
        typer.Option(help="Bind an ars:read key to a department (repeatable)"),
    ] = None,
    all_establishments: Annotated[
        bool,
        typer.Option(
            "--all-establishments",
            help="A feeds:write or activity:read key reaching every establishment",
        ),
    ] = False,
    all_regions: Annotated[
        bool, typer.Option("--all-regions", help="An ars:read key reading every region")
    ] = False,
) -> None:
    """Create an API key; the key is printed once, on the last line, and never stored.

    feeds:write and activity:read keys are bound to establishments (--finess, or
    --all-establishments said explicitly); ars:read keys to regions or departments
    (--region, --department, or --all-regions): aggregates only; admin keys take no
    binding. Anything else is refused (docs/security.md)."""
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            client, generated = create_key(
                session,
                name=name,
                scopes=scope,
                finess=finess or (),
                regions=region or (),
                departments=department or (),
                all_establishments=all_establishments,
                all_regions=all_regions,
            )
        except Problem as problem:
            raise fail(problem.detail) from problem
        client_id = client.id
        binding = binding_of(client)
        audit_key_action(session, "create", client_id)
    errors.print(
        f"key {client_id} created for '{name}', reaching {binding}; store it now, it is not "
        "shown again:"
    )
    print(generated.plaintext)


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """List API keys (never the keys themselves), with what each one reaches."""
    table = Table("id", "name", "prefix", "scopes", "reaches", "created", "revoked")
    with cli_context(ctx).database.unit_of_work() as session:
        for client in ApiClientRepository(session).list_all():
            table.add_row(
                str(client.id),
                client.name,
                client.key_prefix,
                " ".join(client.scopes),
                binding_of(client),
                client.created_at.strftime("%Y-%m-%d %H:%M"),
                client.revoked_at.strftime("%Y-%m-%d %H:%M") if client.revoked_at else "",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, key_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke an API key at once."""
    with cli_context(ctx).database.unit_of_work() as session:
        revoked = revoke_key(session, key_id)
        audit_key_action(session, "revoke", key_id, ok=revoked is not None)
    if revoked is None:
        raise fail(f"no key {key_id}")
    console.print(f"key {key_id} revoked")


@samples_app.command("load")
def samples_load(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
) -> None:
    """Load a sample establishment (idempotent) and print a fresh API key for it."""
    context = cli_context(ctx)
    loaded = load_samples(context, directory)
    for line in loaded.describe():
        console.print(line)
    print(loaded.api_key)


@app.command()
def serve(
    ctx: typer.Context,
    samples: Annotated[
        Path | None, typer.Option(help="Load this sample directory first and print a ready key")
    ] = None,
) -> None:
    """Start agenda-ingest and activity-api (Ctrl-C stops both)."""
    context = cli_context(ctx)
    settings = context.settings
    banner: list[str] = [
        f"agenda-ingest: http://{settings.ingest_host}:{settings.ingest_port}/docs",
        f"activity-api:  http://{settings.api_host}:{settings.api_port}/docs",
        f"web app:       http://{settings.api_host}:{settings.api_port}/ui/",
    ]
    if samples is not None:
        loaded = load_samples(context, samples)
        banner += [*loaded.describe(), "Web app sign-in (demo users of the samples):"]
        banner += [
            f"  {role:<8} {email}  password: {password}"
            for email, role, password in loaded.demo_users
        ]
        banner += [f"API key for the samples: {loaded.api_key}", "Try:"]
        banner.append(
            f"  curl -H 'Authorization: Bearer {loaded.api_key}' "
            f"'http://{settings.api_host}:{settings.api_port}/v1/establishments/"
            f"{loaded.finess}/activity?start={loaded.period_start}&end={loaded.period_end}'"
        )
    service_key = None
    if settings.ingest_service_key is None:
        # The review page reads agenda-ingest's queue through its API: a service key of
        # this run (the previous one revoked).
        service_key = _review_service_key(context)
    context.database.dispose()
    environment = review_environment(settings, service_key)
    sys.exit(serve_both(settings, banner, environment=environment))


def _review_service_key(context: CliContext) -> str:
    with context.database.unit_of_work(write=True) as session:
        clients = ApiClientRepository(session)
        for client in clients.list_all():
            if client.name == REVIEW_KEY_NAME and client.revoked_at is None:
                revoke_key(session, client.id)
        _client, generated = create_key(session, name=REVIEW_KEY_NAME, scopes=(Scope.ADMIN,))
        return generated.plaintext


@imports_app.command("list")
def imports_list(
    ctx: typer.Context,
    status: Annotated[ImportStatus | None, typer.Option(help="Only imports in this status")] = None,
    source: Annotated[int | None, typer.Option(help="Only this source's imports")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The newest imports: to find those left `received` (interrupted) or held."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        found = ImportRepository(session).newest(status=status, source_id=source, limit=limit)
        table = Table(title="imports, newest first")
        for column in ("id", "source", "status", "received at", "received", "deleted", "note"):
            table.add_column(column)
        for feed_import in found:
            note = (
                f"superseded by {feed_import.superseded_by}"
                if feed_import.superseded_by is not None
                else ""
            )
            table.add_row(
                str(feed_import.id),
                str(feed_import.source_id),
                feed_import.status.value,
                feed_import.received_at.isoformat(timespec="seconds"),
                str(feed_import.received_count),
                str(feed_import.deleted_count),
                note,
            )
    console.print(table)


@imports_app.command("replay")
def imports_replay(
    ctx: typer.Context,
    import_id: Annotated[int, typer.Argument()],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Apply a stored import's payload again (after a fix), as a new import; one left
    `received` by a stopped process is applied itself."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        feed_import = ImportRepository(session).get(import_id)
        if feed_import is None:
            raise fail(f"no import {import_id}")
        source = SourceRepository(session).get_with_establishment(feed_import.source_id)
        assert source is not None
        try:
            outcome = replay_import(
                session,
                source=source,
                feed_import=feed_import,
                protection=context.protection,
                limits=FeedLimits.from_settings(context.settings),
            )
        except PayloadUnreadable as error:
            raise fail(f"import {import_id} cannot be opened: {error}") from error
        except Problem as error:  # its payload purged by the retention
            raise fail(error.detail) from error
        record_cli_action(
            session,
            "imports replay",
            scope=AuditScope("establishment", source.establishment.finess),
        )
    _print_outcome(outcome, output)
    if outcome.failed:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
