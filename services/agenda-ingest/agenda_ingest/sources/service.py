"""Registering sources and working out their expansion window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from agenda_ingest.parsing.participants import YOUTH_LINK_KEY_OPTION
from agenda_ingest.pull.addresses import NO_EXCEPTIONS, Allowlist, check_pull_url
from agenda_ingest.sources.repository import SourceRepository
from ditep_core.auth.access import establishment_by_id, refuse_area_keys
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.ins import InvalidIns, canonical_ins_uri
from ditep_core.models import Source
from ditep_core.nomenclatures import AgendaKind, FeedFormat, PersonKind, SourceMode
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound


def add_source(
    session: Session,
    *,
    finess: str,
    name: str,
    feed_format: FeedFormat,
    url: str | None = None,
    agenda_kind: AgendaKind = AgendaKind.ESTABLISHMENT,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    youth_identifier: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    youth_uri_prefixes: Sequence[str] = (),
    youth_markers: Sequence[str] = (),
    pull_allowlist: Allowlist = NO_EXCEPTIONS,
) -> Source:
    establishment = EstablishmentRepository(session).get_by_finess(finess)
    if establishment is None:
        raise NotFound(f"no establishment with FINESS {finess}")
    repository = SourceRepository(session)
    if repository.get_by_name(establishment.id, name) is not None:
        raise Conflict(f"establishment {finess} already has a source named '{name}'")
    if url is not None:
        # What can be refused without DNS (see agenda_ingest.pull.addresses).
        check_pull_url(url, pull_allowlist)
    if window_start and window_end and window_start >= window_end:
        raise InvalidRequest("the window must end after it starts")
    options: dict[str, Any] = {}
    if youth_identifier is not None:
        if agenda_kind is not AgendaKind.YOUTH or pseudonymiser is None:
            raise InvalidRequest("a young person's identifier is only for a youth agenda")
        try:
            canonical_ins_uri(youth_identifier)  # an INS is checked as the feeds check it
        except InvalidIns as error:
            raise InvalidRequest(f"the young person's identifier: {error}") from error
        # Only the link key is kept (the clear identifier never reaches the database); each
        # import computes the establishment's pseudonym from it (ditep_core.pseudonyms).
        options[YOUTH_LINK_KEY_OPTION] = pseudonymiser.link_key(PersonKind.YOUTH, youth_identifier)
    # Given values replace the defaults (see agenda_ingest.parsing.participants.ParticipantOptions).
    if youth_uri_prefixes:
        options["youth_uri_prefixes"] = list(youth_uri_prefixes)
    if youth_markers:
        options["youth_markers"] = [marker.upper() for marker in youth_markers]
    return repository.add(
        Source(
            establishment_id=establishment.id,
            name=name,
            format=feed_format,
            mode=SourceMode.PULL if url else SourceMode.PUSH,
            url=url,
            agenda_kind=agenda_kind,
            window_start=window_start,
            window_end=window_end,
            participant_options=options,
        )
    )


def get_writable_source(
    session: Session, principal: Principal, source_id: int, *, what: str | None = None
) -> Source:
    """The source, if this key may reach its establishment (``ditep_core.auth.access``).

    Another establishment's source answers as an unknown one: 404 "no source 3" (or
    "no ``what``" when reached through another id, e.g. "import 12").
    """
    refuse_area_keys(principal)
    source = SourceRepository(session).get_with_establishment(source_id)
    establishment_by_id(
        principal, what or f"source {source_id}", None if source is None else source.establishment
    )
    assert source is not None
    return source


def school_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def expansion_window(source: Source, today: dt.date) -> tuple[dt.date, dt.date]:
    """Where recurring events are expanded: never unbounded, whatever the feed says.

    By default from the start of the previous school year (so late corrections
    to last year still land) to ``horizon_days`` ahead.
    """
    return window_of(source.window_start, source.window_end, source.horizon_days, today)


def window_of(
    window_start: dt.date | None, window_end: dt.date | None, horizon_days: int, today: dt.date
) -> tuple[dt.date, dt.date]:
    """``expansion_window`` from the source's columns (for callers that read only those)."""
    start = window_start or school_year_start(school_year_start(today) - dt.timedelta(1))
    end = window_end or today + dt.timedelta(days=horizon_days)
    return start, end
