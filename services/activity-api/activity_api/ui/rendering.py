"""What every page shares: the templates, the signed-in user, the error pages.

Pages answer in HTML, never problem+json: a route of the ``ui`` router that raises a
``Problem`` (403 of the tenancy check, 404...), a ``UiError`` or a validation error gets
a French error page with the same status; a request without a valid session is sent to
the sign-in page and back (``?next=``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from activity_api.users.service import ROLE_LABELS
from activity_api.users.sessions import SignedIn, resolve_session
from ditep_core.web.audit import audit_context
from ditep_core.web.dependencies import get_database
from ditep_core.web.problems import Problem

PACKAGE = Path(__file__).parent
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(PACKAGE / "templates"), autoescape=True)
)
STATIC_DIRECTORY = PACKAGE / "static"
STATIC_URL = "/ui/static"
SESSION_COOKIE = "ditep_session"
LOGIN_CSRF_COOKIE = "ditep_login_csrf"
COOKIE_PATH = "/ui"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# Pages hold health data: never cached; no script at all, no frame, no other origin.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

_TITLES = {
    400: "Requête invalide",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    409: "Conflit",
    422: "Requête invalide",
    429: "Trop de tentatives",
}
_MESSAGES = {
    403: "Vous n'avez pas accès à cette page : elle concerne un établissement ou un "
    "territoire qui n'est pas le vôtre.",
    404: "Cette page n'existe pas, ou l'établissement demandé est inconnu.",
}


class UiError(Exception):
    """An error shown to the user as a page, in French."""

    def __init__(self, status: int, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title or _TITLES.get(status, "Erreur")


class SignInRequired(Exception):
    """No valid session: to the sign-in page, then back to ``next_url``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def secure_cookies(request: Request) -> bool:
    """Cookies are ``Secure`` everywhere but on this machine (plain-HTTP development)."""
    return (request.url.hostname or "") not in LOCAL_HOSTS


def safe_next(value: str | None) -> str:
    """Only a page of this app: never another site (``//evil``, ``https://…``)."""
    if not value or not value.startswith("/ui/") or value.startswith("//") or "\\" in value:
        return "/ui/"
    return value


def login_url(next_url: str) -> str:
    return "/ui/login?next=" + quote(safe_next(next_url), safe="/")


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    signed_in: SignedIn | None = None,
) -> HTMLResponse:
    values = {
        "static_url": STATIC_URL,
        "signed_in": signed_in,
        "role_label": ROLE_LABELS[signed_in.user.role] if signed_in else "",
        **context,
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, template, values, status_code=status
    )
    response.headers.update(PAGE_HEADERS)
    return response


def error_page(
    request: Request, status: int, message: str, *, title: str | None = None
) -> HTMLResponse:
    signed_in = request.state.signed_in if hasattr(request.state, "signed_in") else None
    return page(
        request,
        "error.html",
        {"title": title or _TITLES.get(status, "Erreur"), "message": message},
        status=status,
        signed_in=signed_in,
    )


def redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


class UiRoute(APIRoute):
    """A page route: its errors are pages (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as required:
                return redirect(login_url(required.next_url))
            except UiError as error:
                return error_page(request, error.status, error.message, title=error.title)
            except Problem as problem:
                message = _MESSAGES.get(problem.status) or problem.detail
                return error_page(request, problem.status, message)
            except RequestValidationError as error:
                where = ", ".join(
                    ".".join(str(part) for part in item.get("loc", ())[1:])
                    for item in error.errors()
                )
                return error_page(
                    request,
                    400,
                    f"L'adresse de la page est invalide ({where or 'paramètres'}).",
                )

        return handle


def current_user(request: Request) -> SignedIn:
    """The signed-in user, from the session cookie (a short transaction of its own, as
    for API keys); none or an expired one: ``SignInRequired``."""
    token = request.cookies.get(SESSION_COOKIE)
    signed_in = None
    if token:
        with get_database(request).unit_of_work() as session:
            signed_in = resolve_session(session, token)
    if signed_in is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    request.state.signed_in = signed_in
    audit = audit_context(request)
    if audit is not None:
        # The page's audit row names the person (``user_id``), as a route's names the key.
        audit.principal = signed_in.principal
    return signed_in


CurrentUser = Annotated[SignedIn, Depends(current_user)]
