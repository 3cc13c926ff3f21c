"""Establishments with known weekly activity, written straight into the schema.

Each young person gets one ``done`` direct session per modality listed, on a given
day; the activity endpoint then counts them (the tests compare with it, never with
the numbers put in).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from agenda_ingest.sources.service import add_source
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.establishments.service import add_establishment
from ditep_core.models import Person, Source
from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    PersonKind,
)
from ditep_counting.rollups.service import invalidate_after_write
from tests.sessions import add_youth_session


def seed_establishment(
    session: Session,
    *,
    finess: str,
    region_code: str,
    youth_by_modality: Mapping[Activity, int],
    day: dt.date = dt.date(2025, 3, 11),
    capacities: Mapping[Activity, int] | None = None,
) -> list[str]:
    """The establishment, and young people with sessions; returns their pseudonyms."""
    add_establishment(
        session,
        finess=finess,
        name=f"DITEP {finess}",
        region_code=region_code,
        capacities=capacities,
    )
    add_source(
        session,
        finess=finess,
        name="export",
        feed_format=FeedFormat.ICAL,
        agenda_kind=AgendaKind.ESTABLISHMENT,
    )
    return add_youth(session, finess=finess, youth_by_modality=youth_by_modality, day=day)


def add_youth(
    session: Session,
    *,
    finess: str,
    youth_by_modality: Mapping[Activity, int],
    day: dt.date,
) -> list[str]:
    """More young people with one session each on ``day``, in the establishment's first
    source; their weeks are marked out of date as an import would."""
    establishment = EstablishmentRepository(session).get_by_finess(finess)
    assert establishment is not None
    source = session.scalars(
        select(Source).where(Source.establishment_id == establishment.id).order_by(Source.id)
    ).first()
    assert source is not None
    pseudonyms: list[str] = []
    start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    for modality, count in youth_by_modality.items():
        for index in range(count):
            pseudonym = secrets.token_hex(16)
            pseudonyms.append(pseudonym)
            person = Person(
                establishment_id=establishment.id,
                kind=PersonKind.YOUTH,
                pseudonym=pseudonym,
                link_key=secrets.token_hex(16),
            )
            session.add(person)
            session.flush()
            add_youth_session(
                session,
                establishment_id=establishment.id,
                source_id=source.id,
                person_id=person.id,
                start=start,
                hours=2,
                activity=modality,
                uid=f"{modality.value}-{index}-{pseudonym}@test",
                summary=f"séance de {pseudonym}",
            )
    session.flush()
    # As every writer of sessions: their weeks are marked out of date and the refresh task
    # deferred (the tests run it once this unit of work commits, before any read).
    invalidate_after_write(session, establishment, [start])
    return pseudonyms
