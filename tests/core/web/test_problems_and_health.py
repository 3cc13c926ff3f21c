"""Problem details everywhere, correlation ids, readiness against the schema."""

from __future__ import annotations

from activity_api.main import create_app
from ditep_core.db import Database
from tests.conftest import TemporaryDatabase, make_settings
from tests.http import AppClient, app_client


def test_unknown_route_is_a_404_problem(api_client: AppClient) -> None:
    response = api_client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/nowhere"
    assert body["correlation_id"] == response.headers["x-correlation-id"]


def test_problem_types_are_documented(api_client: AppClient) -> None:
    response = api_client.get("/problems/feed-rejected")
    assert response.status_code == 200
    assert response.json()["title"] == "Feed rejected"


def test_unexpected_error_answers_500_problem(settings: object, database: Database) -> None:
    assert hasattr(settings, "database_url")
    app = create_app(make_settings(settings.database_url), database=database)

    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/explode", explode)
    with app_client(app) as client:
        response = client.get("/explode", headers={"X-Correlation-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == "req-42"
    body = response.json()
    assert body["correlation_id"] == "req-42"
    assert body["type"] == "/problems/internal-error"
    assert "secret internal detail" not in response.text


def test_invalid_correlation_id_is_replaced(api_client: AppClient) -> None:
    response = api_client.get("/healthz", headers={"X-Correlation-ID": "bad id with spaces"})
    assert response.headers["x-correlation-id"] != "bad id with spaces"
    assert len(response.headers["x-correlation-id"]) == 32


def test_readyz_is_503_when_the_schema_is_not_migrated(
    fresh_database: TemporaryDatabase,
) -> None:
    app = create_app(make_settings(fresh_database.url))
    with app_client(app) as client:
        response = client.get("/readyz")
    app.state.database.dispose()
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/not-ready"
    assert "ditep migrate" in response.json()["detail"]


def test_openapi_documents_the_routes(api_client: AppClient, ingest_client: AppClient) -> None:
    api = api_client.get("/openapi.json").json()
    assert "/v1/establishments/{finess}/activity" in api["paths"]
    ingest = ingest_client.get("/openapi.json").json()
    assert "/v1/sources/{source_id}/feed" in ingest["paths"]
