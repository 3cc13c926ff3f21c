"""The audit log (one middleware for every route) and key rotation."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from ditep_cli.main import app as cli_app
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.audit.audited import asgi_get, audit_events, audited_key
from tests.conftest import KeyMaker, SampleDitep, TemporaryDatabase
from tests.http import AppClient


def test_reads_are_recorded_with_key_route_scope_and_status(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    outsider_id, outsider = audited_key(database, Scope.ACTIVITY_READ, finess=("750000010",))
    params = {"start": "2025-03-01", "end": "2025-04-01"}
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    assert api_client.get(url, params=params, headers=reader).status_code == 200
    assert api_client.get(url, params=params, headers=outsider).status_code == 403
    assert api_client.get(url, params=params).status_code == 401
    assert api_client.get("/healthz").status_code == 200
    events = audit_events(database)
    assert [(e.client_id, e.status) for e in events] == [
        (reader_id, 200),
        (outsider_id, 403),
        (None, 401),
    ]
    for event in events:
        assert event.service == "activity-api"
        assert event.method == "GET"
        assert event.route == "/v1/establishments/{finess}/activity"
        assert event.path == url
        assert (event.scope_kind, event.scope_code) == ("establishment", sample_ditep.finess)
        assert event.request_id
        assert event.query == "start=2025-03-01&end=2025-04-01"
    # The unauthenticated call is a summary row of its address and minute.
    assert [(e.request_count, e.summary_minute is not None) for e in events] == [
        (1, False),
        (1, False),
        (1, True),
    ]


def test_admins_query_the_log_as_json_and_csv_and_others_cannot(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database, make_key: KeyMaker
) -> None:
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    admin_id, admin = audited_key(database, Scope.ADMIN)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    api_client.get(url, params={"start": "2025-03-01", "end": "2025-04-01"}, headers=reader)
    assert api_client.get("/v1/audit", headers=reader).status_code == 403
    body = api_client.get("/v1/audit", params={"key": reader_id}, headers=admin).json()
    # The reader's own attempt at the audit log is in it too (a 403).
    assert [(e["route"], e["status"]) for e in body] == [
        ("/v1/establishments/{finess}/activity", 200),
        ("/v1/audit", 403),
    ]
    only_route = api_client.get(
        "/v1/audit", params={"route": "/v1/audit", "format": "csv"}, headers=admin
    )
    assert only_route.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(only_route.text)))
    assert [(row["client_id"], row["status"]) for row in rows] == [
        (str(reader_id), "403"),
        (str(admin_id), "200"),
    ]
    future = api_client.get(
        "/v1/audit", params={"from": "2100-01-01T00:00:00Z"}, headers=admin
    ).json()
    assert future == []
    naive = api_client.get("/v1/audit", params={"from": "2025-01-01T00:00:00"}, headers=admin)
    assert naive.status_code == 422


def test_keys_are_listed_rotated_and_revoked_by_admins(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    _admin_id, admin = audited_key(database, Scope.ADMIN)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    params = {"start": "2025-03-01", "end": "2025-04-01"}
    listed = api_client.get("/v1/keys", headers=admin).json()
    assert {key["id"] for key in listed} >= {reader_id}
    assert all("hash" not in name for key in listed for name in key)
    rotated = api_client.post(f"/v1/keys/{reader_id}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    new_key = {"Authorization": f"Bearer {rotated.json()['plaintext']}"}
    assert rotated.json()["key"]["finess"] == [sample_ditep.finess]
    assert rotated.json()["key"]["binding"] == f"FINESS {sample_ditep.finess}"
    assert api_client.get(url, params=params, headers=reader).status_code == 401
    assert api_client.get(url, params=params, headers=new_key).status_code == 200
    assert api_client.post(f"/v1/keys/{reader_id}/revoke", headers=admin).status_code == 200
    assert api_client.get(url, params=params, headers=new_key).status_code == 401
    assert api_client.post(f"/v1/keys/{reader_id}/rotate", headers=admin).status_code == 404
    assert api_client.post(f"/v1/keys/{reader_id}/rotate", headers=new_key).status_code == 401
    events = audit_events(database)
    admin_actions = [e for e in events if e.method == "POST" and e.client_id is not None]
    assert [(e.route, e.scope_code, e.status) for e in admin_actions] == [
        ("/v1/keys/{key_id}/rotate", str(reader_id), 200),
        ("/v1/keys/{key_id}/revoke", str(reader_id), 200),
        ("/v1/keys/{key_id}/rotate", str(reader_id), 404),
    ]
    # The calls with the rotated-out or revoked key (two reads, one rotation) are counted
    # in the summary row of the address and minute (or two, on a minute's boundary).
    unknown = [e for e in events if e.client_id is None]
    assert sum(e.request_count for e in unknown) == 3
    assert all(e.summary_minute is not None and e.status == 401 for e in unknown)


def test_agenda_ingest_admin_actions_and_feed_pushes_are_recorded(
    ingest_client: AppClient, sample_ditep: SampleDitep, database: Database, make_key: KeyMaker
) -> None:
    admin_id, admin = audited_key(database, Scope.ADMIN)
    writer = make_key(Scope.FEEDS_WRITE)
    pushed = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        headers={"Content-Type": "text/calendar", **writer},
    )
    assert pushed.status_code == 201, pushed.text
    pulled = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/pull", headers=admin
    )
    assert pulled.status_code == 422  # the source is pushed: it has no URL
    events = audit_events(database)
    writer_id = events[0].client_id
    assert writer_id is not None
    assert writer_id != admin_id
    assert [(e.service, e.client_id, e.route, e.scope_kind, e.status) for e in events] == [
        ("agenda-ingest", writer_id, "/v1/sources/{source_id}/feed", "source", 201),
        ("agenda-ingest", admin_id, "/v1/sources/{source_id}/pull", "source", 422),
    ]


def test_cli_rotates_keys_and_records_admin_actions(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["migrate"]).exit_code == 0
    created = runner.invoke(
        cli_app, ["keys", "create", "--name", "ars", "--scope", "ars:read", "--all-regions"]
    )
    assert created.exit_code == 0, created.output
    old_key = created.stdout.strip().splitlines()[-1]
    rotated = runner.invoke(cli_app, ["keys", "rotate", "1"])
    assert rotated.exit_code == 0, rotated.output
    new_key = rotated.stdout.strip().splitlines()[-1]
    assert new_key.startswith("ditep_")
    assert new_key != old_key
    assert runner.invoke(cli_app, ["keys", "rotate", "42"]).exit_code == 1
    assert runner.invoke(cli_app, ["keys", "revoke", "1"]).exit_code == 0
    database = Database.from_url(fresh_database.url, pool_size=1, max_overflow=0)
    try:
        events = audit_events(database)
    finally:
        database.dispose()
    # Refused actions are recorded too (status 1).
    assert [(e.service, e.route, e.scope_code, e.status) for e in events] == [
        ("cli", "keys create", "1", 0),
        ("cli", "keys rotate", "1", 0),
        ("cli", "keys rotate", "42", 1),
        ("cli", "keys revoke", "1", 0),
    ]


def test_a_failing_audit_write_refuses_the_answer_with_a_503_problem(
    api_client: AppClient,
    sample_ditep: SampleDitep,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ditep_core.audit import service

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    params = {"start": "2025-03-01", "end": "2025-04-01"}
    _reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    answered = api_client.get(url, params=params, headers=reader)
    assert answered.status_code == 200
    monkeypatch.setattr(service, "record", broken)

    response = api_client.get(url, params=params, headers=reader)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/audit-unavailable"
    assert problem["status"] == 503
    assert problem["instance"] == url
    assert problem["correlation_id"] == response.headers["x-correlation-id"]
    # Nothing of the held answer leaves: only the problem's members, none of its headers.
    assert problem["request_id"] == response.headers["x-request-id"]
    assert set(problem) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "correlation_id",
        "request_id",
    }
    assert set(problem).isdisjoint(set(answered.json()) - {"status"})
    assert int(response.headers["content-length"]) == len(response.content)
    assert len(audit_events(database)) == 1  # the first, answered, read only
    # Calls that are not audited are answered as before.
    assert api_client.get("/healthz").status_code == 200


def test_the_audit_event_is_written_before_the_response_starts(
    api_app: FastAPI, sample_ditep: SampleDitep, database: Database
) -> None:
    """The ASGI server's ``send`` reads the audit table when the response starts."""
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    path = f"/v1/establishments/{sample_ditep.finess}/activity"
    messages, at_start = asgi_get(
        api_app, path, "start=2025-03-01&end=2025-04-01", reader, database
    )

    assert messages[0]["status"] == 200
    assert [[(e.client_id, e.path, e.status) for e in events] for events in at_start] == [
        [(reader_id, path, 200)]
    ]


def test_cli_admin_actions_on_establishments_and_sources_are_recorded(
    fresh_database: TemporaryDatabase, cli_runner: CliRunner
) -> None:
    assert cli_runner.invoke(cli_app, ["migrate"]).exit_code == 0
    steps = [
        ["establishment", "add", "--finess", "690000017", "--name", "DITEP", "--region", "84"],
        ["source", "add", "--finess", "690000017", "--format", "ical", "--name", "Export"],
        ["pull", "configure", "1", "--url", "https://dui.example/export.ics"],
        ["reclassify", "--finess", "690000017"],
        ["profile", "set", "--version", "audit-test", "suppression_threshold=7"],
    ]
    for step in steps:
        result = cli_runner.invoke(cli_app, step)
        assert result.exit_code == 0, (step, result.output)
    database = Database.from_url(fresh_database.url, pool_size=1, max_overflow=0)
    try:
        events = audit_events(database)
    finally:
        database.dispose()
    assert [(e.route, e.scope_kind, e.scope_code) for e in events] == [
        ("establishment add", "establishment", "690000017"),
        ("source add", "establishment", "690000017"),
        ("pull configure", "source", "1"),
        ("reclassify", "establishment", "690000017"),
        ("profile set", None, None),
    ]
