"""OpenTelemetry tracing: off by default (no span), on with an exporter or OTEL_* settings
(spans of the request and of its SQL, with placeholders, never bound values)."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from activity_api.main import create_app as create_api_app
from agenda_ingest.main import create_app as create_ingest_app
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from ditep_core.tracing import configure_tracing, otlp_headers, traces_endpoint
from tests.conftest import SAMPLE_FINESS, TEST_SECRET, make_settings
from tests.http import app_client


def test_tracing_is_off_by_default() -> None:
    settings = make_settings()
    assert not settings.tracing_enabled
    assert not make_settings(
        otel_exporter_otlp_endpoint="http://collector:4318", otel_sdk_disabled=True
    ).tracing_enabled
    assert make_settings(otel_exporter_otlp_endpoint="http://collector:4318").tracing_enabled


def test_otel_variables_are_read_when_settings_are_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "ditep-api-ara")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc,x-tenant=ara")
    settings = Settings()
    assert settings.tracing_enabled
    assert settings.otel_service_name == "ditep-api-ara"
    assert traces_endpoint(settings) == "http://collector:4318/v1/traces"
    assert otlp_headers(settings) == {"authorization": "Bearer abc", "x-tenant": "ara"}
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:4318/traces")
    assert traces_endpoint(Settings()) == "http://other:4318/traces"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not Settings().tracing_enabled


def test_otlp_headers_are_redacted_from_logs() -> None:
    from ditep_core.observability import settings_secrets

    settings = make_settings(otel_exporter_otlp_headers=SecretStr("authorization=Bearer s3cr3t"))
    assert "authorization=Bearer s3cr3t" in settings_secrets(settings)


def test_tracing_off_produces_no_span(settings: Settings, database: Database) -> None:
    exporter = InMemorySpanExporter()
    # Off: configure_tracing instruments nothing, so the exporter can only stay empty.
    app = create_api_app(settings, database=database)
    assert configure_tracing(app, settings, database, service_name="x") is None
    with app_client(app) as client:
        assert client.get("/problems/not-found").status_code == 200
    assert exporter.get_finished_spans() == ()
    disabled = make_settings(settings.database_url, otel_sdk_disabled=True)
    app = create_api_app(disabled, database=database, span_exporter=exporter)
    with app_client(app) as client:
        assert client.get("/problems/not-found").status_code == 200
    assert exporter.get_finished_spans() == ()


def test_tracing_on_produces_request_and_sql_spans(
    settings: Settings, pooled_database: Database
) -> None:
    from ditep_core.auth.service import create_key

    exporter = InMemorySpanExporter()
    app = create_api_app(settings, database=pooled_database, span_exporter=exporter)
    with pooled_database.unit_of_work() as session:
        _client, generated = create_key(
            session, name="t", scopes=(Scope.ACTIVITY_READ,), finess=(SAMPLE_FINESS,)
        )
    exporter.clear()
    with app_client(app) as client:
        response = client.get(
            f"/v1/establishments/{SAMPLE_FINESS}/activity",
            params={"start": "2024-09-01", "end": "2024-10-01"},
            headers={"Authorization": f"Bearer {generated.plaintext}"},
        )
        assert response.status_code == 200, response.text
        client.get("/healthz")
    spans = exporter.get_finished_spans()
    names = [span.name for span in spans]
    assert "GET /v1/establishments/{finess}/activity" in names
    server = next(s for s in spans if s.name == "GET /v1/establishments/{finess}/activity")
    assert server.resource.attributes["service.name"] == "activity-api"
    sql = [span for span in spans if (span.attributes or {}).get("db.system") is not None]
    assert sql, names
    # SQL spans are children of the request's trace, and hold statements, not values.
    assert {span.context.trace_id for span in sql} & {server.context.trace_id}
    statements = " ".join(str((s.attributes or {}).get("db.statement", "")) for s in sql)
    assert generated.plaintext not in statements
    # Probes make no spans.
    assert not [name for name in names if "healthz" in name]
    # Traced, the request is still timed under its route template.
    with app_client(app) as client:
        scrape = client.get("/metrics").text
    assert 'route="/v1/establishments/{finess}/activity"' in scrape


def test_service_name_comes_from_otel_service_name(
    settings: Settings, pooled_database: Database
) -> None:
    exporter = InMemorySpanExporter()
    named = make_settings(settings.database_url, otel_service_name="ingest-ara")
    app = create_ingest_app(named, database=pooled_database, span_exporter=exporter)
    with app_client(app) as client:
        client.get("/problems/not-found")
    spans = exporter.get_finished_spans()
    assert spans
    assert {span.resource.attributes["service.name"] for span in spans} == {"ingest-ara"}
