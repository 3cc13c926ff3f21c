"""``ditep fhir``: a FHIR file's sessions as the ingestion reads them."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from agenda_ingest.feeds.service import build_drafts
from agenda_ingest.parsing.drafts import DraftContext
from agenda_ingest.parsing.fhir.parser import parse_fhir
from agenda_ingest.parsing.fhir.sessions_json import session_json, sort_sessions
from agenda_ingest.parsing.participants import ParticipantOptions
from ditep_cli.inspection import (
    FeedFile,
    WindowEnd,
    WindowStart,
    errors,
    inspection,
    read_feed,
    report,
)
from ditep_core.nomenclatures import AgendaKind

fhir_app = typer.Typer(no_args_is_help=True, help="FHIR feeds, read as the ingestion reads them.")


@fhir_app.command("sessions")
def sessions(
    ctx: typer.Context,
    file: FeedFile,
    start: WindowStart = "2000-01-01",
    end: WindowEnd = "2031-01-01",
    tz: Annotated[str, typer.Option(help="IANA zone of times without offset")] = "Europe/Paris",
) -> None:
    """Print each session in [start, end) as one JSON object per line, sorted by (uid, start).

    Keys: uid, start, end (UTC YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD all day),
    all_day, recurrence_id (null: FHIR has no recurrence), status (planned,
    done, cancelled, absent), youth and professionals (how many were
    recognised), codes (system|code). Resources that cannot be used are listed
    on stderr with their JSON path; pathway periods (stays) are counted there.
    """
    inspected = inspection(ctx, start, end, tz)
    parsed = read_feed(file, inspected, parse_fhir)
    # The drafts the ingestion would store: participants recognised, status derived.
    draft_context = DraftContext(
        timezone=inspected.zone,
        agenda_kind=AgendaKind.ESTABLISHMENT,
        options=ParticipantOptions(),
        # Only counts of people are printed, never a pseudonym: no establishment is needed.
        pseudonymiser=inspected.context.protection.pseudonymiser.for_establishment("inspection"),
    )
    built, duplicates = build_drafts(parsed.occurrences, draft_context, paths=parsed.paths)
    rows = sort_sessions([session_json(occurrence, draft) for occurrence, draft in built])
    sys.stdout.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    report(file, [*parsed.rejected, *duplicates])
    if parsed.pathway_periods:
        errors.print(f"{file}: {len(parsed.pathway_periods)} stay(s) read as pathway periods")
