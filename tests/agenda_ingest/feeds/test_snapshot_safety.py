"""What a snapshot may delete: nothing outside its window, nothing whose event was
rejected, nothing at all when a rejected event has no identity, and no mass deletion
without a confirmation. Older snapshots (by receipt or by the feed's own stamp) never
overwrite newer ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ditep_core.db import Database
from ditep_core.models import AgendaSession, FeedImport, Source
from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep, sample_feed
from tests.http import AppClient

ICAL = {"Content-Type": "text/calendar"}
SAMPLE_SESSIONS = 65
UNBOUNDED = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//broken//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:runaway@vendor.example\r\nDTSTAMP:20250401T000000Z\r\n"
    b"DTSTART:20250301T000000Z\r\nDTEND:20250301T000001Z\r\nRRULE:FREQ=SECONDLY\r\n"
    b"SUMMARY:runaway\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _sample_pushed(
    client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> tuple[dict[str, str], int]:
    """The sample feed pushed to the establishment source: the write key and the source."""
    key = make_key(Scope.FEEDS_WRITE)
    source_id = sample_ditep.establishment_source_id
    _push(client, source_id, sample_feed(), key)
    return key, source_id


def _push(
    client: AppClient,
    source_id: int,
    body: bytes,
    key: dict[str, str],
    status: int = 201,
    query: str = "",
) -> dict[str, Any]:
    response = client.post(
        f"/v1/sources/{source_id}/feed{query}", content=body, headers={**ICAL, **key}
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _count(session: Session, source_id: int) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(AgendaSession)
            .where(AgendaSession.source_id == source_id)
        )
        or 0
    )


def _without_events(feed: bytes, *uids: str) -> bytes:
    """The feed without the VEVENTs of these UIDs."""
    events = re.compile(r"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n", re.DOTALL)
    return events.sub(
        lambda event: "" if any(f"UID:{uid}" in event.group(0) for uid in uids) else event.group(0),
        feed.decode(),
    ).encode()


def _with_stamp(feed: bytes, stamp: str) -> bytes:
    return feed.replace(b"DTSTAMP:20250331T180000Z", f"DTSTAMP:{stamp}".encode())


def test_a_broken_export_does_not_wipe_the_agenda(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    # Its only event is rejected (an unbounded FREQ=SECONDLY): applied, it would delete all.
    held = _push(ingest_client, source_id, UNBOUNDED, key, status=202)
    assert held["status"] == "needs_confirmation"
    assert held["rejected"] == 1
    assert held["deleted"] == SAMPLE_SESSIONS
    assert len(held["pending_deletions"]) == SAMPLE_SESSIONS
    assert held["window"] == {"start": "2024-09-01", "end": "2025-09-01"}
    assert _count(session, source_id) == SAMPLE_SESSIONS
    record = ingest_client.get(f"/v1/imports/{held['import_id']}", headers=key).json()
    assert record["status"] == "needs_confirmation"
    assert record["deleted"] == SAMPLE_SESSIONS


def test_mass_deletion_needs_a_confirmation_or_the_explicit_flag(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    uids = [
        "cedres-2025-lucas-semi-internat@ditep-cedres.example",
        "cedres-2025-lucas-internat@ditep-cedres.example",
        "cedres-2025-jade-semi-internat@ditep-cedres.example",
        "cedres-2025-jade-taxi@ditep-cedres.example",
        "cedres-2025-noah-vad@ditep-cedres.example",
        "cedres-2025-ines-internat@ditep-cedres.example",
        "cedres-2025-noah-sessad-classe@ditep-cedres.example",
        "cedres-2025-lucas-sessad-classe@ditep-cedres.example",
        "cedres-2025-jade-ulis@ditep-cedres.example",
    ]
    smaller = _without_events(sample_feed(), *uids)
    held = _push(ingest_client, source_id, smaller, key, status=202)
    assert held["deleted"] > SAMPLE_SESSIONS / 2
    assert _count(session, source_id) == SAMPLE_SESSIONS
    applied = _push(ingest_client, source_id, smaller, key, query="?allow_mass_delete=true")
    assert applied["status"] == "processed"
    assert applied["deleted"] == held["deleted"]
    assert _count(session, source_id) == SAMPLE_SESSIONS - held["deleted"]
    # The held import was received before the one applied: it can no longer be confirmed.
    late = ingest_client.post(f"/v1/imports/{held['import_id']}/confirm", headers=key)
    assert late.status_code == 409, late.text
    assert late.json()["import_status"] == "superseded"


def test_a_small_deletion_needs_no_confirmation(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    result = _push(
        ingest_client,
        source_id,
        _without_events(sample_feed(), "cedres-2025-reunion-equipe@ditep-cedres.example"),
        key,
    )
    assert result["deleted"] >= 1
    assert _count(session, source_id) == SAMPLE_SESSIONS - result["deleted"]


def test_the_guard_share_is_a_source_setting(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    session: Session,
    database: Database,
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    with database.unit_of_work() as unit:
        unit.execute(update(Source).where(Source.id == source_id).values(mass_delete_share=0.01))
    # One session of 65 is more than 1 %: held.
    _push(
        ingest_client,
        source_id,
        _without_events(sample_feed(), "cedres-2025-reunion-equipe@ditep-cedres.example"),
        key,
        status=202,
    )


def test_a_rejected_event_keeps_its_stored_sessions(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    broken = sample_feed().replace(
        b"DTSTART;TZID=Europe/Paris:20250303T090000", b"DTSTART;TZID=Europe/Paris:2025-03-03"
    )
    result = _push(ingest_client, source_id, broken, key)
    # Two timetables start at that time: both are rejected, with their UIDs.
    assert {error["uid"] for error in result["errors"]} == {
        "cedres-2025-lucas-semi-internat@ditep-cedres.example",
        "cedres-2025-jade-semi-internat@ditep-cedres.example",
    }
    assert result["rejected"] == 2
    assert result["deleted"] == 0
    assert result["kept"] == SAMPLE_SESSIONS - result["received"] > 0
    assert _count(session, source_id) == SAMPLE_SESSIONS


def test_a_rejected_event_without_identity_withholds_every_deletion(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    # The team meeting lost its UID: it cannot be told from any stored session.
    anonymous = sample_feed().replace(
        b"UID:cedres-2025-reunion-equipe@ditep-cedres.example\r\n", b""
    )
    assert anonymous != sample_feed()
    result = _push(ingest_client, source_id, anonymous, key)
    assert result["rejected"] == 1
    assert result["deletions_withheld"] is True
    assert result["deleted"] == 0
    record = ingest_client.get(f"/v1/imports/{result['import_id']}", headers=key).json()
    assert any("no session was deleted" in error["message"] for error in record["errors"])
    assert _count(session, source_id) == SAMPLE_SESSIONS


def test_sessions_outside_the_window_are_never_deleted(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    session: Session,
    database: Database,
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    # The window moves on (a new school year): last year's sessions are not in the feed's
    # window any more, and must stay.
    with database.unit_of_work() as unit:
        unit.execute(
            update(Source)
            .where(Source.id == source_id)
            .values(window_start=dt.date(2025, 3, 17), window_end=dt.date(2025, 9, 1))
        )
    result = _push(ingest_client, source_id, sample_feed(), key)
    assert result["window"] == {"start": "2025-03-17", "end": "2025-09-01"}
    assert result["deleted"] == 0
    assert result["received"] < SAMPLE_SESSIONS
    assert _count(session, source_id) == SAMPLE_SESSIONS


def test_an_older_feed_stamp_never_overwrites_a_newer_snapshot(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    source_id = sample_ditep.establishment_source_id
    newer = _push(ingest_client, source_id, _with_stamp(sample_feed(), "20250402T080000Z"), key)
    # Received after it, but exported before it (a queue retried late): not applied.
    older_export = _without_events(
        _with_stamp(sample_feed(), "20250401T080000Z"),
        "cedres-2025-reunion-equipe@ditep-cedres.example",
    )
    problem = _push(ingest_client, source_id, older_export, key, status=409)
    assert problem["type"] == "/problems/snapshot-superseded"
    assert problem["newer_import_id"] == newer["import_id"]
    assert _count(session, source_id) == SAMPLE_SESSIONS
    stored = session.get(FeedImport, problem["import_id"])
    assert stored is not None
    assert (stored.status.value, stored.superseded_by) == ("superseded", newer["import_id"])


def test_a_feed_wholly_outside_the_window_says_so_and_deletes_nothing(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key, source_id = _sample_pushed(ingest_client, sample_ditep, make_key)
    # The same agenda two years later: every event lies after the window.
    later = sample_feed().replace(b":2025", b":2027").replace(b"=2025", b"=2027")
    held = _push(ingest_client, source_id, later, key, status=202)
    assert held["received"] == 0
    assert held["outside_window"] == 15  # 15 UIDs (two with a moved occurrence)
    assert held["window"] == {"start": "2024-09-01", "end": "2025-09-01"}
    messages = [error["message"] for error in held["errors"]]
    assert any("outside the source's window [2024-09-01, 2025-09-01)" in text for text in messages)
    assert _count(session, source_id) == SAMPLE_SESSIONS
