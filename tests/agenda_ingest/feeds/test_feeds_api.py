"""Pushing iCalendar feeds to agenda-ingest: counts, idempotency, snapshots, errors."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ditep_core.models import AgendaSession, FeedImport
from ditep_core.nomenclatures import Scope
from ditep_core.protection import DataProtection
from tests.conftest import TEST_SECRET, KeyMaker, SampleDitep, sample_feed
from tests.http import AppClient

ICAL = {"Content-Type": "text/calendar; charset=utf-8"}


def _push(
    client: AppClient, source_id: int, body: bytes, headers: dict[str, str]
) -> dict[str, object]:
    response = client.post(
        f"/v1/sources/{source_id}/feed", content=body, headers={**ICAL, **headers}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_push_creates_sessions_and_reports_counts(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=sample_feed(),
        headers={**ICAL, **key},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    # 65 occurrences in the sample's window: the weekly series, the moved VAD,
    # the cancelled atelier (kept, as cancelled) and the single events.
    assert body["status"] == "processed"
    assert (body["received"], body["created"], body["updated"], body["deleted"]) == (65, 65, 0, 0)
    assert body["rejected"] == 0
    assert response.headers["location"] == f"/v1/imports/{body['import_id']}"
    stored = session.scalar(
        select(func.count()).where(AgendaSession.source_id == sample_ditep.establishment_source_id)
    )
    assert stored == 65


def test_same_feed_twice_changes_nothing(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    source_id = sample_ditep.establishment_source_id
    _push(ingest_client, source_id, sample_feed(), key)
    before = session.execute(
        select(AgendaSession.id, AgendaSession.content_hash, AgendaSession.updated_at).order_by(
            AgendaSession.id
        )
    ).all()
    again = _push(ingest_client, source_id, sample_feed(), key)
    assert (again["created"], again["updated"], again["deleted"], again["unchanged"]) == (
        0,
        0,
        0,
        65,
    )
    session.expire_all()
    after = session.execute(
        select(AgendaSession.id, AgendaSession.content_hash, AgendaSession.updated_at).order_by(
            AgendaSession.id
        )
    ).all()
    assert before == after


def test_event_absent_from_next_push_is_deleted(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    source_id = sample_ditep.establishment_source_id
    _push(ingest_client, source_id, sample_feed(), key)
    feed = sample_feed().decode("utf-8")
    # Drop the weekly team meeting (4 occurrences in the window).
    meeting = re.compile(
        r"BEGIN:VEVENT\r\n(?:(?!END:VEVENT).)*?Réunion d'équipe.*?END:VEVENT\r\n", re.S
    )
    without_meeting, removed = meeting.subn("", feed)
    assert removed == 1
    result = _push(ingest_client, source_id, without_meeting.encode(), key)
    assert (result["created"], result["updated"], result["deleted"]) == (0, 0, 4)
    remaining = session.scalar(
        select(func.count()).where(
            AgendaSession.source_id == source_id, AgendaSession.summary.like("Réunion%")
        )
    )
    assert remaining == 0


def test_changed_event_is_updated(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    source_id = sample_ditep.establishment_source_id
    _push(ingest_client, source_id, sample_feed(), key)
    changed = sample_feed().replace(
        b"SUMMARY:Psychomotricit", b"SUMMARY:S\xc3\xa9ance psychomotricit"
    )
    result = _push(ingest_client, source_id, changed, key)
    assert (result["created"], result["updated"], result["deleted"]) == (0, 4, 0)


def test_broken_event_is_rejected_with_its_line_and_the_rest_kept(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    feed = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:ok-1\r\nDTSTAMP:20250301T000000Z\r\n"
        b"DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\n"
        b"SUMMARY:VAD famille\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:broken-1\r\nDTSTAMP:20250301T000000Z\r\nSUMMARY:no start\r\n"
        b"END:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    result = _push(
        ingest_client, sample_ditep.establishment_source_id, feed, make_key(Scope.FEEDS_WRITE)
    )
    assert (result["created"], result["rejected"]) == (1, 1)
    assert result["errors"] == [
        {"message": "missing DTSTART", "line": 11, "path": None, "uid": "broken-1"}
    ]


def test_unreadable_feed_is_a_422_problem_and_its_payload_is_kept(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    session: Session,
    protection: DataProtection,
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    payload = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n"
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=payload,
        headers={**ICAL, **key},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/feed-rejected"
    assert problem["errors"][0]["line"] == 4
    assert "END:VCALENDAR" in problem["errors"][0]["message"]
    feed_import = session.get(FeedImport, problem["import_id"])
    assert feed_import is not None
    assert feed_import.status == "failed"
    assert protection.vault.open(feed_import.payload_sealed) == payload
    record = ingest_client.get(f"/v1/imports/{problem['import_id']}", headers=key)
    assert record.status_code == 200
    assert record.json()["errors"][0]["line"] == 4


def test_payload_is_not_readable_with_another_secret(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    import pytest

    from ditep_core.payloads import PayloadUnreadable

    result = _push(
        ingest_client, sample_ditep.establishment_source_id, sample_feed(), make_key(Scope.ADMIN)
    )
    feed_import = session.get(FeedImport, result["import_id"])
    assert feed_import is not None
    assert b"BEGIN:VCALENDAR" not in feed_import.payload_sealed
    assert DataProtection.from_secret(TEST_SECRET).vault.open(feed_import.payload_sealed)
    with pytest.raises(PayloadUnreadable):
        DataProtection.from_secret("another-secret").vault.open(feed_import.payload_sealed)


def test_wrong_media_type_is_415(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=b"{}",
        headers={"Content-Type": "application/json", **make_key(Scope.FEEDS_WRITE)},
    )
    assert response.status_code == 415
    assert response.json()["type"] == "/problems/unsupported-media-type"


def test_body_over_the_limit_is_413(
    settings: object, database: object, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    from agenda_ingest.main import create_app
    from tests.conftest import make_settings
    from tests.http import app_client

    assert hasattr(settings, "database_url")
    small = make_settings(settings.database_url, max_feed_bytes=1000)
    app = create_app(small, database=database)  # type: ignore[arg-type]
    with app_client(app) as client:
        response = client.post(
            f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
            content=sample_feed(),
            headers={**ICAL, **make_key(Scope.FEEDS_WRITE)},
        )
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


def test_unknown_source_is_404_problem(ingest_client: AppClient, make_key: KeyMaker) -> None:
    response = ingest_client.post(
        "/v1/sources/999999/feed", content=sample_feed(), headers={**ICAL, **make_key(Scope.ADMIN)}
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
