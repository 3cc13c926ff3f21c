"""OpenTelemetry tracing of the FastAPI app and its SQLAlchemy engine, off by default.

On when an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) and ``OTEL_SDK_DISABLED`` is not true: the values
come from ``Settings`` (read by ``create_app(settings)``), never from the environment at
import time. Each app gets its own tracer provider (no global one), so that tests can
build apps with and without tracing in one process.

Spans carry route templates and SQL with its placeholders, never the bound values:
no pseudonym or name leaves through a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from sqlalchemy import event

from ditep_core.db import Database
from ditep_core.settings import Settings

# Probes and scrapes would be most of the spans and tell nothing.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"
INSTRUMENTATION_NAME = "ditep"


def traces_endpoint(settings: Settings) -> str | None:
    """The signal-specific endpoint as given, else the generic one + ``/v1/traces``
    (the OTLP/HTTP exporter specification)."""
    if settings.otel_exporter_otlp_traces_endpoint:
        return settings.otel_exporter_otlp_traces_endpoint
    if settings.otel_exporter_otlp_endpoint:
        return settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    return None


def otlp_headers(settings: Settings) -> dict[str, str]:
    """``OTEL_EXPORTER_OTLP_HEADERS``: ``key=value`` pairs separated by commas, URL-encoded."""
    if settings.otel_exporter_otlp_headers is None:
        return {}
    headers: dict[str, str] = {}
    for item in settings.otel_exporter_otlp_headers.get_secret_value().split(","):
        key, separator, value = item.partition("=")
        if separator and key.strip():
            headers[unquote(key.strip()).lower()] = unquote(value.strip())
    return headers


def configure_tracing(
    app: FastAPI,
    settings: Settings,
    database: Database,
    *,
    service_name: str,
    exporter: SpanExporter | None = None,
) -> Callable[[], None] | None:
    """Instrument ``app`` and ``database.engine`` when tracing is on; return what stops it
    (flushes the spans, removes the engine's listeners), or None when tracing is off.

    ``exporter``: where spans go instead of OTLP, exported one by one (tests); tracing is
    then on whatever the settings say, unless ``OTEL_SDK_DISABLED`` is true.
    """
    if settings.otel_sdk_disabled or (exporter is None and not settings.tracing_enabled):
        return None
    provider = TracerProvider(
        resource=Resource({SERVICE_NAME: settings.otel_service_name or service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.otel_traces_sampler_arg)),
    )
    if exporter is None:
        provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=traces_endpoint(settings), headers=otlp_headers(settings))
            )
        )
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        meter_provider=NoOpMeterProvider(),
        excluded_urls=EXCLUDED_URLS,
    )
    remove_listeners = _trace_engine(database, provider)

    def stop() -> None:
        remove_listeners()
        provider.shutdown()

    return stop


def _trace_engine(database: Database, provider: TracerProvider) -> Callable[[], None]:
    """The instrumentation's EngineTracer on this engine alone (its instrumentor is a
    process-wide singleton that instruments every engine once)."""
    registered = EngineTracer._remove_event_listener_params
    before = len(registered)
    EngineTracer(  # type: ignore[no-untyped-call]
        provider.get_tracer(INSTRUMENTATION_NAME),
        database.engine,
        NoOpMeterProvider()
        .get_meter(INSTRUMENTATION_NAME)
        .create_up_down_counter("db.client.connections.usage"),
    )
    mine = list(registered[before:])

    def remove() -> None:
        for entry in mine:
            target_ref, name, listener = entry
            target = target_ref()
            if target is not None and event.contains(target, name, listener):
                event.remove(target, name, listener)
            if entry in registered:
                registered.remove(entry)

    return remove
