"""activity-api application factory."""

from __future__ import annotations

from fastapi import FastAPI

from activity_api.activity.endpoints import router as activity_router
from activity_api.audit.endpoints import router as audit_router
from activity_api.keys.endpoints import router as keys_router
from activity_api.regions.endpoints import router as regions_router
from activity_api.ror.endpoints import router as ror_router
from activity_api.ror.tasks import ror_push_loop
from activity_api.transmissions.endpoints import router as transmissions_router
from ditep_core.db import Database
from ditep_core.settings import Settings, load_settings
from ditep_core.web.app import build_app

VERSION = "0.1.0"


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    app = build_app(
        settings,
        title="DITEP activity-api",
        description=(
            "Activity counts of DITEP (file active, hours per modality, data quality), "
            "computed from classified agenda sessions."
        ),
        version=VERSION,
        database=database,
        background=ror_push_loop if settings.ror_push_enabled else None,
    )
    app.include_router(activity_router)
    app.include_router(audit_router)
    app.include_router(keys_router)
    app.include_router(ror_router)
    app.include_router(regions_router)
    app.include_router(transmissions_router)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: settings are read from the environment here, at start."""
    return create_app(load_settings())
