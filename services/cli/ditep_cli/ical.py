"""``ditep ical``: an iCalendar file as the ingestion reads it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agenda_ingest.parsing.ical.occurrences_json import occurrence_json
from agenda_ingest.parsing.ical.parser import parse_ical
from ditep_cli.inspection import inspection, read_feed, report

ical_app = typer.Typer(
    no_args_is_help=True, help="iCalendar feeds, read as the ingestion reads them."
)


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
    inspected = inspection(ctx, start, end, tz)
    parsed = read_feed(
        file,
        inspected,
        lambda data, at: parse_ical(
            data,
            window_start=at.window_start,
            window_end=at.window_end,
            default_tz=at.zone,
            limits=at.limits,
        ),
    )
    sys.stdout.writelines(
        json.dumps(occurrence_json(occurrence), ensure_ascii=False) + "\n"
        for occurrence in parsed.occurrences
    )
    report(file, parsed.rejected)
