"""agenda-ingest application factory."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from agenda_ingest.feeds.endpoints import router as feeds_router
from agenda_ingest.feeds.service import IngestGate
from agenda_ingest.feeds.tasks import retention_tasks
from agenda_ingest.pull.endpoints import router as pull_router
from agenda_ingest.pull.tasks import pull_tasks
from agenda_ingest.reclassify.endpoints import router as reclassify_router
from agenda_ingest.review.endpoints import router as review_router
from agenda_ingest.rulesets.endpoints import router as rulesets_router
from agenda_ingest.sources.endpoints import router as sources_router
from ditep_core.db import Database
from ditep_core.settings import Settings, load_settings
from ditep_core.tasks.definition import BackgroundTask
from ditep_core.tasks.lifespan import background_tasks
from ditep_core.web.app import build_app
from ditep_counting.rollups.tasks import rollup_tasks

VERSION = "0.1.0"
FEED_PATHS = (r"/v1/sources/[^/]+/feed", r"/v1/establishments/[^/]+/rulesets/dry-run")


def ingest_tasks(settings: Settings) -> list[BackgroundTask]:
    """The tasks agenda-ingest runs itself when in-process (SQLite): the rollup refresh
    its imports defer, the scheduled pulls, the payload retention."""
    return [*rollup_tasks(settings), *pull_tasks(settings), *retention_tasks(settings)]


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    app = build_app(
        settings,
        title="DITEP agenda-ingest",
        description=(
            "Receives agenda feeds (iCalendar or FHIR JSON) from DUI software, "
            "pseudonymises young people and classifies every session."
        ),
        version=VERSION,
        database=database,
        service_name="agenda-ingest",
        span_exporter=span_exporter,
        background=background_tasks(ingest_tasks, name="agenda-ingest"),
        # A feed pushed, or a feed (in JSON) to classify in a dry run.
        feed_paths=FEED_PATHS,
    )
    app.state.ingest_gate = IngestGate(
        settings.ingest_max_concurrent_feeds, settings.ingest_queue_timeout_seconds
    )
    app.include_router(sources_router)
    app.include_router(feeds_router)
    app.include_router(pull_router)
    app.include_router(rulesets_router)
    app.include_router(review_router)
    app.include_router(reclassify_router)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: settings are read from the environment here, at start."""
    return create_app(load_settings())
