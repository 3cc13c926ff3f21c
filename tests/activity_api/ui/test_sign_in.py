"""Signing in and out of the web app: CSRF, lockout, cookies, expiry and the way back."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from sqlalchemy import select, update

from activity_api.users.service import MAX_FAILURES
from ditep_core.db import Database
from ditep_core.models import WebSession, WebUser
from tests.activity_api.ui.conftest import (
    ARS,
    DIRECTOR,
    PASSWORD,
    UiData,
    browser_client,
    form_token,
    sign_in,
)
from tests.http import AppClient


def test_login_page_is_french_with_email_and_password(ui_client: AppClient) -> None:
    page = ui_client.get("/ui/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src" not in page.headers["content-security-policy"]
    html = page.text
    assert '<html lang="fr">' in html
    assert '<label for="email">Adresse e-mail</label>' in html
    assert 'id="email" name="email" type="email"' in html
    assert '<label for="password">Mot de passe</label>' in html
    assert 'id="password" name="password" type="password"' in html
    assert "ditep_login_csrf=" in page.headers["set-cookie"]
    # The style sheet comes from the installed package, not from another site.
    assert '<link rel="stylesheet" href="/ui/static/ui.css">' in html
    css = ui_client.get("/ui/static/ui.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus" in css.text


def test_unsigned_visitor_goes_to_sign_in_and_back(ui_client: AppClient, ui_data: UiData) -> None:
    target = f"/ui/establishments/{ui_data.finess}?period=2025-Q1"
    away = ui_client.get(target)
    assert away.status_code == 303
    assert (
        away.headers["location"]
        == f"/ui/login?next=/ui/establishments/{ui_data.finess}%3Fperiod%3D2025-Q1"
    )
    signed = sign_in(ui_client, DIRECTOR, next_url=target)
    assert signed.status_code == 303
    assert signed.headers["location"] == target
    cookie = signed.headers["set-cookie"]
    assert "ditep_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/ui" in cookie
    assert "Secure" not in cookie  # this machine: plain HTTP
    assert ui_client.get(target).status_code == 200


def test_next_never_leaves_the_app(ui_client: AppClient, ui_data: UiData) -> None:
    signed = sign_in(ui_client, DIRECTOR, next_url="//evil.example/ui/")
    assert signed.headers["location"] == "/ui/"


def test_cookie_is_secure_outside_localhost(api_app: FastAPI, ui_data: UiData) -> None:
    for client in browser_client(api_app, "https://ditep.example.fr"):
        signed = sign_in(client, DIRECTOR)
        assert signed.status_code == 303
        assert "Secure" in signed.headers["set-cookie"]


def test_home_sends_each_role_to_its_page(api_app: FastAPI, ui_data: UiData) -> None:
    for email, target in (
        (DIRECTOR, f"/ui/establishments/{ui_data.finess}"),
        (ARS, "/ui/regions/84"),
    ):
        for client in browser_client(api_app):
            sign_in(client, email)
            home = client.get("/ui/")
            assert home.status_code == 303
            assert home.headers["location"] == target
            assert client.get(target).status_code == 200


def test_missing_or_forged_csrf_token_is_refused(ui_client: AppClient, ui_data: UiData) -> None:
    ui_client.get("/ui/login")
    for token in ("", "forged-token"):
        refused = ui_client.post(
            "/ui/login", data={"email": DIRECTOR, "password": PASSWORD, "csrf_token": token}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "jeton de sécurité" in refused.text
        assert "ditep_session=" not in refused.headers.get("set-cookie", "")
    sign_in(ui_client, DIRECTOR)
    page = ui_client.get(f"/ui/establishments/{ui_data.finess}")
    # Sign-out is a form too: the session's token, not the sign-in one, nor a forged one.
    forged = ui_client.post("/ui/logout", data={"csrf_token": "forged-token"})
    assert forged.status_code == 403
    assert ui_client.get(f"/ui/establishments/{ui_data.finess}").status_code == 200
    out = ui_client.post("/ui/logout", data={"csrf_token": form_token(page.text)})
    assert out.status_code == 303
    assert out.headers["location"] == "/ui/login"
    assert ui_client.get(f"/ui/establishments/{ui_data.finess}").status_code == 303


def test_sign_out_ends_the_session_server_side(
    ui_client: AppClient, ui_data: UiData, database: Database
) -> None:
    sign_in(ui_client, DIRECTOR)
    token = ui_client._client.cookies["ditep_session"]
    # The cookie alone, sent by hand, signs in (what the replay below relies on).
    ui_client._client.cookies.clear()
    page = ui_client.get(
        f"/ui/establishments/{ui_data.finess}", headers={"Cookie": f"ditep_session={token}"}
    )
    assert page.status_code == 200
    ui_client.post(
        "/ui/logout",
        data={"csrf_token": form_token(page.text)},
        headers={"Cookie": f"ditep_session={token}"},
    )
    with database.unit_of_work() as session:
        assert session.scalars(select(WebSession)).all() == []
    # The old cookie, replayed, signs nobody in.
    ui_client._client.cookies.clear()
    replayed = ui_client.get(
        f"/ui/establishments/{ui_data.finess}", headers={"Cookie": f"ditep_session={token}"}
    )
    assert replayed.status_code == 303


def test_expired_session_goes_to_sign_in_and_back(
    ui_client: AppClient, ui_data: UiData, database: Database
) -> None:
    sign_in(ui_client, DIRECTOR)
    with database.unit_of_work() as session:
        session.execute(
            update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    target = f"/ui/establishments/{ui_data.finess}?period=2025-03"
    expired = ui_client.get(target)
    assert expired.status_code == 303
    assert expired.headers["location"].startswith("/ui/login?next=")
    back = sign_in(ui_client, DIRECTOR, next_url=target)
    assert back.headers["location"] == target
    assert ui_client.get(target).status_code == 200


def test_wrong_passwords_lock_the_account(
    ui_client: AppClient, ui_data: UiData, database: Database
) -> None:
    for attempt in range(1, MAX_FAILURES):
        wrong = sign_in(ui_client, DIRECTOR, password=f"wrong password {attempt}")
        assert wrong.status_code == 401
        assert "Adresse e-mail ou mot de passe incorrect." in wrong.text
    locked = sign_in(ui_client, DIRECTOR, password="still the wrong one")
    assert locked.status_code == 429
    assert "verrouillé" in locked.text
    # Locked: even the right password is refused, and the lock is in the database.
    right = sign_in(ui_client, DIRECTOR)
    assert right.status_code == 429
    assert "ditep_session=" not in right.headers.get("set-cookie", "")
    with database.unit_of_work() as session:
        user = session.scalars(select(WebUser).where(WebUser.email == DIRECTOR)).one()
        assert user.locked_until is not None
        assert user.locked_until > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    # An unknown e-mail gets the same answer as a wrong password.
    unknown = sign_in(ui_client, "nobody@example.fr")
    assert unknown.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.text
