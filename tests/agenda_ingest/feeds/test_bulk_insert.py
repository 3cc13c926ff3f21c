"""Sessions written in bulk (PostgreSQL: COPY; SQLite: executemany) read back as drafted.

Text with the characters COPY's text format escapes (tab, newline, backslash),
accents, JSON lists, all-day events and datetimes must come back from
the ORM exactly as the draft had them, on both backends.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from agenda_ingest.feeds.service import ingest_payload
from agenda_ingest.sources.repository import SourceRepository
from ditep_core.db import Database
from ditep_core.models import AgendaSession, Person, SessionParticipant
from ditep_core.nomenclatures import PersonKind, Presence, SessionStatus
from ditep_core.protection import DataProtection
from tests.conftest import SampleDitep

FEED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n"
    "BEGIN:VEVENT\r\nUID:tricky@test\r\nDTSTAMP:20250101T000000Z\r\n"
    "DTSTART:20250310T090000Z\r\nDTEND:20250310T103000Z\r\n"
    "SUMMARY:Séance orthophonie\\, atelier \\\\ A\\nsuite\ttab\r\n"
    "LOCATION:Salle «\\; 2»\r\n"
    'CATEGORIES:SOIN,L\'"ÉTÉ"\r\n'
    "ORGANIZER;X-DUI-FONCTION=orthophoniste:mailto:ortho@test.example\r\n"
    "ATTENDEE;PARTSTAT=DECLINED:urn:ins:1234567890123\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:allday@test\r\nDTSTAMP:20250101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20250311\r\nDTEND;VALUE=DATE:20250312\r\n"
    "SUMMARY:Réunion d'équipe\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()


def test_bulk_written_sessions_read_back_as_drafted(
    database: Database, sample_ditep: SampleDitep, protection: DataProtection
) -> None:
    with database.unit_of_work() as session:
        source = SourceRepository(session).get_with_establishment(
            sample_ditep.establishment_source_id
        )
        assert source is not None
        outcome = ingest_payload(
            session,
            source=source,
            payload=FEED,
            content_type="text/calendar",
            protection=protection,
        )
        assert (outcome.created, outcome.rejected) == (2, 0)
    with database.unit_of_work() as session:
        tricky, all_day = (
            session.scalars(select(AgendaSession).where(AgendaSession.uid == uid)).one()
            for uid in ("tricky@test", "allday@test")
        )
        assert tricky.summary == "Séance orthophonie, atelier \\ A\nsuite\ttab"
        assert tricky.location == "Salle «; 2»"
        assert tricky.categories == ["SOIN", 'L\'"ÉTÉ"']
        assert tricky.codes == []
        assert (tricky.start_at, tricky.end_at) == (
            dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC),
            dt.datetime(2025, 3, 10, 10, 30, tzinfo=dt.UTC),
        )
        assert tricky.all_day is False
        assert tricky.status is SessionStatus.ABSENT
        assert tricky.recurrence_id == ""
        assert all_day.all_day is True
        assert all_day.start_at == dt.datetime(2025, 3, 10, 23, tzinfo=dt.UTC)  # Paris midnight
        links = session.execute(
            select(Person.kind, SessionParticipant.kind, SessionParticipant.presence)
            .join(Person, Person.id == SessionParticipant.person_id)
            .where(SessionParticipant.session_id == tricky.id)
            .order_by(Person.kind)
        ).all()
        assert links == [
            (PersonKind.PROFESSIONAL, PersonKind.PROFESSIONAL, Presence.PRESENT),
            (PersonKind.YOUTH, PersonKind.YOUTH, Presence.ABSENT),
        ]
        assert (
            session.scalars(
                select(SessionParticipant).where(SessionParticipant.session_id == all_day.id)
            ).all()
            == []
        )
