"""Registering sources and working out their expansion window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from agenda_ingest.parsing.participants import YOUTH_LINK_KEY_OPTION
from agenda_ingest.pull.addresses import NO_EXCEPTIONS, Allowlist, check_pull_url
from agenda_ingest.sources.repository import SourceRepository, SourceSessionRepository
from agenda_ingest.sources.schemas import (
    LastImport,
    ParticipantRules,
    SessionFound,
    SessionsFound,
    SourceOut,
    SourceUpdate,
    SourceWindow,
)
from ditep_core.auth.access import (
    Level,
    establishment_by_finess,
    establishment_by_id,
    refuse_area_keys,
)
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.ins import InvalidIns, canonical_ins_uri
from ditep_core.models import Source
from ditep_core.nomenclatures import AgendaKind, FeedFormat, PersonKind, Presence, SourceMode
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound, SourceDisabled


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


def check_enabled(source: Source) -> None:
    """A disabled source takes no feed (409 ``source-disabled``)."""
    if source.disabled_at is not None:
        raise SourceDisabled(
            f"source {source.id} was disabled on {source.disabled_at:%Y-%m-%d}: it takes no "
            "feed until an admin enables it again",
            extensions={"source_id": source.id},
        )


def readable_source(
    session: Session, principal: Principal, source_id: int, level: Level = Level.FIGURES
) -> Source:
    """The source, if this key may read it at ``level`` (another establishment's: 404)."""
    refuse_area_keys(principal)
    source = SourceRepository(session).get_with_establishment(source_id)
    establishment_by_id(
        principal, f"source {source_id}", None if source is None else source.establishment, level
    )
    assert source is not None
    return source


def source_view(session: Session, source: Source, today: dt.date, *, show_url: bool) -> SourceOut:
    """A source's settings as ``GET /v1/sources/{id}`` shows them (``show_url``: admin)."""
    start, end = expansion_window(source, today)
    options = source.participant_options or {}
    last = SourceRepository(session).last_import(source.id)
    return SourceOut(
        id=source.id,
        finess=source.establishment.finess,
        name=source.name,
        format=source.format,
        mode=source.mode,
        agenda_kind=source.agenda_kind,
        enabled=source.disabled_at is None,
        disabled_at=source.disabled_at,
        window=SourceWindow(
            start=start,
            end=end,
            fixed_start=source.window_start,
            fixed_end=source.window_end,
            horizon_days=source.horizon_days,
        ),
        count_validated_only=source.count_validated_only,
        mass_delete_share=source.mass_delete_share,
        participant_rules=ParticipantRules(
            youth_uri_prefixes=_strings(options.get("youth_uri_prefixes")),
            youth_markers=_strings(options.get("youth_markers")),
            youth_agenda=isinstance(options.get(YOUTH_LINK_KEY_OPTION), str),
        ),
        pull_url=source.url if show_url else None,
        last_import=None
        if last is None
        else LastImport(import_id=last.id, status=last.status, received_at=last.received_at),
        created_at=source.created_at,
    )


def _strings(value: object) -> list[str] | None:
    return [str(item) for item in value] if isinstance(value, list) else None


def list_sources(session: Session, principal: Principal, finess: str | None) -> Sequence[Source]:
    """The sources this key may reach, of one establishment when ``finess`` is given."""
    refuse_area_keys(principal)
    if finess is not None:
        establishment_by_finess(
            principal, finess, EstablishmentRepository(session).get_by_finess(finess)
        )
        return SourceRepository(session).list_reachable(frozenset({finess}))
    return SourceRepository(session).list_reachable(principal.finess or None)


def update_source(
    session: Session, source: Source, changes: SourceUpdate, now: dt.datetime
) -> list[str]:
    """Apply ``changes`` (the fields sent) to ``source``; the names of those that changed.

    The window is checked as it will apply (a fixed start after the end, or an end before
    today's default start, is refused); the next feed uses the new settings.
    """
    sent = changes.model_fields_set
    before = _settings_of(source)
    if "name" in sent and changes.name is not None and changes.name != source.name:
        other = SourceRepository(session).get_by_name(source.establishment_id, changes.name)
        if other is not None:
            raise Conflict(f"the establishment already has a source named '{changes.name}'")
        source.name = changes.name
    if "format" in sent and changes.format is not None:
        source.format = changes.format
    if "window_start" in sent:
        source.window_start = changes.window_start
    if "window_end" in sent:
        source.window_end = changes.window_end
    if "horizon_days" in sent and changes.horizon_days is not None:
        source.horizon_days = changes.horizon_days
    start, end = expansion_window(source, now.date())
    if start >= end:
        raise InvalidRequest(
            f"the window must end after it starts (it would be [{start}, {end}))",
            errors=[{"location": "body.window_end", "message": "not after the window's start"}],
        )
    if "count_validated_only" in sent and changes.count_validated_only is not None:
        source.count_validated_only = changes.count_validated_only
    if "mass_delete_share" in sent and changes.mass_delete_share is not None:
        source.mass_delete_share = changes.mass_delete_share
    options = dict(source.participant_options or {})
    for key in ("youth_uri_prefixes", "youth_markers"):
        if key in sent:
            values = getattr(changes, key)
            if values:
                options[key] = (
                    [value.upper() for value in values] if key == "youth_markers" else list(values)
                )
            else:
                # null or []: back to the defaults (ParticipantOptions).
                options.pop(key, None)
    # A new dict: the JSON column sees the change.
    source.participant_options = options
    if "enabled" in sent and changes.enabled is not None:
        if not changes.enabled and source.disabled_at is None:
            source.disabled_at = now
        elif changes.enabled:
            source.disabled_at = None
    session.flush()
    after = _settings_of(source)
    return [name for name in after if after[name] != before[name]]


def _settings_of(source: Source) -> dict[str, object]:
    options = source.participant_options or {}
    return {
        "name": source.name,
        "format": source.format,
        "window_start": source.window_start,
        "window_end": source.window_end,
        "horizon_days": source.horizon_days,
        "count_validated_only": source.count_validated_only,
        "mass_delete_share": source.mass_delete_share,
        "youth_uri_prefixes": options.get("youth_uri_prefixes"),
        "youth_markers": options.get("youth_markers"),
        "enabled": source.disabled_at is None,
    }


def find_sessions(
    session: Session,
    source: Source,
    *,
    uid: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    limit: int,
    offset: int,
    show_titles: bool,
) -> SessionsFound:
    """The stored sessions of a source matching a UID and a time span, paged."""
    repository = SourceSessionRepository(session)
    total, rows = repository.find(
        source.id, uid=uid, start=start, end=end, limit=limit, offset=offset
    )
    presence = repository.youth_presence([row.id for row in rows])
    return SessionsFound(
        total=total,
        limit=limit,
        offset=offset,
        sessions=[
            SessionFound(
                session_id=row.id,
                uid=row.uid,
                recurrence_id=row.recurrence_id,
                start=row.start_at,
                end=row.end_at,
                all_day=row.all_day,
                title=row.summary if show_titles else None,
                status=row.status,
                activity=row.activity,
                setting=row.setting,
                nature=row.nature,
                rule_id=row.rule_id,
                import_id=row.import_id,
                youth=len(presence[row.id]),
                youth_absent=sum(1 for value in presence[row.id] if value is Presence.ABSENT),
                explanation=f"/v1/sessions/{row.id}/classification",
            )
            for row in rows
        ],
    )
