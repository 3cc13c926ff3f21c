"""``GET /metrics`` in Prometheus' text format, and the request latency histogram.

Each app has its own registry: the process-wide counters of
``ditep_core.metrics.instruments``, its request histogram, the process collector, and
the database gauges of ``ditep_core.metrics.collector``. The route is served on the
services' own port and never routed by the Ingress (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ditep_core.db import Database
from ditep_core.metrics import instruments
from ditep_core.metrics.collector import DatabaseCollector
from ditep_core.settings import Settings

# Requests that matched no route (404s, scans): one label value, whatever the path.
UNMATCHED_ROUTE = "(unmatched)"
# Any other method a client invents is one label value too.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "(other)"

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Times every HTTP request and labels it with the template of the route it matched
    (``/v1/establishments/{finess}/activity``), so FINESS codes and ids in paths never
    multiply the series."""

    def __init__(self, app: ASGIApp, *, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER_METHOD
            self.histogram.labels(method=method, route=route, status=str(status)).observe(
                time.perf_counter() - started
            )


def install_metrics(app: FastAPI, settings: Settings, database: Database) -> None:
    if not settings.metrics_enabled:
        return
    # No auto_describe: it would collect the database gauges when the app is built.
    registry = CollectorRegistry()
    histogram = instruments.request_latency_histogram()
    if settings.prometheus_multiproc_dir is not None:
        # Every process writes its counters to files in that folder; a scrape of any of
        # them sums the files. The library chose its storage when it was imported.
        if values.ValueClass is values.MutexValue:
            raise RuntimeError(
                "PROMETHEUS_MULTIPROC_DIR must be in the environment when the process "
                "starts: prometheus-client reads it when it is imported"
            )
        MultiProcessCollector(registry, path=str(settings.prometheus_multiproc_dir))  # type: ignore[no-untyped-call]
    else:
        for counter in (
            instruments.IMPORTS,
            instruments.SESSIONS_INGESTED,
            instruments.PULL_FAILURES,
        ):
            registry.register(counter)
        registry.register(histogram)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    registry.register(
        DatabaseCollector(
            database,
            cache_seconds=settings.metrics_cache_seconds,
            timeout_ms=settings.metrics_query_timeout_ms,
        )
    )
    app.state.metrics_registry = registry
    app.add_middleware(RequestMetricsMiddleware, histogram=histogram)
    app.include_router(router)
