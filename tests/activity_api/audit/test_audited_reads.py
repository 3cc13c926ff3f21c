"""Issue 16 item 5: every transmission read and every ARS or national read, in each of its
forms (JSON, CSV, XLSX), is in the audit log before the response starts, and a read whose
audit event cannot be written is refused (503) without any of its content."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.types import Message

from activity_api.main import create_app as create_api_app
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.audit.audited import asgi_get, audited_key
from tests.activity_api.downloads.region import QUARTER, A, seed_transmitted_region
from tests.conftest import KeyMaker, TemporaryDatabase, make_settings
from tests.http import app_client

# (path, query, template) of every read of the transmission, results, statuses, ARS
# activity and indicators routes.
QUARTERLY = f"period={QUARTER}"
READS = {
    "establishment transmissions": [
        (f"/v1/establishments/{A}/transmissions", "", "/v1/establishments/{finess}/transmissions"),
        (
            f"/v1/establishments/{A}/transmissions/{QUARTER}",
            "version=1",
            "/v1/establishments/{finess}/transmissions/{period}",
        ),
    ],
    "statuses": [
        ("/v1/regions/84/transmissions", QUARTERLY, "/v1/regions/{code}/transmissions"),
    ],
    "results": [
        ("/v1/regions/84/results", QUARTERLY, "/v1/regions/{code}/results"),
        ("/v1/departments/69/results", QUARTERLY, "/v1/departments/{code}/results"),
        ("/v1/national/results", QUARTERLY, "/v1/national/results"),
    ],
    "area activity": [
        ("/v1/regions/84/activity", QUARTERLY, "/v1/regions/{code}/activity"),
        ("/v1/departments/69/activity", QUARTERLY, "/v1/departments/{code}/activity"),
    ],
    "indicators": [
        ("/v1/regions/84/indicators", QUARTERLY, "/v1/regions/{code}/indicators"),
        ("/v1/departments/69/indicators", QUARTERLY, "/v1/departments/{code}/indicators"),
        ("/v1/national/indicators", QUARTERLY, "/v1/national/indicators"),
    ],
}
FORMATS = ("json", "csv", "xlsx")


@pytest.fixture
def region_app(
    migrated_database: TemporaryDatabase, database: Database, make_key: KeyMaker
) -> FastAPI:
    app = create_api_app(make_settings(migrated_database.url), database=database)
    with app_client(app) as api:
        seed_transmitted_region(api, database, make_key(Scope.ADMIN))
    return app


def _body(messages: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


@pytest.mark.slow
@pytest.mark.parametrize("family", list(READS))
def test_every_read_and_download_is_audited_before_its_response_starts(
    region_app: FastAPI, database: Database, family: str
) -> None:
    _client_id, key = audited_key(database, Scope.ADMIN)
    for path, query, template in READS[family]:
        for output in FORMATS:
            full_query = "&".join(part for part in (query, f"format={output}") if part)
            messages, at_start = asgi_get(region_app, path, full_query, key, database)
            assert messages[0]["status"] == 200, (path, output, _body(messages)[:300])
            assert len(at_start) == 1
            # The newest event, already committed when the response starts, is this call.
            newest = at_start[0][-1]
            assert (newest.route, newest.query or "", newest.status) == (
                template,
                full_query,
                200,
            ), (path, output)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(READS))
def test_a_read_whose_audit_event_cannot_be_written_is_refused_in_every_form(
    region_app: FastAPI, database: Database, family: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ditep_core.audit import service

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    _client_id, key = audited_key(database, Scope.ADMIN)
    monkeypatch.setattr(service, "record", broken)
    for path, query, _template in READS[family]:
        for output in FORMATS:
            full_query = "&".join(part for part in (query, f"format={output}") if part)
            messages, _at_start = asgi_get(region_app, path, full_query, key, database)
            starts = [m for m in messages if m["type"] == "http.response.start"]
            assert [m["status"] for m in starts] == [503], (path, output)
            headers = dict(starts[0]["headers"])
            assert headers[b"content-type"] == b"application/problem+json"
            assert b"content-disposition" not in headers  # nothing of the download leaves
            body = _body(messages)
            assert b"/problems/audit-unavailable" in body
            assert not body.startswith(b"PK")  # no workbook
            assert b"figures" not in body
            assert b"file_active" not in body
