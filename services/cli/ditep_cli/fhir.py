"""``ditep fhir``: a FHIR file's sessions as the ingestion reads them."""

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

from agenda_ingest.drafts import DraftContext
from agenda_ingest.feeds.service import build_drafts
from agenda_ingest.fhir.parser import parse_fhir
from agenda_ingest.fhir.sessions_json import session_json, sort_sessions
from agenda_ingest.normalised import FeedError, FeedUnreadable
from agenda_ingest.participants import ParticipantOptions
from ditep_cli.context import CliContext
from ditep_core.nomenclatures import AgendaKind

fhir_app = typer.Typer(no_args_is_help=True, help="FHIR feeds, read as the ingestion reads them.")
errors = Console(stderr=True, soft_wrap=True)


@fhir_app.command("sessions")
def sessions(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    start: Annotated[str, typer.Option(help="First day of the window, YYYY-MM-DD")] = "2000-01-01",
    end: Annotated[str, typer.Option(help="Day after the window, YYYY-MM-DD")] = "2031-01-01",
    tz: Annotated[str, typer.Option(help="IANA zone of times without offset")] = "Europe/Paris",
) -> None:
    """Print each session in [start, end) as one JSON object per line, sorted by (uid, start).

    Keys: uid, start, end (UTC YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD all day),
    all_day, recurrence_id (null: FHIR has no recurrence), status (planned,
    done, cancelled, absent), youth and professionals (how many were
    recognised), codes (system|code). Resources that cannot be used are listed
    on stderr with their JSON path; pathway periods (stays) are counted there.
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
        parsed = parse_fhir(
            file.read_bytes(), window_start=window_start, window_end=window_end, default_tz=zone
        )
    except FeedUnreadable as unreadable:
        for fault in unreadable.errors:
            errors.print(f"[red]error:[/red] {escape(_located(file, fault))}")
        raise typer.Exit(1) from unreadable
    # The drafts the ingestion would store: participants recognised, status derived.
    draft_context = DraftContext(
        timezone=zone,
        agenda_kind=AgendaKind.ESTABLISHMENT,
        options=ParticipantOptions(),
        pseudonymiser=context.protection.pseudonymiser,
    )
    built, duplicates = build_drafts(parsed.occurrences, draft_context, paths=parsed.paths)
    rows = sort_sessions([session_json(occurrence, draft) for occurrence, draft in built])
    sys.stdout.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    for problem in [*parsed.rejected, *duplicates]:
        errors.print(f"[yellow]{escape(_located(file, problem))}[/yellow]")
    if parsed.pathway_periods:
        errors.print(f"{file}: {len(parsed.pathway_periods)} stay(s) read as pathway periods")


def _located(file: Path, error: FeedError) -> str:
    if error.path:
        where = f"{file}: {error.path}: "
    elif error.line is not None:
        where = f"{file}:{error.line}: "
    else:
        where = f"{file}: "
    uid = f" (identifier {error.uid})" if error.uid else ""
    return f"{where}{error.message}{uid}"


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)", code=2) from error


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
