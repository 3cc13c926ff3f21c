"""The OpenAPI pages, served without a CDN and only where the settings allow.

``DITEP_API_DOCS``: ``public`` (the default in development), ``admin`` (every page
needs an admin key: for tools fetching ``/openapi.json``; a browser sends no key, so
the interactive pages are of no use then), ``off`` (the default in production: the
three routes answer 404). Where they are on, Swagger UI and ReDoc load their
JavaScript and CSS from this service (``/docs/assets/``, files of the installed
``fastapi-offline`` package), never from a CDN: the page works without internet
access and a compromised CDN cannot run script next to an admin's key. Swagger UI's
validator badge (an image from validator.swagger.io) is turned off.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from ditep_core.nomenclatures import Scope
from ditep_core.settings import ApiDocs
from ditep_core.web.dependencies import Authenticator

OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs/assets"


def docs_assets() -> Path:
    """Swagger UI and ReDoc as the installed fastapi-offline package ships them."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


def install_docs(app: FastAPI, mode: ApiDocs) -> None:
    """Call on an app built with ``docs_url=None, redoc_url=None, openapi_url=None``."""
    if mode is ApiDocs.OFF:
        return
    dependencies: list[Any] = [Depends(Authenticator(Scope.ADMIN))] if mode is ApiDocs.ADMIN else []
    app.mount(ASSETS_URL, StaticFiles(directory=docs_assets()), name="docs-assets")

    @app.get(OPENAPI_URL, include_in_schema=False, dependencies=dependencies)
    def openapi(request: Request) -> JSONResponse:
        schema = dict(app.openapi())
        root = _root_path(request)
        if root and "servers" not in schema:
            # As FastAPI's own route does behind a proxy that strips a prefix.
            schema["servers"] = [{"url": root}]
        return JSONResponse(schema)

    @app.get("/docs", include_in_schema=False, dependencies=dependencies)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_swagger_ui_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False, dependencies=dependencies)
    def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_redoc_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )


def _root_path(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")
