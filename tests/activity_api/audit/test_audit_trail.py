"""Issue 14: the audit trail records every write and every refusal, with what was read.

Refused pushes, freezes, complexity flags, manual classifications and pulls are
recorded with their key; the query string is stored (secrets redacted); our request
id is fresh per request whatever the caller's correlation id; unauthenticated calls
are one summary row per address and minute; long paths and queries are cut.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ditep_cli.main import app as cli_app
from ditep_core.audit.service import (
    MAX_QUERY,
    AuditRecord,
    AuditScope,
    record,
    record_in_own_transaction,
    redact_query,
)
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.audit.audited import audit_events, audited_key
from tests.conftest import SampleDitep, TemporaryDatabase, sample_feed
from tests.http import AppClient

ICAL = {"Content-Type": "text/calendar"}
FIXED_NOW = dt.datetime(2026, 3, 2, 10, 15, 42, tzinfo=dt.UTC)


def test_refused_feed_pushes_are_recorded(
    ingest_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    url = f"/v1/sources/{sample_ditep.establishment_source_id}/feed"
    assert ingest_client.post(url, content=sample_feed(), headers=ICAL).status_code == 401
    forbidden = ingest_client.post(url, content=sample_feed(), headers={**ICAL, **reader})
    assert forbidden.status_code == 403
    unauthenticated, refused = audit_events(database)
    assert (unauthenticated.client_id, unauthenticated.status) == (None, 401)
    assert (unauthenticated.method, unauthenticated.route) == (
        "POST",
        "/v1/sources/{source_id}/feed",
    )
    assert unauthenticated.summary_minute is not None
    assert unauthenticated.request_count == 1
    assert unauthenticated.source_address == "127.0.0.1"
    assert (refused.client_id, refused.status, refused.method) == (reader_id, 403, "POST")
    assert (refused.route, refused.path) == ("/v1/sources/{source_id}/feed", url)
    assert (refused.scope_kind, refused.scope_code) == (
        "source",
        str(sample_ditep.establishment_source_id),
    )
    assert refused.request_id == forbidden.headers["x-request-id"]
    assert refused.summary_minute is None


def test_writes_are_recorded_with_their_key(
    api_client: AppClient,
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    database: Database,
) -> None:
    finess = sample_ditep.finess
    writer_id, writer = audited_key(database, Scope.FEEDS_WRITE, finess=(finess,))
    admin_id, admin = audited_key(database, Scope.ADMIN)
    freeze = api_client.post(f"/v1/establishments/{finess}/periods/2025-Q1/freeze", headers=writer)
    assert freeze.status_code == 201, freeze.text
    flags = api_client.request(
        "PUT",
        f"/v1/establishments/{finess}/complexity-flags",
        json=[{"youth_id": "Y-1", "start": "2025-01-06", "criteria": ["a"]}],
        headers=writer,
    )
    assert flags.status_code == 200, flags.text
    manual = ingest_client.post(
        f"/v1/establishments/{finess}/review/0123456789abcdef/classification",
        json={"activity": "transport", "setting": "inconnu", "nature": "direct"},
        headers=writer,
    )
    pull = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/pull", headers=admin
    )
    writes = [(e.service, e.client_id, e.method, e.route, e.status) for e in audit_events(database)]
    assert writes == [
        (
            "activity-api",
            writer_id,
            "POST",
            "/v1/establishments/{finess}/periods/{period}/freeze",
            201,
        ),
        ("activity-api", writer_id, "PUT", "/v1/establishments/{finess}/complexity-flags", 200),
        (
            "agenda-ingest",
            writer_id,
            "POST",
            "/v1/establishments/{finess}/review/{group}/classification",
            manual.status_code,
        ),
        ("agenda-ingest", admin_id, "POST", "/v1/sources/{source_id}/pull", pull.status_code),
    ]


def test_the_query_string_is_stored_with_secrets_redacted(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    _reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    assert api_client.get(url, params={"period": "2025-Q1"}, headers=reader).status_code == 200
    api_client.get(
        url,
        params={"period": "2025-Q2", "token": "s3cret", "api-key": "x", "other": "ditep_abc"},
        headers=reader,
    )
    api_client.get(url + "?period=2025-Q3&ditep_abc.def&Token=t", headers=reader)
    first, second, third = audit_events(database)
    assert third.query == "period=2025-Q3&(redacted)&Token=(redacted)"
    assert first.query == "period=2025-Q1"
    assert second.query == ("period=2025-Q2&token=(redacted)&api-key=(redacted)&other=(redacted)")
    assert "s3cret" not in (second.query or "")


def test_each_request_gets_its_own_request_id_beside_the_callers_correlation_id(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    _reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    answers = [
        api_client.get(
            url,
            params={"period": "2025-Q1"},
            headers={**reader, "X-Correlation-ID": "batch-42"},
        )
        for _ in range(2)
    ]
    bad = api_client.get(
        url, params={"period": "2025-Q1"}, headers={**reader, "X-Correlation-ID": "x" * 65}
    )
    events = audit_events(database)
    assert [e.correlation_id for e in events] == ["batch-42", "batch-42", None]
    request_ids = [e.request_id for e in events]
    assert len(set(request_ids)) == 3
    assert request_ids == [answer.headers["x-request-id"] for answer in [*answers, bad]]
    assert all(answer.headers["x-correlation-id"] == "batch-42" for answer in answers)
    # A caller's id that is too long (or has other characters) is not kept.
    assert bad.headers["x-correlation-id"] == bad.headers["x-request-id"]


def test_unauthenticated_calls_are_one_summary_row_per_address_and_minute(
    api_client: AppClient,
    sample_ditep: SampleDitep,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ditep_core.web.audit.utc_now", lambda: FIXED_NOW)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    for index in range(100):
        headers = {"Authorization": "Bearer ditep_unknown.key"} if index % 2 else {}
        assert api_client.get(url, params={"period": "2025-Q1"}, headers=headers).status_code == 401
    [summary] = audit_events(database)
    assert summary.request_count == 100
    assert summary.client_id is None
    assert summary.source_address == "127.0.0.1"
    assert summary.summary_minute == FIXED_NOW.replace(second=0)
    assert (summary.route, summary.status, summary.query) == (
        "/v1/establishments/{finess}/activity",
        401,
        "period=2025-Q1",
    )
    # The next minute starts a new row.
    monkeypatch.setattr("ditep_core.web.audit.utc_now", lambda: FIXED_NOW + dt.timedelta(minutes=1))
    api_client.get(url)
    assert [e.request_count for e in audit_events(database)] == [100, 1]


def test_long_paths_and_queries_are_stored_cut(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    _reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    long_path = "/v1/" + "a" * 10_000
    assert api_client.get(long_path, headers=reader).status_code == 404
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    api_client.get(url + "?period=2025-Q1&pad=" + "b" * 10_000, headers=reader)
    cut_path, cut_query = audit_events(database)
    assert len(cut_path.path) == 1000
    assert cut_path.path.endswith("…")
    assert cut_path.path.startswith("/v1/aaaa")
    assert cut_path.route == "(no route)"
    assert cut_query.query is not None
    assert len(cut_query.query) == 1000
    assert cut_query.query.startswith("period=2025-Q1&pad=bbb")


def test_the_audit_route_shows_the_new_columns_as_json_and_csv(
    api_client: AppClient, sample_ditep: SampleDitep, database: Database
) -> None:
    reader_id, reader = audited_key(database, Scope.ACTIVITY_READ)
    _admin_id, admin = audited_key(database, Scope.ADMIN)
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    read = api_client.get(
        url, params={"period": "2025-Q1"}, headers={**reader, "X-Correlation-ID": "c-1"}
    )
    [event] = api_client.get("/v1/audit", params={"key": reader_id}, headers=admin).json()
    assert event["query"] == "period=2025-Q1"
    assert event["request_id"] == read.headers["x-request-id"]
    assert event["correlation_id"] == "c-1"
    assert event["source_address"] == "127.0.0.1"
    assert event["request_count"] == 1
    assert event["summary_minute"] is None
    table = api_client.get(
        "/v1/audit", params={"key": reader_id, "format": "csv"}, headers=admin
    ).text
    [row] = list(csv.DictReader(io.StringIO(table)))
    assert (row["query"], row["request_id"], row["request_count"]) == (
        "period=2025-Q1",
        read.headers["x-request-id"],
        "1",
    )


def test_ditep_audit_prints_the_log_with_query_and_ids(
    fresh_database: TemporaryDatabase, cli_runner: CliRunner
) -> None:
    assert cli_runner.invoke(cli_app, ["migrate"]).exit_code == 0
    database = Database.from_url(fresh_database.url)
    try:
        with database.unit_of_work() as session:
            record(
                session,
                AuditRecord(
                    service="activity-api",
                    client_id=7,
                    method="GET",
                    route="/v1/regions/{code}/activity",
                    path="/v1/regions/84/activity",
                    scope=AuditScope("region", "84"),
                    status=200,
                    correlation_id="batch-1",
                    occurred_at=FIXED_NOW,
                    request_id="0123abcd",
                    query="period=2025-Q1&token=s3cret",
                    source_address="10.0.0.9",
                ),
            )
    finally:
        database.dispose()
    printed = cli_runner.invoke(cli_app, ["audit", "--format", "json", "--key", "7"])
    assert printed.exit_code == 0, printed.output
    [event] = json.loads(printed.stdout)
    assert (event["query"], event["request_id"], event["correlation_id"]) == (
        "period=2025-Q1&token=(redacted)",
        "0123abcd",
        "batch-1",
    )
    assert (event["source_address"], event["request_count"]) == ("10.0.0.9", 1)
    table = cli_runner.invoke(
        cli_app,
        ["audit", "--format", "csv", "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-03"],
    )
    assert table.exit_code == 0, table.output
    [row] = list(csv.DictReader(io.StringIO(table.stdout)))
    assert (row["route"], row["query"], row["request_id"]) == (
        "/v1/regions/{code}/activity",
        "period=2025-Q1&token=(redacted)",
        "0123abcd",
    )
    shown = cli_runner.invoke(cli_app, ["audit"])
    assert shown.exit_code == 0, shown.output
    assert "audit log (3 events)" in shown.stdout  # with the two reads above
    assert "s3cret" not in shown.stdout
    assert cli_runner.invoke(cli_app, ["audit", "--from", "0001-01-01T00:00:00Z"]).exit_code == 2


def test_concurrent_unauthenticated_calls_share_one_summary_row(pooled_database: Database) -> None:
    """Four writers racing on the first call of a minute: one row, every call counted."""
    entry = AuditRecord(
        service="agenda-ingest",
        client_id=None,
        method="POST",
        route="/v1/sources/{source_id}/feed",
        path="/v1/sources/1/feed",
        scope=AuditScope("source", "1"),
        status=401,
        correlation_id=None,
        occurred_at=FIXED_NOW,
        request_id="r",
        source_address="192.0.2.7",
    )
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []

    def write() -> None:
        barrier.wait(timeout=10)
        outcomes.extend(record_in_own_transaction(pooled_database, entry) for _ in range(10))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == [True] * 40
    [summary] = audit_events(pooled_database)
    assert (summary.request_count, summary.source_address) == (40, "192.0.2.7")


_PARAMETER = st.text(alphabet=st.characters(exclude_characters="&="), max_size=30)


@given(
    st.lists(st.tuples(_PARAMETER, _PARAMETER), max_size=40),
    st.sampled_from(["token", "KEY", "api-key", "Access_Token", "password"]),
    st.text(alphabet="abcdefXYZ0123456789", min_size=8, max_size=40),
)
@settings(max_examples=200, deadline=None)
def test_a_stored_query_is_bounded_and_never_holds_a_secret(
    pairs: list[tuple[str, str]], secret_name: str, secret: str
) -> None:
    query = "&".join(f"{name}={value}" for name, value in [*pairs, (secret_name, secret)])
    stored = redact_query(query)
    assert stored is not None
    assert len(stored) <= MAX_QUERY
    assert f"{secret_name}={secret}" not in stored
    keyed = redact_query(f"a=1&b=ditep_{secret}&ditep_{secret}")
    assert keyed == "a=1&b=(redacted)&(redacted)"
