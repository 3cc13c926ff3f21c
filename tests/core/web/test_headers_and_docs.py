"""Response headers (no-store, nosniff) and the OpenAPI pages (no CDN, off in production).

Attacks: a shared or browser cache keeping figures, keys or pseudonyms; a browser
sniffing a CSV or a problem as HTML; the interactive docs pulling script from a CDN
next to an admin's key; the API's map published by a production service.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.settings import ApiDocs, Environment
from tests.conftest import KeyMaker, SampleDitep, make_settings, push_both_sample_feeds
from tests.http import app_client

DOC_PAGES = ("/docs", "/redoc", "/openapi.json")


def _apps(settings: Any, database: Database, **overrides: Any) -> list[FastAPI]:
    configured = make_settings(settings.database_url, **overrides)
    return [
        create_ingest_app(configured, database=database),
        create_api_app(configured, database=database),
    ]


def test_v1_answers_are_not_stored_and_nothing_is_sniffed(
    settings: Any,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    ingest, api = _apps(settings, database)
    admin = make_key(Scope.ADMIN)
    make_key(Scope.ACTIVITY_READ)  # rotated below
    with app_client(ingest) as client:
        push_both_sample_feeds(client, sample_ditep, admin)
        feed_error = client.post(
            f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
            content=b"not a calendar",
            headers={**admin, "Content-Type": "text/calendar"},
        )
        health = client.get("/healthz")
    url = f"/v1/establishments/{sample_ditep.finess}/activity"
    with app_client(api) as client:
        answers = {
            "activity": client.get(url, params={"period": "2025-03"}, headers=admin),
            "activity csv": client.get(
                url, params={"period": "2025-03", "format": "csv"}, headers=admin
            ),
            "weekly": client.get(f"{url}/weekly", params={"period": "2025-03"}, headers=admin),
            "keys": client.get("/v1/keys", headers=admin),
            "audit": client.get("/v1/audit", headers=admin),
            "unauthorised": client.get(url, params={"period": "2025-03"}),
            "not found": client.get("/v1/nothing-here", headers=admin),
        }
        other = max(key["id"] for key in answers["keys"].json())
        answers["rotated key"] = client.post(f"/v1/keys/{other}/rotate", headers=admin)
        assert answers["rotated key"].status_code == 200, answers["rotated key"].text
        etag = answers["activity"].headers["etag"]
        answers["revalidated"] = client.get(
            url, params={"period": "2025-03"}, headers={**admin, "If-None-Match": etag}
        )
        problem_page = client.get("/problems/not-found")
    answers["feed problem"] = feed_error
    assert answers["revalidated"].status_code == 304  # the ETag still works without a cache
    assert answers["activity"].status_code == 200
    for name, response in answers.items():
        assert response.headers.get("cache-control") == "no-store", name
        assert response.headers.get("x-content-type-options") == "nosniff", name
    for response in (health, problem_page):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_last_resort_500_carries_the_headers(
    settings: Any,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import activity_api.activity.endpoints as endpoints

    def broken(*_args: object, **_kwargs: object) -> dict[str, object]:
        raise RuntimeError("bug")

    monkeypatch.setattr(endpoints, "activity_report", broken)
    _ingest, api = _apps(settings, database)
    with app_client(api) as client:
        response = client.get(
            f"/v1/establishments/{sample_ditep.finess}/activity",
            params={"period": "2025-03"},
            headers=make_key(Scope.ADMIN),
        )
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_docs_pages_load_nothing_from_another_host(settings: Any, database: Database) -> None:
    for app in _apps(settings, database):
        with app_client(app) as client:
            for page in ("/docs", "/redoc"):
                html = client.get(page)
                assert html.status_code == 200
                assert html.headers["content-type"].startswith("text/html")
                assert not _EXTERNAL.search(html.text), html.text
                assert "cdn" not in html.text.lower()
                assert "fonts.googleapis" not in html.text
                assets = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", html.text)
                assert assets, html.text
                for asset in assets:
                    assert asset.startswith("/docs/assets/"), asset
                    loaded = client.get(asset)
                    assert loaded.status_code == 200, asset
                    assert len(loaded.content) > 1000
                    assert loaded.headers["x-content-type-options"] == "nosniff"
            assert '"validatorUrl": null' in client.get("/docs").text
            schema = client.get("/openapi.json")
            assert schema.status_code == 200
            assert schema.json()["info"]["title"] == app.title


def test_production_turns_the_docs_off_by_default(settings: Any, database: Database) -> None:
    production = {"environment": Environment.PRODUCTION}
    assert make_settings(**production).effective_api_docs is ApiDocs.OFF
    assert make_settings().effective_api_docs is ApiDocs.PUBLIC
    for app in _apps(settings, database, **production):
        with app_client(app) as client:
            for page in (*DOC_PAGES, "/docs/assets/swagger-ui-bundle.js"):
                response = client.get(page)
                assert response.status_code == 404, page
                assert response.headers["content-type"] == "application/problem+json"
            assert client.get("/healthz").status_code == 200


def test_admin_docs_need_an_admin_key(
    settings: Any, database: Database, make_key: KeyMaker
) -> None:
    admin = make_key(Scope.ADMIN)
    reader = make_key(Scope.ACTIVITY_READ)
    for app in _apps(
        settings, database, environment=Environment.PRODUCTION, api_docs=ApiDocs.ADMIN
    ):
        with app_client(app) as client:
            for page in DOC_PAGES:
                assert client.get(page).status_code == 401, page
                assert client.get(page, headers=reader).status_code == 403, page
                assert client.get(page, headers=admin).status_code == 200, page
