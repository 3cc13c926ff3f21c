"""``ditep profile``: the counting profile in force, and new versions of it."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from ditep_cli.context import cli_context
from ditep_core.audit.service import record_cli_action
from ditep_counting.rollups.service import ProfileError, active_profile, store_profile_version

profile_app = typer.Typer(
    no_args_is_help=True,
    help="The counting profile: thresholds and windows of the counting rules, versioned.",
)
errors = Console(stderr=True)


@profile_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the profile in force (the documented defaults until a version is stored)."""
    with cli_context(ctx).database.unit_of_work() as session:
        profile = active_profile(session)
    print(json.dumps(profile.to_parameters(), ensure_ascii=False, indent=2))


def _value(text: str) -> Any:
    """JSON when it reads as JSON (numbers, lists, booleans), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@profile_app.command("set")
def set_profile(
    ctx: typer.Context,
    version: Annotated[str, typer.Option(help="Name of the new version, e.g. ars-ara-2026.1")],
    changes: Annotated[
        list[str],
        typer.Argument(
            help='PARAMETER=VALUE, e.g. suppression_threshold=11 night=["20:00","08:00"]'
        ),
    ],
) -> None:
    """Store a new profile version: the one in force with these parameters changed."""
    parsed: dict[str, Any] = {}
    for change in changes:
        name, separator, value = change.partition("=")
        if not separator or not name:
            errors.print(f"[red]error:[/red] {change!r} is not PARAMETER=VALUE")
            raise typer.Exit(2)
        parsed[name.strip()] = _value(value)
    with cli_context(ctx).database.unit_of_work() as session:
        try:
            profile = store_profile_version(session, version, parsed)
        except ProfileError as error:
            errors.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
        record_cli_action(session, "profile set")
    print(json.dumps(profile.to_parameters(), ensure_ascii=False, indent=2))
