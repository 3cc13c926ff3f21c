"""Server-side sessions of the web app: the browser holds a random token (cookie), the
``web_session`` table its SHA-256, its expiry and the CSRF token bound to it.

Whoever proved the person's identity (the password form of ``activity_api.ui.login``
today, an OIDC callback tomorrow) calls ``start_session`` with the user; everything after
(the pages, the CSRF check, sign-out) only knows the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from activity_api.users.repository import WebSessionRepository
from activity_api.users.service import UserInfo, principal_of, user_info
from ditep_core.auth.principal import Principal
from ditep_core.models import WebSession, utc_now


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: UserInfo
    principal: Principal
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    expires_at: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, user: UserInfo, *, lifetime: dt.timedelta, now: dt.datetime | None = None
) -> NewSession:
    """A new session for a user whose identity was proven; expired sessions go."""
    now = now or utc_now()
    repository = WebSessionRepository(session)
    repository.delete_expired(now)
    token = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    repository.add(
        WebSession(
            token_hash=_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=expires_at,
        )
    )
    return NewSession(token=token, expires_at=expires_at)


def resolve_session(
    session: Session, token: str, *, now: dt.datetime | None = None
) -> SignedIn | None:
    """The signed-in user of a cookie's token; None when unknown or expired (read only)."""
    now = now or utc_now()
    found = WebSessionRepository(session).by_token_hash(_hash(token))
    if found is None:
        return None
    web_session, user = found
    if web_session.expires_at <= now:
        return None
    info = user_info(user)
    return SignedIn(
        user=info,
        principal=principal_of(info),
        csrf_token=web_session.csrf_token,
        expires_at=web_session.expires_at,
    )


def end_session(session: Session, token: str) -> None:
    WebSessionRepository(session).delete(_hash(token))


def same_token(expected: str, given: str | None) -> bool:
    """A CSRF token check in constant time (an absent token never matches)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
