"""``ditep ical``: an iCalendar file as the ingestion reads it."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from agenda_ingest.parsing.ical.occurrences_json import occurrence_json
from agenda_ingest.parsing.ical.parser import parse_ical
from ditep_cli.inspection import FeedFile, WindowEnd, WindowStart, inspection, read_feed, report

ical_app = typer.Typer(
    no_args_is_help=True, help="iCalendar feeds, read as the ingestion reads them."
)


@ical_app.command("occurrences")
def occurrences(
    ctx: typer.Context,
    file: FeedFile,
    start: WindowStart = "2000-01-01",
    end: WindowEnd = "2031-01-01",
    tz: Annotated[str, typer.Option(help="IANA zone of floating times")] = "Europe/Paris",
) -> None:
    """Print each occurrence in [start, end) as one JSON object per line, sorted by (uid, start).

    Keys: uid, start, end (UTC YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD all day),
    all_day, recurrence_id (the original start of an occurrence of a recurring
    event, null otherwise). Events that cannot be used are listed on stderr.
    """
    inspected = inspection(ctx, start, end, tz)
    parsed = read_feed(file, inspected, parse_ical)
    sys.stdout.writelines(
        json.dumps(occurrence_json(occurrence), ensure_ascii=False) + "\n"
        for occurrence in parsed.occurrences
    )
    report(file, parsed.rejected)
