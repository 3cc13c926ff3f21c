"""Issue 16 item 7: the OpenAPI pages show an example for each route of the transmission,
results, statuses and indicators families: the JSON answer's (a valid body of the route's
response model) and, for the downloads, the CSV's; the XLSX answer is declared."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from activity_api.indicators import endpoints as indicators
from activity_api.main import create_app
from activity_api.regions import endpoints as regions
from activity_api.transmissions import endpoints as transmissions
from ditep_core.web.tabular import XLSX_MEDIA_TYPE
from tests.conftest import make_settings

FAMILIES = ("/transmissions", "/results", "/indicators")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(make_settings())


def _routes() -> list[tuple[str, str, APIRoute]]:
    """The families' routes, from the routers the app includes."""
    return [
        (method, route.path, route)
        for router in (indicators.router, regions.router, transmissions.router)
        for route in router.routes
        if isinstance(route, APIRoute) and any(family in route.path for family in FAMILIES)
        for method in sorted(route.methods or ())
    ]


def _json_examples(document: dict[str, Any], content: dict[str, Any]) -> list[Any]:
    media = content["application/json"]
    found: list[Any] = []
    if "example" in media:
        found.append(media["example"])
    found += [item["value"] for item in media.get("examples", {}).values()]
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found += schema.get("examples", [])
    return found


def test_every_route_of_the_families_has_json_and_csv_examples(app: FastAPI) -> None:
    document = app.openapi()
    routes = _routes()
    assert {(method, path) for method, path, _ in routes} == {
        ("POST", "/v1/establishments/{finess}/transmissions"),
        ("GET", "/v1/establishments/{finess}/transmissions"),
        ("GET", "/v1/establishments/{finess}/transmissions/{period}"),
        ("GET", "/v1/regions/{code}/transmissions"),
        ("GET", "/v1/regions/{code}/results"),
        ("GET", "/v1/departments/{code}/results"),
        ("GET", "/v1/national/results"),
        ("GET", "/v1/establishments/{finess}/indicators"),
        ("GET", "/v1/regions/{code}/indicators"),
        ("GET", "/v1/departments/{code}/indicators"),
        ("GET", "/v1/national/indicators"),
    }
    for method, path, route in routes:
        operation = document["paths"][path][method.lower()]
        status = "201" if method == "POST" else "200"
        content = operation["responses"][status]["content"]
        assert _json_examples(document, content), (method, path)  # shown on the page
        model = route.response_model
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        # The examples as written (the page leaves out their null members) are bodies the
        # route can answer.
        extra: Any = model.model_config.get("json_schema_extra") or {}
        assert extra.get("examples"), model
        for example in extra["examples"]:
            model.model_validate(example)
        if method == "GET":
            csv_example = content["text/csv"].get("example")
            assert isinstance(csv_example, str), path
            header, first, *_rest = csv_example.splitlines()
            assert ";" in header, path
            assert first, path
            assert XLSX_MEDIA_TYPE in content, path
