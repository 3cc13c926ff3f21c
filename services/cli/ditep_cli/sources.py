"""``ditep source show|list|update|disable``: a source's settings, as ``GET`` and ``PATCH
/v1/sources/{id}`` show and change them (``ditep source add`` registers one)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agenda_ingest.sources.schemas import SourceOut, SourceUpdate
from agenda_ingest.sources.service import list_sources, readable_source, source_view, update_source
from ditep_cli.context import CLI_PRINCIPAL, cli_context, fail, optional_day
from ditep_cli.formats import TableFormat
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.models import utc_now
from ditep_core.nomenclatures import FeedFormat
from ditep_core.web.problems import Problem

console = Console()

SourceId = Annotated[int, typer.Argument(help="The source's id", min=1)]
Output = Annotated[TableFormat, typer.Option("--format", help="table or json")]


def _print(sources: list[SourceOut], output: TableFormat) -> None:
    if output is TableFormat.JSON:
        print("[" + ",\n".join(source.model_dump_json(indent=2) for source in sources) + "]")
        return
    if output is TableFormat.CSV:
        raise fail("--format csv is not offered here: table or json")
    if len(sources) == 1:
        _print_one(sources[0])
        return
    table = Table(title="sources")
    for column in ("id", "finess", "name", "format", "enabled", "window"):
        table.add_column(column)
    for source in sources:
        table.add_row(
            str(source.id),
            source.finess,
            source.name,
            f"{source.format.value} {source.mode.value}",
            "yes" if source.enabled else "no",
            f"{source.window.start} – {source.window.end}",
        )
    console.print(table)


def _print_one(source: SourceOut) -> None:
    window = source.window
    rules = source.participant_rules
    table = Table(title=f"source {source.id}", show_header=False)
    table.add_column("setting")
    table.add_column("value")
    for setting, value in (
        ("establishment", source.finess),
        ("name", source.name),
        ("format", f"{source.format.value} ({source.mode.value}, {source.agenda_kind.value})"),
        (
            "enabled",
            "yes" if source.disabled_at is None else f"no, since {source.disabled_at:%Y-%m-%d}",
        ),
        ("window applied today", f"{window.start} – {window.end} (end excluded)"),
        ("window start", str(window.fixed_start or "default (previous school year)")),
        ("window end", str(window.fixed_end or f"default (today + {window.horizon_days} days)")),
        ("counts validated only", "yes" if source.count_validated_only else "no"),
        ("mass-deletion share", str(source.mass_delete_share)),
        ("youth URI prefixes", ", ".join(rules.youth_uri_prefixes or ["default (INS)"])),
        ("youth markers", ", ".join(rules.youth_markers or ["default (USAGER, JEUNE)"])),
        ("pull URL", source.pull_url or "-"),
        (
            "last import",
            "-"
            if source.last_import is None
            else f"{source.last_import.import_id} ({source.last_import.status.value}, "
            f"{source.last_import.received_at:%Y-%m-%d %H:%M} UTC)",
        ),
    ):
        table.add_row(setting, value)
    console.print(table)


def source_show(
    ctx: typer.Context, source_id: SourceId, output: Output = TableFormat.TABLE
) -> None:
    """A source's settings: its window (applied today and as fixed), format, participant
    rules, whether it counts validated sessions only, its last import."""
    context = cli_context(ctx)
    with context.database.unit_of_work() as session:
        try:
            source = readable_source(session, CLI_PRINCIPAL, source_id)
        except Problem as problem:
            raise fail(problem.detail) from problem
        shown = source_view(session, source, utc_now().date(), show_url=True)
    _print([shown], output)


def source_list(
    ctx: typer.Context,
    finess: Annotated[str | None, typer.Option(help="Only this establishment's sources")] = None,
    output: Output = TableFormat.TABLE,
) -> None:
    """Every source, or an establishment's."""
    context = cli_context(ctx)
    today = utc_now().date()
    with context.database.unit_of_work() as session:
        try:
            found = list_sources(session, CLI_PRINCIPAL, finess)
        except Problem as problem:
            raise fail(problem.detail) from problem
        shown = [source_view(session, source, today, show_url=True) for source in found]
    _print(shown, output)


