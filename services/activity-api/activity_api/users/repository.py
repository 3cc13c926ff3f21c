"""Queries on web users and their sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ditep_core.models import WebSession, WebUser


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_email(self, email: str) -> WebUser | None:
        return self.session.scalars(select(WebUser).where(WebUser.email == email)).one_or_none()

    def get(self, user_id: int) -> WebUser | None:
        return self.session.get(WebUser, user_id)

    def add(self, user: WebUser) -> WebUser:
        self.session.add(user)
        self.session.flush()
        return user

    def list_all(self) -> Sequence[WebUser]:
        return self.session.scalars(select(WebUser).order_by(WebUser.email)).all()


class WebSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> WebSession:
        self.session.add(web_session)
        self.session.flush()
        return web_session

    def by_token_hash(self, token_hash: str) -> tuple[WebSession, WebUser] | None:
        row = self.session.execute(
            select(WebSession, WebUser)
            .join(WebUser, WebUser.id == WebSession.user_id)
            .where(WebSession.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def delete(self, token_hash: str) -> None:
        self.session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    def delete_of_user(self, user_id: int) -> None:
        self.session.execute(delete(WebSession).where(WebSession.user_id == user_id))

    def delete_expired(self, now: dt.datetime) -> None:
        self.session.execute(delete(WebSession).where(WebSession.expires_at <= now))
