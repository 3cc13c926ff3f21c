"""One classified session of one young person, written straight into the tables: for the
tests that need sessions in the database without pushing a feed."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session

from ditep_core.models import AgendaSession, SessionParticipant
from ditep_core.nomenclatures import (
    Activity,
    Nature,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
)


def add_youth_session(
    session: Session,
    *,
    establishment_id: int,
    source_id: int,
    person_id: int,
    start: dt.datetime,
    hours: int = 1,
    activity: Activity = Activity.AMBULATOIRE,
    uid: str | None = None,
    summary: str = "",
) -> AgendaSession:
    """A done session (``activity``, on site, direct) with the young person present."""
    row = AgendaSession(
        establishment_id=establishment_id,
        source_id=source_id,
        uid=uid or f"{secrets.token_hex(6)}@test",
        recurrence_id="",
        start_at=start,
        end_at=start + dt.timedelta(hours=hours),
        status=SessionStatus.DONE,
        summary=summary,
        activity=activity,
        setting=Setting.SITE,
        nature=Nature.DIRECT,
        rule_id="test",
        rule_set_version="test-1",
        content_hash=secrets.token_hex(8),
    )
    session.add(row)
    session.flush()
    session.add(
        SessionParticipant(
            session_id=row.id,
            person_id=person_id,
            kind=PersonKind.YOUTH,
            presence=Presence.PRESENT,
            session_start_at=start,
        )
    )
    return row
