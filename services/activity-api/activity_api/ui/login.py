"""Signing in and out: the one module that proves who the person is.

Today an e-mail and a password (``users.service.verify_password``: argon2, per-account
lockout). Everything after the proof is the session (``users.sessions``): a cookie with a
random token (HttpOnly, SameSite=Lax, Secure outside localhost), the server-side row and
its CSRF token. To sign in with an OIDC provider instead, replace this module's router
with one whose ``/ui/login`` redirects to the provider and whose callback finds the user
by the e-mail claim and calls ``sign_in``; the pages, the CSRF checks and ``/ui/logout``
stay as they are (docs/security.md, "Web app sign-in").

The sign-in form, sent before any session exists, is protected by a double-submit token:
a random value in a cookie of its own and in the form, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from activity_api.ui.rendering import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    UiError,
    UiRoute,
    page,
    redirect,
    safe_next,
    secure_cookies,
)
from activity_api.users.service import LoginOutcome, UserInfo, verify_password
from activity_api.users.sessions import end_session, same_token, start_session
from ditep_core.web.dependencies import AppSettings, DbSession

router = APIRouter(prefix="/ui", include_in_schema=False, route_class=UiRoute)

REFUSED = "Adresse e-mail ou mot de passe incorrect."
LOCKED = (
    "Ce compte est verrouillé pour 15 minutes après plusieurs échecs de connexion. "
    "Réessayez plus tard, ou demandez à un administrateur de réinitialiser le mot de passe."
)
CSRF_REFUSED = (
    "Le formulaire a expiré ou ne vient pas de cette application (jeton de sécurité "
    "absent ou invalide). Rechargez la page et recommencez."
)


def _login_form(
    request: Request, *, next_url: str, email: str = "", message: str = "", status: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        {"csrf_token": token, "next_url": safe_next(next_url), "email": email, "message": message},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path=COOKIE_PATH,
    )
    return response


def sign_in(
    request: Request,
    session: Session,
    user: UserInfo,
    *,
    lifetime: dt.timedelta,
    next_url: str,
) -> Response:
    """A session for a user whose identity is proven, and the way to the page asked for."""
    new = start_session(session, user, lifetime=lifetime)
    response = redirect(safe_next(next_url))
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path=COOKIE_PATH,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/ui/") -> HTMLResponse:
    return _login_form(request, next_url=next)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise UiError(403, CSRF_REFUSED, title="Formulaire refusé")
    result = verify_password(session, email, password)
    if result.outcome is LoginOutcome.LOCKED:
        return _login_form(request, next_url=next, email=email, message=LOCKED, status=429)
    if result.outcome is LoginOutcome.REFUSED or result.user is None:
        return _login_form(request, next_url=next, email=email, message=REFUSED, status=401)
    lifetime = dt.timedelta(minutes=settings.web_session_minutes)
    return sign_in(request, session, result.user, lifetime=lifetime, next_url=next)


@router.post("/logout")
def logout(
    request: Request,
    session: DbSession,
    signed_in: CurrentUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not same_token(signed_in.csrf_token, csrf_token):
        raise UiError(403, CSRF_REFUSED, title="Formulaire refusé")
    end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/ui/login")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
