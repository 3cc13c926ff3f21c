"""What a push tells a vendor: statuses never agreed are not counted, warnings (naive
times, midnight UTC, an undocumented Bundle type, statuses read by default), and errors a
vendor can act on (line and column of a non-UTF-8 byte, a truncated body)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.db import Database
from ditep_core.models import AgendaSession, FeedImport
from ditep_core.nomenclatures import Scope
from tests.conftest import (
    SAMPLE_FINESS,
    KeyMaker,
    SampleDitep,
    add_sample_source,
)
from tests.http import AppClient

FHIR = {"Content-Type": "application/fhir+json"}
INS = {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1090375123456"}


@pytest.fixture
def fhir_source(database: Database, sample_ditep: SampleDitep) -> int:
    with database.unit_of_work() as session:
        return add_sample_source(session, "Rendez-vous GAP")


def appointment(number: int, status: str, start: str = "2025-03-12T14:00:00+01:00") -> Any:
    return {
        "resourceType": "Appointment",
        "identifier": [{"system": "https://dui.example/rdv", "value": f"RDV-{number}"}],
        "status": status,
        "description": "VAD famille",
        "start": start,
        "minutesDuration": 60,
        "participant": [
            {"actor": {"reference": "Patient/p-42", "identifier": INS}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/pr-7"}, "status": "accepted"},
        ],
    }


def collection(*resources: Any, kind: str = "collection") -> bytes:
    return json.dumps(
        {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in resources]}
    ).encode()


def test_statuses_never_agreed_are_kept_and_not_counted(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    statuses = ["booked", "proposed", "pending", "waitlist", "entered-in-error"]
    # On different days: one session at the same time with the same people would be merged.
    body = collection(
        *(
            appointment(n, status, f"2025-03-{10 + n}T14:00:00+01:00")
            for n, status in enumerate(statuses)
        )
    )
    url = f"/v1/sources/{fhir_source}/feed"
    rehearsal = ingest_client.post(
        url, params={"dry_run": "true"}, content=body, headers={**FHIR, **key}
    )
    assert rehearsal.status_code == 200, rehearsal.text
    by_uid = {item["uid"]: item["status"] for item in rehearsal.json()["sessions"]}
    assert by_uid == {
        "https://dui.example/rdv|RDV-0": "planned",
        **{f"https://dui.example/rdv|RDV-{n}": "cancelled" for n in range(1, 5)},
    }
    (march,) = rehearsal.json()["months"]
    # The booked one alone counts (past and planned: not validated); the others are kept.
    assert march["after"]["quality"]["counted"] == 1
    assert march["after"]["quality"]["cancelled"] == 4
    pushed = ingest_client.post(url, content=body, headers={**FHIR, **key})
    assert pushed.status_code == 201
    session.expire_all()
    stored = dict(session.execute(select(AgendaSession.uid, AgendaSession.status)).all())
    assert {uid: status.value for uid, status in stored.items()} == by_uid


def test_warnings_are_reported_and_change_nothing_stored(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    url = f"/v1/sources/{fhir_source}/feed"
    plain = [
        appointment(1, "booked", "2025-03-12T14:00:00+01:00"),
        appointment(2, "booked", "2025-03-13T13:00:00Z"),
        appointment(3, "booked", "2025-03-14T09:00:00+01:00"),
    ]
    noted = [
        appointment(1, "booked", "2025-03-12T14:00:00"),  # naive: read in Europe/Paris
        appointment(2, "booked", "2025-03-13T13:00:00Z"),
        appointment(3, "arrived-late", "2025-03-14T00:00:00Z"),  # unknown status, midnight Z
    ]
    noted[2]["start"] = "2025-03-14T08:00:00Z"
    noted.append(appointment(4, "booked", "2025-03-15T00:00:00Z"))
    plain.append(appointment(4, "booked", "2025-03-15T00:00:00Z"))
    plain[2]["start"] = "2025-03-14T09:00:00+01:00"
    plain[2]["status"] = "booked"
    first = ingest_client.post(url, content=collection(*plain), headers={**FHIR, **key}).json()
    assert first["created"] == 4
    result = ingest_client.post(
        url, content=collection(*noted, kind="document"), headers={**FHIR, **key}
    ).json()
    messages = [item["message"] for item in result["warnings"]]
    assert any("the Bundle's type is 'document'" in message for message in messages)
    assert any("1 date-times have no offset" in message for message in messages)
    assert any("midnight UTC" in message for message in messages)
    assert any("status 'arrived-late' were read as planned" in message for message in messages)
    assert result["rejected"] == 0
    # The same sessions as the feed without warnings: nothing changed but nothing.
    assert (result["created"], result["updated"], result["deleted"], result["unchanged"]) == (
        0,
        0,
        0,
        4,
    )
    session.expire_all()
    stored = session.get(FeedImport, result["import_id"])
    assert stored is not None
    assert [item["message"] for item in stored.warnings or []] == messages
    record = ingest_client.get(f"/v1/imports/{result['import_id']}", headers=key).json()
    assert record["warnings"] == result["warnings"]


def test_a_body_not_in_utf8_gives_its_line_and_column(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    body = collection(appointment(1, "booked")).replace(b"VAD famille", b"VAD famille\xe9t\xe9")
    text = body.decode("latin-1")
    response = ingest_client.post(
        f"/v1/sources/{fhir_source}/feed", content=b"\n" + body, headers={**FHIR, **key}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    offset = 1 + text.index("\xe9")
    column = offset - 1 + 1  # the second line starts right after the first byte
    assert (error["line"], error["column"]) == (2, column)
    assert f"line 2, column {column} (offset {offset})" in error["message"]
    assert "0xE9" in error["message"]


@pytest.mark.parametrize(
    ("cut", "truncated"),
    [
        (lambda body: body[: len(body) // 2], True),
        (lambda body: body[:-1], True),
        (lambda body: body.split(b'"description"')[0] + b'"description": "VAD', True),
        (lambda body: body.replace(b'"status"', b'"status" "', 1), False),
    ],
)
def test_json_that_ends_early_says_truncated(
    ingest_client: AppClient,
    fhir_source: int,
    make_key: KeyMaker,
    cut: Any,
    truncated: bool,
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    body = cut(collection(appointment(1, "booked")))
    response = ingest_client.post(
        f"/v1/sources/{fhir_source}/feed", content=body, headers={**FHIR, **key}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert ("truncated" in error["message"]) is truncated
    assert error["line"] == 1
    assert error["column"] >= 1


def test_an_ical_feed_not_in_utf8_is_read_with_a_warning_saying_where(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:latin-1@x\r\nDTSTAMP:20250301T000000Z\r\n"
        "DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\n"
        "SUMMARY:Séance orthophonie\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode("latin-1")
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=feed,
        headers={"Content-Type": "text/calendar", **key},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 1
    (warning,) = body["warnings"]
    assert (warning["line"], warning["column"]) == (9, 10)  # the é of "Séance"
    assert "byte 0xE9 at line 9, column 10 (offset" in warning["message"]
