"""What the ROR push tests share: the seeded establishment, the settings, and a ROR's
Locations in memory answering PUTs as a FHIR server does (respx side effect, or behind
a real socket)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from activity_api.periods import parse_week
from ditep_core.settings import Settings
from tests.conftest import make_settings

BASE = "https://ror.example.test/fhir"
TOKEN_URL = "https://auth.example.test/token"
FINESS = "380000300"
WEEK = parse_week("2025-W11")
LOCATIONS = [f"{FINESS}-accueil-nuit", f"{FINESS}-accueil-jour"]
OAUTH2 = {
    "kind": "oauth2",
    "token_url": TOKEN_URL,
    "client_id": "ditep",
    "client_secret": "s3cret",
    "scope": "ror.capacity",
}
# ror-location identifier:idExterneSynchro, as this service sends it (urn:ditep:ror:location).
SYNC_SYSTEM = "urn:ditep:ror:location"


def ror_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ror_base_url": BASE,
        "ror_oauth2": OAUTH2,
        "ror_headers": {"X-ROR-Region": "84"},
        "ror_backoff_seconds": 0,
        **overrides,
    }
    return make_settings(url, **values)


def conditional_url(local_id: str, base: str = BASE) -> str:
    """The conditional update of a Location without a recorded ROR id."""
    return f"{base}/Location?identifier={SYNC_SYSTEM}%7C{local_id}"


def _outcome(code: str, diagnostics: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


@dataclass
class LocationStore:
    """A ROR's Locations: ``PUT Location/{id}`` updates a known one (404 otherwise);
    ``PUT Location?identifier=system|value`` updates the one that carries it, creates it
    (a new id ``LOC-n``) when none does, and answers 412 when several do (FHIR R4
    conditional update)."""

    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    # (method, path, identifier token or None) of every PUT, in order.
    calls: list[tuple[str, str | None]] = field(default_factory=list)

    def carrying(self, token: str) -> list[str]:
        system, _, value = token.partition("|")
        return [
            ror_id
            for ror_id, location in self.locations.items()
            if any(
                i.get("system") == system and i.get("value") == value
                for i in location.get("identifier", [])
            )
        ]

    def put(
        self, ror_id: str | None, token: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        self.calls.append((ror_id or "Location", token))
        if ror_id is not None:
            if ror_id not in self.locations:
                return 404, _outcome("not-found", f"Location/{ror_id} inconnue du ROR")
            if body.get("id") != ror_id:
                return 400, _outcome("invalid", "Location.id différent de l'URL")
            self.locations[ror_id] = body
            return 200, body
        if token is None or "id" in body:
            return 400, _outcome("invalid", "conditional update without identifier, or with id")
        found = self.carrying(token)
        if len(found) > 1:
            return 412, _outcome("multiple-matches", f"{len(found)} Locations pour {token}")
        if found:
            stored = {**body, "id": found[0]}
            self.locations[found[0]] = stored
            return 200, stored
        self.created += 1
        stored = {**body, "id": f"LOC-{self.created}"}
        self.locations[stored["id"]] = stored
        return 201, stored

    def answer(self, path: str, query: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The answer to a PUT on ``.../Location[/{id}]?query``."""
        tail = path.rstrip("/").rsplit("/Location", 1)[1]
        token = parse_qs(query).get("identifier", [None])[0]
        return self.put(tail.lstrip("/") or None, token, body)

    def respx(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        status, body = self.answer(url.path, url.query, json.loads(request.content))
        headers = {}
        if status == 201:  # as a FHIR server does; the body says the id too
            headers["Location"] = f"{BASE}/Location/{body['id']}/_history/1"
        return httpx.Response(status, json=body, headers=headers)
