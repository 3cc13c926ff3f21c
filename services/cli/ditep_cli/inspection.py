"""What ``ditep ical occurrences`` and ``ditep fhir sessions`` share: reading a feed
file within the limits, the window and zone options, and located messages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable
from ditep_cli.context import CliContext
from ditep_core.days import DAYS_READ, day_in_range

errors = Console(stderr=True, soft_wrap=True)
Parsed = TypeVar("Parsed", covariant=True)

FeedFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
WindowStart = Annotated[str, typer.Option(help="First day of the window, YYYY-MM-DD")]
WindowEnd = Annotated[str, typer.Option(help="Day after the window, YYYY-MM-DD")]


class FeedParser(Protocol[Parsed]):
    """``parse_ical`` or ``parse_fhir``: a feed's bytes read within a window and limits."""

    def __call__(
        self,
        data: bytes,
        *,
        window_start: dt.date,
        window_end: dt.date,
        default_tz: zoneinfo.ZoneInfo,
        limits: FeedLimits,
    ) -> Parsed: ...


@dataclass(frozen=True, slots=True)
class Inspection:
    context: CliContext
    window_start: dt.date
    window_end: dt.date
    zone: zoneinfo.ZoneInfo
    limits: FeedLimits


def inspection(ctx: typer.Context, start: str, end: str, tz: str) -> Inspection:
    window_start, window_end = _day(start, "--start"), _day(end, "--end")
    if window_end < window_start:
        raise fail(f"--end {end} is before --start {start}", code=2)
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as error:
        raise fail(f"--tz: '{tz}' is not an IANA time zone", code=2) from error
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    return Inspection(
        context, window_start, window_end, zone, FeedLimits.from_settings(context.settings)
    )


def read_feed(file: Path, inspected: Inspection, parse: FeedParser[Parsed]) -> Parsed:
    """``parse`` the file's bytes within the inspection's window, zone and limits; an
    unreadable feed is reported on stderr (exit 1)."""
    limit = inspected.context.settings.max_feed_bytes
    if file.stat().st_size > limit:
        raise fail(f"{file} is over the limit of {limit} bytes")
    try:
        return parse(
            file.read_bytes(),
            window_start=inspected.window_start,
            window_end=inspected.window_end,
            default_tz=inspected.zone,
            limits=inspected.limits,
        )
    except FeedUnreadable as unreadable:
        for fault in unreadable.errors:
            errors.print(f"[red]error:[/red] {escape(located(file, fault))}")
        raise typer.Exit(1) from unreadable


def report(file: Path, problems: Iterable[FeedError]) -> None:
    for problem in problems:
        errors.print(f"[yellow]{escape(located(file, problem))}[/yellow]")


def located(file: Path, error: FeedError) -> str:
    """``file:line: message`` (iCal) or ``file: json.path: message`` (FHIR)."""
    if error.path:
        where = f"{file}: {error.path}: "
    elif error.line is not None:
        where = f"{file}:{error.line}: "
    else:
        where = f"{file}: "
    uid = f" (identifier {error.uid})" if error.uid else ""
    return f"{where}{error.message}{uid}"


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def _day(value: str, option: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)", code=2) from error
    if not day_in_range(day):
        raise fail(f"{option}: {value} is out of range: days are {DAYS_READ}", code=2)
    return day