def source_update(
    ctx: typer.Context,
    source_id: SourceId,
    window_start: Annotated[
        str | None, typer.Option(help="Fix the window's start (YYYY-MM-DD)")
    ] = None,
    window_end: Annotated[
        str | None, typer.Option(help="Fix the window's end, excluded (YYYY-MM-DD)")
    ] = None,
    default_window_start: Annotated[
        bool, typer.Option(help="Back to the default start (previous school year)")
    ] = False,
    default_window_end: Annotated[
        bool, typer.Option(help="Back to the default end (today + horizon days)")
    ] = False,
    horizon_days: Annotated[
        int | None, typer.Option(help="Days ahead when the end is not fixed", min=1, max=3660)
    ] = None,
    feed_format: Annotated[
        FeedFormat | None, typer.Option("--format", help="The feed format (as source add)")
    ] = None,
    count_validated_only: Annotated[
        bool | None,
        typer.Option(
            "--count-validated-only/--count-past-planned",
            help="Count done sessions only, or past planned ones too (the default)",
        ),
    ] = None,
    mass_delete_share: Annotated[
        float | None, typer.Option(help="Share a snapshot may delete unconfirmed", min=0.01, max=1)
    ] = None,
    youth_uri_prefix: Annotated[
        list[str] | None, typer.Option(help="URI prefix marking a young person (repeatable)")
    ] = None,
    youth_marker: Annotated[
        list[str] | None, typer.Option(help="Vendor parameter value marking a young person")
    ] = None,
    default_participant_rules: Annotated[
        bool, typer.Option(help="Back to the default prefixes and markers")
    ] = False,
    name: Annotated[str | None, typer.Option(help="A new name")] = None,
    enable: Annotated[bool, typer.Option(help="Enable a disabled source")] = False,
    output: Annotated[TableFormat, typer.Option("--output", help="table or json")] = (
        TableFormat.TABLE
    ),
) -> None:
    """Change a source's settings (what is not given is unchanged); audited."""
    fields: dict[str, object] = {}
    if window_start is not None or default_window_start:
        fields["window_start"] = optional_day(window_start, "--window-start")
    if window_end is not None or default_window_end:
        fields["window_end"] = optional_day(window_end, "--window-end")
    optional = {
        "horizon_days": horizon_days,
        "format": feed_format,
        "count_validated_only": count_validated_only,
        "mass_delete_share": mass_delete_share,
        "name": name,
        "youth_uri_prefixes": youth_uri_prefix or None,
        "youth_markers": youth_marker or None,
    }
    fields.update({key: value for key, value in optional.items() if value is not None})
    if default_participant_rules:
        fields.update(youth_uri_prefixes=None, youth_markers=None)
    if enable:
        fields["enabled"] = True
    _update(ctx, source_id, fields, "source update", output)


def source_disable(ctx: typer.Context, source_id: SourceId) -> None:
    """Disable a source: its pushes are refused (409) and it is not pulled; its sessions
    stay and still count. ``ditep source update ID --enable`` enables it again."""
    _update(ctx, source_id, {"enabled": False}, "source disable", None)


def _update(
    ctx: typer.Context,
    source_id: int,
    fields: dict[str, object],
    action: str,
    output: TableFormat | None,
) -> None:
    context = cli_context(ctx)
    try:
        changes = SourceUpdate.model_validate(fields)
    except ValueError as error:
        raise fail(str(error)) from error
    now = utc_now()
    with context.database.unit_of_work() as session:
        try:
            source = readable_source(session, CLI_PRINCIPAL, source_id)
            changed = update_source(session, source, changes, now)
        except Problem as problem:
            raise fail(problem.detail) from problem
        record_cli_action(session, action, scope=AuditScope("source", str(source_id)))
        shown = source_view(session, source, now.date(), show_url=True)
    console.print(
        f"source {source_id}: "
        + (f"changed {', '.join(changed)}" if changed else "nothing changed")
    )
    if output is not None:
        _print([shown], output)
