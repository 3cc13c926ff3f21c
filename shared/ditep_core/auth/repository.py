"""Queries on API clients."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import ApiClient


class ApiClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_active_by_prefix(self, prefix: str) -> ApiClient | None:
        statement = select(ApiClient).where(
            ApiClient.key_prefix == prefix, ApiClient.revoked_at.is_(None)
        )
        return self.session.scalars(statement).one_or_none()

    def add(self, client: ApiClient) -> ApiClient:
        self.session.add(client)
        self.session.flush()
        return client

    def list_all(self) -> Sequence[ApiClient]:
        return self.session.scalars(select(ApiClient).order_by(ApiClient.id)).all()

    def get(self, client_id: int) -> ApiClient | None:
        return self.session.get(ApiClient, client_id)
