"""A push rehearsed (``POST /v1/sources/{id}/feed?dry_run=true``): the push's own checks,
parser, window and rules, the months' figures before and after, and nothing written."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agenda_ingest.sources.service import add_source
from ditep_core.db import Database
from ditep_core.models import Base
from ditep_core.nomenclatures import FeedFormat, Scope
from tests.conftest import REPO_ROOT, KeyMaker, SampleDitep, sample_feed
from tests.http import AppClient

ICAL = {"Content-Type": "text/calendar"}
GONE_UID = "cedres-2025-lucas-ess@ditep-cedres.example"
RENAMED_UID = "cedres-2025-noah-psychomotricite@ditep-cedres.example"


def row_counts(session: Session) -> dict[str, int]:
    """Rows of every table but the audit log (which records the calls themselves)."""
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
        if table.name != "audit_event"
    }


def edited_feed() -> bytes:
    """The sample export without its ESS event, and its psychomotricity renamed."""
    text = sample_feed().decode()
    text = re.sub(
        r"BEGIN:VEVENT\r?\nUID:" + re.escape(GONE_UID) + r".*?END:VEVENT\r?\n",
        "",
        text,
        flags=re.DOTALL,
    )
    text = text.replace("SUMMARY:Psychomotricité", "SUMMARY:Psychomotricité en groupe")
    return text.encode()


def test_dry_run_says_what_the_push_would_do_and_writes_nothing(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    first = ingest_client.post(url, content=sample_feed(), headers={**ICAL, **key})
    assert first.status_code == 201, first.text
    before = row_counts(session)

    response = ingest_client.post(
        url, params={"dry_run": "true"}, content=edited_feed(), headers={**ICAL, **key}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert row_counts(session) == before  # no import, session, person, stay nor rollup
    assert body["dry_run"] is True
    assert body["status"] == "processed"
    # One ESS session gone, four psychomotricity sessions renamed, the rest as stored.
    assert (body["created"], body["updated"], body["deleted"]) == (0, 4, 1)
    assert body["unchanged"] == 65 - 1 - 4
    assert [item["uid"] for item in body["deleted_sessions"]] == [GONE_UID]
    assert body["window"] == {"start": "2024-09-01", "end": "2025-09-01"}
    sessions = body["sessions"]
    assert len(sessions) == body["received"] == 64
    renamed = [item for item in sessions if item["uid"] == RENAMED_UID]
    assert {item["change"] for item in renamed} == {"updated"}
    assert all(item["title"] == "Psychomotricité en groupe" for item in renamed)
    for item in sessions:
        assert item["rule"]
        assert item["activity"]
        assert item["setting"]
        assert item["nature"]
        assert item["status"] in ("planned", "done", "cancelled", "absent")
    # The ESS (coordination for Lucas, March 2025) goes: March's figures change.
    months = {item["month"]: item for item in body["months"]}
    assert "2025-03" in months
    march = months["2025-03"]
    assert march["before"]["period"]["code"] == "2025-03"
    assert march["before"] != march["after"]
    assert (
        march["after"]["hours"]["indirect"] < march["before"]["hours"]["indirect"]
        or march["after"]["quality"] != march["before"]["quality"]
    )

    # The push itself then does what the dry run said.
    pushed = ingest_client.post(url, content=edited_feed(), headers={**ICAL, **key})
    assert pushed.status_code == 201
    done = pushed.json()
    assert (done["created"], done["updated"], done["deleted"], done["unchanged"]) == (
        body["created"],
        body["updated"],
        body["deleted"],
        body["unchanged"],
    )


def test_dry_run_figures_after_are_the_figures_of_the_push(
    ingest_client: AppClient,
    api_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    key = make_key(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    rehearsal = ingest_client.post(
        url, params={"dry_run": "true"}, content=sample_feed(), headers={**ICAL, **key}
    )
    assert rehearsal.status_code == 200, rehearsal.text
    march = {item["month"]: item for item in rehearsal.json()["months"]}["2025-03"]
    assert march["before"]["file_active"]["total"] == 0
    assert ingest_client.post(url, content=sample_feed(), headers={**ICAL, **key}).status_code == (
        201
    )
    counted = api_client.get(
        f"/v1/establishments/{sample_ditep.finess}/activity",
        params={"period": "2025-03"},
        headers=key,
    )
    assert counted.status_code == 200, counted.text
    actual = counted.json()
    # The same body as the activity route's, field by field (the route adds who and when).
    assert march["after"] == {name: actual[name] for name in march["after"]}


def test_dry_run_of_a_held_snapshot_lists_what_it_would_delete(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    assert ingest_client.post(url, content=sample_feed(), headers={**ICAL, **key}).status_code == (
        201
    )
    text = sample_feed().decode()
    head, _, _ = text.partition("BEGIN:VEVENT")
    nearly_empty = (
        head + "BEGIN:VEVENT\r\nUID:only@x\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\nSUMMARY:VAD\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    before = row_counts(session)
    response = ingest_client.post(
        url, params={"dry_run": "true"}, content=nearly_empty, headers={**ICAL, **key}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "needs_confirmation"
    assert body["deleted"] == 65
    assert len(body["deleted_sessions"]) == 65
    assert body["months"] == []
    assert row_counts(session) == before


def test_dry_run_refuses_what_a_push_refuses(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    other = make_key(Scope.FEEDS_WRITE, finess=("130000000",))
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    before = row_counts(session)
    wrong_type = ingest_client.post(
        url,
        params={"dry_run": "true"},
        content=b"{}",
        headers={"Content-Type": "application/json", **key},
    )
    assert wrong_type.status_code == 415
    unreadable = ingest_client.post(
        url, params={"dry_run": "true"}, content=b"not a calendar", headers={**ICAL, **key}
    )
    assert unreadable.status_code == 422
    assert unreadable.json()["errors"]
    assert "import_id" not in unreadable.json()
    assert (
        ingest_client.post(
            url, params={"dry_run": "true"}, content=sample_feed(), headers={**ICAL, **other}
        ).status_code
        == 404
    )
    assert row_counts(session) == before


def test_figures_after_match_the_activity_route_with_stays_and_absences(
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    """The vendor guide's export (stays, a pre-admission, an absence Slot, a session held
    without the young person), over a month that already holds the iCal sample: the dry
    run's figures after (computed in memory) are the activity route's once pushed."""
    key = make_key(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    ical = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    assert ingest_client.post(ical, content=sample_feed(), headers={**ICAL, **key}).status_code == (
        201
    )
    with database.unit_of_work() as session:
        source_id = add_source(
            session,
            finess=sample_ditep.finess,
            name="Export TDDUI",
            feed_format=FeedFormat.FHIR,
            window_start=dt.date(2024, 9, 1),
        ).id
    url = f"/v1/sources/{source_id}/feed"
    export = (REPO_ROOT / "samples" / "vendor" / "tddui-export.json").read_bytes()
    fhir = {"Content-Type": "application/fhir+json", **key}
    rehearsal = ingest_client.post(url, params={"dry_run": "true"}, content=export, headers=fhir)
    assert rehearsal.status_code == 200, rehearsal.text
    march = {item["month"]: item for item in rehearsal.json()["months"]}["2025-03"]
    assert march["before"]["file_active"]["total"] > 0  # the iCal sample's young people
    assert ingest_client.post(url, content=export, headers=fhir).status_code == 201
    actual = api_client.get(
        f"/v1/establishments/{sample_ditep.finess}/activity",
        params={"period": "2025-03"},
        headers=key,
    ).json()
    assert march["after"] == {name: actual[name] for name in march["after"]}
    assert march["after"]["file_active"]["by_status"]["pre_admission"] == 1
