"""``ditep ical``: an iCalendar file as the ingestion reads it."""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from agenda_ingest.ical.occurrences_json import occurrence_json
from agenda_ingest.ical.parser import parse_ical
from agenda_ingest.normalised import FeedError, FeedUnreadable
from ditep_cli.context import CliContext

ical_app = typer.Typer(
    no_args_is_help=True, help="iCalendar feeds, read as the ingestion reads them."
)
errors = Console(stderr=True, soft_wrap=True)


@ical_app.command("occurrences")
def occurrences(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    start: Annotated[str, typer.Option(help="First day of the window, YYYY-MM-DD")] = "2000-01-01",
    end: Annotated[str, typer.Option(help="Day after the window, YYYY-MM-DD")] = "2031-01-01",
    tz: Annotated[str, typer.Option(help="IANA zone of floating times")] = "Europe/Paris",
) -> None:
    """Print each occurrence in [start, end) as one JSON object per line, sorted by (uid, start).

    Keys: uid, start, end (UTC YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD all day),
    all_day, recurrence_id (the original start of an occurrence of a recurring
    event, null otherwise). Events that cannot be used are listed on stderr.
    """
    window_start, window_end = _day(start, "--start"), _day(end, "--end")
    if window_end < window_start:
        raise _fail(f"--end {end} is before --start {start}", code=2)
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as error:
        raise _fail(f"--tz: '{tz}' is not an IANA time zone", code=2) from error
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    limit = context.settings.max_feed_bytes
    if file.stat().st_size > limit:
        raise _fail(f"{file} is over the limit of {limit} bytes")
    try:
        parsed = parse_ical(
            file.read_bytes(), window_start=window_start, window_end=window_end, default_tz=zone
        )
    except FeedUnreadable as unreadable:
        for fault in unreadable.errors:
            errors.print(f"[red]error:[/red] {escape(_located(file, fault))}")
        raise typer.Exit(1) from unreadable
    sys.stdout.writelines(
        json.dumps(occurrence_json(occurrence), ensure_ascii=False) + "\n"
        for occurrence in parsed.occurrences
    )
    for rejected in parsed.rejected:
        errors.print(f"[yellow]{escape(_located(file, rejected))}[/yellow]")


def _located(file: Path, error: FeedError) -> str:
    where = f"{file}:{error.line}: " if error.line is not None else f"{file}: "
    uid = f" (UID {error.uid})" if error.uid else ""
    return f"{where}{error.message}{uid}"


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)", code=2) from error


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
