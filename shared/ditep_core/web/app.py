"""The part of ``create_app`` both services share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from ditep_core.db import Database
from ditep_core.migrations import head_revisions
from ditep_core.observability import configure_logging, settings_secrets
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tracing import configure_tracing
from ditep_core.web import health
from ditep_core.web.audit import AuditMiddleware
from ditep_core.web.bodies import BodyLimitMiddleware
from ditep_core.web.correlation import CorrelationMiddleware
from ditep_core.web.deadline import DeadlineMiddleware
from ditep_core.web.docs import install_docs
from ditep_core.web.headers import SecurityHeadersMiddleware
from ditep_core.web.metrics import install_metrics
from ditep_core.web.openapi import install_openapi
from ditep_core.web.problems import install_problem_handlers


def build_app(
    settings: Settings,
    *,
    title: str,
    description: str,
    version: str,
    database: Database | None = None,
    background: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    feed_paths: Sequence[str] = (),
    service_name: str,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """A FastAPI app with the settings, database, errors, logging and health routes.

    ``background`` (e.g. the pull loop) is entered when the app starts and left
    when it stops, before the database is disposed. ``feed_paths`` (regular
    expressions of paths) are the routes whose body carries a feed: bounded by
    ``max_feed_bytes``; every other body by ``max_body_bytes``. ``service_name`` names
    the service in traces unless ``OTEL_SERVICE_NAME`` does; ``span_exporter`` turns
    tracing on towards it (tests; ditep_core.tracing).
    """
    configure_logging(
        level=settings.log_level,
        json_output=settings.log_json,
        secrets=settings_secrets(settings),
    )
    owns_database = database is None
    db = database or Database.from_url(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        timeouts=settings.database_timeouts,
    )

    stop_tracing: Callable[[], None] | None = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        async with AsyncExitStack() as stack:
            if background is not None:
                await stack.enter_async_context(background(_app))
            yield
        if stop_tracing is not None:
            stop_tracing()
        if owns_database:
            db.dispose()

    # The OpenAPI pages are installed by install_docs, per DITEP_API_DOCS.
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.protection = DataProtection.from_settings(settings)
    app.state.migration_heads = head_revisions(settings.migrations_dir)
    install_problem_handlers(app)
    install_openapi(app)
    # Innermost: a body past its limit is refused before any route holds it whole.
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        limits=[(pattern, settings.max_feed_bytes) for pattern in feed_paths],
    )
    # Inside the correlation middleware, so audit events carry the correlation id.
    app.add_middleware(AuditMiddleware, service=title.removeprefix("DITEP ").strip())
    # Inside the correlation middleware too: its 503 carries the correlation id.
    app.add_middleware(
        DeadlineMiddleware,
        seconds=settings.request_deadline_seconds,
        retry_after=settings.retry_after_seconds,
    )
    app.add_middleware(CorrelationMiddleware)
    # The last-resort 500 and the 413s carry these headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost (but for the tracing one): every answer is timed, the 413s and
    # last-resort 500s included.
    install_metrics(app, settings, db)
    install_docs(app, settings.effective_api_docs)
    app.include_router(health.router)
    stop_tracing = configure_tracing(
        app, settings, db, service_name=service_name, exporter=span_exporter
    )
    return app
