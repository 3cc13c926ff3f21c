"""agenda-ingest's review queue, reached through its HTTP API with a service key.

The queue and the manual classification are agenda-ingest's (``review``,
``reclassify``); activity-api never imports agenda-ingest (the import rules), so the
review page reads ``GET /v1/establishments/{finess}/review`` and sets a group with
``POST …/review/{group}/classification``, after checking the signed-in user's own access.
No transaction is open during these calls. ``transport`` lets the tests put agenda-ingest's
app (``httpx.ASGITransport``) or a real local server behind the same client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel, ValidationError

from ditep_core.nomenclatures import Activity, Nature, Setting
from ditep_core.settings import Settings

UNAVAILABLE = (
    "La file de revue est tenue par agenda-ingest, qui ne répond pas pour le moment. "
    "Réessayez dans quelques minutes."
)
NOT_CONFIGURED = (
    "La file de revue n'est pas configurée sur ce serveur (DITEP_INGEST_BASE_URL et "
    "DITEP_INGEST_SERVICE_KEY)."
)


class QueueGroup(BaseModel):
    """A group of the queue, as agenda-ingest's ``ReviewGroup`` answers it."""

    group: str
    key: str
    example_summary: str
    sessions: int
    locations: list[str]
    first_start: dt.datetime
    last_start: dt.datetime
    reason: Literal["unclassified", "low_confidence"] = "unclassified"
    classified_as: Activity = Activity.UNCLASSIFIED
    rule_id: str = "none"
    source_ids: list[int] = []
    weeks: list[str] = []


class Queue(BaseModel):
    finess: str
    unclassified_sessions: int
    low_confidence_sessions: int = 0
    groups: list[QueueGroup]


class IngestUnavailable(Exception):
    """agenda-ingest could not be reached, or answered what the page cannot use."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class IngestClient:
    base_url: str | None
    key: str | None
    timeout: float
    transport: httpx.AsyncBaseTransport | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestClient:
        key = settings.ingest_service_key
        return cls(
            base_url=settings.ingest_base_url,
            key=key.get_secret_value() if key else None,
            timeout=settings.ingest_timeout_seconds,
        )

    def with_transport(self, transport: httpx.AsyncBaseTransport) -> IngestClient:
        return IngestClient(self.base_url, self.key, self.timeout, transport)

    def _client(self) -> httpx.AsyncClient:
        if not self.base_url or not self.key:
            raise IngestUnavailable(NOT_CONFIGURED)
        return httpx.AsyncClient(
            base_url=self.base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=self.timeout,
            transport=self.transport,
        )

    async def queue(self, finess: str) -> Queue:
        async with self._client() as client:
            try:
                response = await client.get(f"/v1/establishments/{finess}/review")
            except httpx.HTTPError as error:
                raise IngestUnavailable(UNAVAILABLE) from error
        _check(response)
        try:
            return Queue.model_validate_json(response.content)
        except ValidationError as error:
            raise IngestUnavailable(UNAVAILABLE) from error

    async def classify(
        self, finess: str, groups: list[str], activity: Activity, setting: Setting, nature: Nature
    ) -> int:
        """Each group set by hand through agenda-ingest (one call per group); the sessions
        classified."""
        body = {"activity": activity.value, "setting": setting.value, "nature": nature.value}
        classified = 0
        async with self._client() as client:
            for group in groups:
                try:
                    response = await client.post(
                        f"/v1/establishments/{finess}/review/{group}/classification", json=body
                    )
                except httpx.HTTPError as error:
                    raise IngestUnavailable(UNAVAILABLE) from error
                _check(response)
                classified += int(response.json()["sessions_classified"])
        return classified


def _check(response: httpx.Response) -> None:
    if response.status_code == 404:
        raise IngestUnavailable(
            "Ce groupe n'est plus dans la file de revue (déjà classé ?). Rechargez la page.",
            404,
        )
    if response.status_code >= 400:
        raise IngestUnavailable(UNAVAILABLE)
