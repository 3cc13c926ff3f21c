"""Problem details (RFC 9457) for every error either service returns.

Domain code raises a ``Problem`` subclass; one table of handlers turns it, and
FastAPI's own validation and routing errors, into ``application/problem+json``.
``type`` is a relative URI served by ``GET /problems/{slug}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ditep_core.db import Saturated, saturation_reason
from ditep_core.web.correlation import current_request_ids

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "bad-request": ("Bad request", "The request could not be understood."),
    "unauthorized": (
        "Authentication required",
        "Send an API key as 'Authorization: Bearer <key>'. Keys are created by an admin "
        "with 'ditep keys create'.",
    ),
    "forbidden": (
        "Forbidden",
        "The API key lacks the scope this route needs, or is not bound to this "
        "establishment or region.",
    ),
    "not-found": ("Not found", "No resource at this address, or no such identifier."),
    "method-not-allowed": ("Method not allowed", "This route does not accept this method."),
    "conflict": ("Conflict", "The resource already exists or is in a conflicting state."),
    "validation-error": (
        "Invalid request",
        "Some parameters or fields are invalid; 'errors' lists each with its location.",
    ),
    "payload-too-large": (
        "Payload too large",
        "The body is larger than the configured limit: DITEP_MAX_FEED_BYTES for a feed "
        "(pushed, or in a dry run), DITEP_MAX_BODY_BYTES for any other body. It is refused "
        "while it is read.",
    ),
    "unsupported-media-type": (
        "Unsupported media type",
        "The Content-Type is not one this route accepts.",
    ),
    "feed-rejected": (
        "Feed rejected",
        "The feed could not be read at all; 'errors' says where (line number or JSON path). "
        "The payload was stored and can be replayed after a fix.",
    ),
    "service-busy": (
        "Service busy",
        "The service or its database is saturated; nothing was changed by this request "
        "unless 'import_id' says it was stored. Retry after the number of seconds in "
        "the Retry-After header.",
    ),
    "snapshot-superseded": (
        "Snapshot superseded",
        "A newer snapshot of this source was already applied (received later, or stamped "
        "later by the feed); this one is stored but not applied. 'newer_import_id' names it.",
    ),
    "source-disabled": (
        "Source disabled",
        "An admin disabled this source: it takes no feed and is not pulled until it is "
        "enabled again ('ditep source update ID --enable' or PATCH /v1/sources/{id}).",
    ),
    "not-ready": ("Not ready", "The database is unreachable or its schema is not at head."),
    "audit-unavailable": (
        "Audit log unavailable",
        "The call could not be recorded in the audit log, so it was not answered (audited "
        "calls are never answered unrecorded). Try again later.",
    ),
    "internal-error": (
        "Internal error",
        "An unexpected error occurred; quote the correlation_id to the operators.",
    ),
}

_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    503: "not-ready",
}


class Problem(Exception):
    """An error meant for the caller, rendered as problem details."""

    status = 400
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"

    def __init__(self, detail: str = "a valid API key is required") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(Problem):
    status = 403
    slug = "forbidden"


class NotFound(Problem):
    status = 404
    slug = "not-found"


class Conflict(Problem):
    status = 409
    slug = "conflict"


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"


class UnsupportedMediaType(Problem):
    status = 415
    slug = "unsupported-media-type"


class InvalidRequest(Problem):
    status = 422
    slug = "validation-error"


class SourceDisabled(Problem):
    status = 409
    slug = "source-disabled"


class ServiceBusy(Problem):
    """503: a bounded wait gave up. ``Retry-After`` is set by the handler from settings."""

    status = 503
    slug = "service-busy"


class FeedRejected(Problem):
    status = 422
    slug = "feed-rejected"


def problem_response(
    request: Request | None,
    *,
    status: int,
    slug: str,
    detail: str,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    title = PROBLEM_TYPES.get(slug, ("Error", ""))[0]
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = list(errors)
    # Extensions never replace the standard members (a "status" extension once did).
    body.update({key: value for key, value in (extensions or {}).items() if key not in body})
    ids = current_request_ids()
    if ids is not None:
        body["correlation_id"] = ids.correlation_id
        body["request_id"] = ids.request_id
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def render_problem(request: Request | None, problem: Problem) -> JSONResponse:
    return problem_response(
        request,
        status=problem.status,
        slug=problem.slug,
        detail=problem.detail,
        errors=problem.errors,
        headers=problem.headers,
        extensions=problem.extensions,
    )


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _retry_after(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return str(getattr(settings, "retry_after_seconds", 5))


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    if exc.status == 503 and "Retry-After" not in exc.headers:
        exc.headers["Retry-After"] = _retry_after(request)
    return render_problem(request, exc)


def busy_response(request: Request, reason: str) -> JSONResponse:
    return problem_response(
        request,
        status=503,
        slug="service-busy",
        detail=f"{reason}; retry later",
        headers={"Retry-After": _retry_after(request)},
    )


async def _on_saturated(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Saturated)
    return busy_response(request, exc.reason)


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database error that is a bounded wait giving up is a 503; others are bugs."""
    reason = saturation_reason(exc)
    if reason is None:
        raise exc
    return busy_response(request, reason)


def _allowed_methods(request: Request) -> str | None:
    """The methods the OpenAPI document gives the most specific paths matching this one.

    Starlette's 405 names only the first matching route's methods: GET for
    ``/rulesets`` though POST is routed there too.
    """
    matching: list[tuple[int, set[str]]] = []
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods = {method.upper() for method in operations}
            matching.append((template.count("{"), methods))
    if not matching:
        return None
    fewest = min(count for count, _ in matching)
    methods = set().union(*(methods for count, methods in matching if count == fewest))
    return ", ".join(sorted(methods))


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _SLUG_BY_STATUS.get(exc.status_code, "bad-request")
    detail = exc.detail if isinstance(exc.detail, str) else PROBLEM_TYPES[slug][0]
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and "Allow" in headers:
        headers["Allow"] = _allowed_methods(request) or headers["Allow"]
    return problem_response(
        request, status=exc.status_code, slug=slug, detail=detail, headers=headers
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": _location(error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors()
    ]
    return problem_response(
        request,
        status=422,
        slug="validation-error",
        detail=f"{len(errors)} invalid parameter(s) or field(s)",
        errors=errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(Saturated, _on_saturated)
    app.add_exception_handler(SQLAlchemyError, _on_database_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
