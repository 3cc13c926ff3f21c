"""The OpenAPI side of problem details: the ``Problem`` schema and the error responses.

Every router declares ``responses=API_PROBLEMS`` (401, 403, 422 and 503, which any
``/v1`` route may answer); a route adds its own statuses with ``problem_responses``.
Each entry is ``application/problem+json`` with the ``Problem`` schema, which
``install_openapi`` adds to the document's components (FastAPI's own
``HTTPValidationError`` is never used: our 422 is a problem too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from ditep_core.web.problems import PROBLEM_MEDIA_TYPE

Responses = dict[int | str, dict[str, Any]]

PROBLEM_SCHEMA_NAME = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM_SCHEMA_NAME,
    "description": (
        "Problem details (RFC 9457). 'type' is documented at GET /problems/{slug}; "
        "extensions such as 'import_id' may be added."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/validation-error"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path of the request"},
        "errors": {
            "type": "array",
            "description": "Each fault with its location: parameter, field, line or JSON path",
            "items": {"type": "object"},
        },
        "correlation_id": {
            "type": "string",
            "description": "The caller's X-Correlation-ID, else the request id",
        },
        "request_id": {
            "type": "string",
            "description": "Our id of the request (X-Request-ID): quote it to the operators",
        },
    },
}

RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 0},
}

DEFAULT_DESCRIPTIONS: Mapping[int, str] = {
    400: "The body is not well-formed JSON",
    401: "No API key, or an unknown or revoked one ('Authorization: Bearer <key>')",
    403: "The API key lacks the scope, or is not bound to this establishment or area",
    404: "No such resource (establishment, source, import, version...)",
    409: "Conflicting state (already exists, already frozen, lease held...)",
    413: "The body is over DITEP_MAX_FEED_BYTES",
    415: "The Content-Type is not one this route accepts",
    422: "Invalid parameters or body: 'errors' lists each with its location",
    503: "Overloaded, or the database or the audit log is unavailable: retry later",
}


def problem_response(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    """One error response: ``application/problem+json`` with the ``Problem`` schema."""
    response: dict[str, Any] = {
        "description": description,
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}}
        },
    }
    if retry_after:
        response["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    return response


def problem_responses(*statuses: int, described: Mapping[int, str] | None = None) -> Responses:
    """Problem responses for ``statuses`` (default descriptions) and ``described`` (own ones)."""
    wanted = {status: DEFAULT_DESCRIPTIONS[status] for status in statuses}
    wanted.update(described or {})
    return {
        status: problem_response(description, retry_after=status == 503)
        for status, description in sorted(wanted.items())
    }


# What any /v1 route may answer: declared once per router.
API_PROBLEMS = problem_responses(401, 403, 422, 503)
# What a region's or department's route (ARS) adds.
AREA_PROBLEMS = problem_responses(
    described={403: "Key without ars:read, or bound to other regions", 404: "Unknown INSEE code"}
)


def _validation_problems(document: dict[str, Any]) -> None:
    """FastAPI's default 422 (``HTTPValidationError``, for a route that did not declare its
    own) becomes the problem our handler really sends."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response is not None and "application/json" in response.get("content", {}):
                operation["responses"]["422"] = problem_response(DEFAULT_DESCRIPTIONS[422])
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def install_openapi(app: FastAPI) -> None:
    """Adds the ``Problem`` schema to the app's OpenAPI document, and uses it for every 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if PROBLEM_SCHEMA_NAME not in schemas:
            _validation_problems(document)
            schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
        return document

    app.openapi = openapi  # type: ignore[method-assign]
