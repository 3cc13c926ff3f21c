"""activity-api application factory."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from activity_api.activity.endpoints import router as activity_router
from activity_api.audit.endpoints import router as audit_router
from activity_api.indicators.endpoints import router as indicators_router
from activity_api.keys.endpoints import router as keys_router
from activity_api.regions.endpoints import router as regions_router
from activity_api.ror.endpoints import router as ror_router
from activity_api.ror.tasks import ror_tasks
from activity_api.secrecy.tasks import secrecy_tasks
from activity_api.transmissions.endpoints import router as transmissions_router
from activity_api.transmissions.tasks import transmission_tasks
from activity_api.ui.endpoints import install_ui
from ditep_core.db import Database
from ditep_core.settings import Settings, load_settings
from ditep_core.tasks.definition import BackgroundTask
from ditep_core.tasks.lifespan import background_tasks
from ditep_core.web.app import build_app
from ditep_counting.rollups.tasks import rollup_tasks

VERSION = "0.1.0"


def api_tasks(settings: Settings) -> list[BackgroundTask]:
    """The tasks activity-api runs itself when in-process (SQLite): the rollup refresh (its
    reads never do it; started alone, it still serves fresh figures), the ROR push and
    the late-transmission marking, and the secrecy decisions of the ARS tables."""
    return [
        *rollup_tasks(settings),
        *ror_tasks(settings),
        *transmission_tasks(settings),
        *secrecy_tasks(settings),
    ]


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    app = build_app(
        settings,
        title="DITEP activity-api",
        description=(
            "Activity counts of DITEP (file active, hours per modality, data quality), "
            "computed from classified agenda sessions."
        ),
        version=VERSION,
        database=database,
        service_name="activity-api",
        span_exporter=span_exporter,
        background=background_tasks(api_tasks, name="activity-api"),
    )
    app.include_router(activity_router)
    app.include_router(audit_router)
    app.include_router(keys_router)
    app.include_router(ror_router)
    app.include_router(regions_router)
    app.include_router(indicators_router)
    app.include_router(transmissions_router)
    install_ui(app)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: settings are read from the environment here, at start."""
    return create_app(load_settings())
