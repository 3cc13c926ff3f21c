"""What the ROR push tests share: the seeded establishment, the settings, and a ROR's
Locations in memory answering searches, POSTs and PUTs as a FHIR server does (respx side
effect, or behind a real socket)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from activity_api.periods import parse_week
from activity_api.ror.service import remove_ror_id, set_ror_id
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
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


def search_url(local_id: str, base: str = BASE) -> str:
    """The search of the ROR's Locations carrying our identifier (no ROR id recorded)."""
    return f"{base}/Location?identifier={SYNC_SYSTEM}%7C{local_id}"


def _outcome(code: str, diagnostics: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


def searchset(*locations: dict[str, Any]) -> dict[str, Any]:
    """A search's answer: a searchset Bundle of these Locations."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(locations),
        "entry": [
            {
                "fullUrl": f"{BASE}/Location/{location['id']}",
                "resource": location,
                "search": {"mode": "match"},
            }
            for location in locations
        ],
    }


def ror_location(ror_id: str, local_id: str) -> dict[str, Any]:
    """A Location of the ROR carrying our identifier ``local_id``."""
    return {
        "resourceType": "Location",
        "id": ror_id,
        "identifier": [{"system": SYNC_SYSTEM, "value": local_id}],
    }


@dataclass
class LocationStore:
    """A ROR's Locations, answering what the ROR guide documents: ``GET
    Location?identifier=system|value`` (a searchset Bundle of the Locations carrying it),
    ``POST Location`` (creates it under a new id ``LOC-n``, 201; with ``If-None-Exist``,
    FHIR conditional create: 200 and the one it has when one carries the identifier, 412
    when several do), ``PUT Location/{id}`` (updates a known one, 404 otherwise). Anything
    else, a conditional ``PUT Location?identifier=…`` included, is refused (405)."""

    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    # (method, the Location's id, our identifier searched or "Location") of every request.
    calls: list[tuple[str, str]] = field(default_factory=list)
    # How many of the next POSTs the ROR applies, then answers 503 / whose answer is lost
    # (respx: a ReadTimeout), and how many it fails (503) without applying them.
    lost_posts: int = 0
    failing_posts: int = 0
    # Whether ``If-None-Exist`` is honoured (a server may ignore it).
    honours_if_none_exist: bool = True
    # The If-None-Exist headers received.
    if_none_exist: list[str | None] = field(default_factory=list)

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

    def put(self, ror_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if ror_id not in self.locations:
            return 404, _outcome("not-found", f"Location/{ror_id} inconnue du ROR")
        if body.get("id") != ror_id:
            return 400, _outcome("invalid", "Location.id différent de l'URL")
        self.locations[ror_id] = body
        return 200, body

    def post(self, body: dict[str, Any], if_none_exist: str | None) -> tuple[int, dict[str, Any]]:
        self.if_none_exist.append(if_none_exist)
        if "id" in body:
            return 400, _outcome("invalid", "a creation carries no id")
        if self.failing_posts > 0:
            self.failing_posts -= 1
            return 503, _outcome("transient", "indisponible")
        if if_none_exist is not None and self.honours_if_none_exist:
            found = self.carrying(parse_qs(if_none_exist)["identifier"][0])
            if len(found) > 1:
                return 412, _outcome("multiple-matches", f"{len(found)} Locations")
            if found:
                return 200, self.locations[found[0]]
        self.created += 1
        stored = {**body, "id": f"LOC-{self.created}"}
        self.locations[stored["id"]] = stored
        return 201, stored

    def answer(
        self,
        method: str,
        path: str,
        query: str,
        body: dict[str, Any] | None,
        if_none_exist: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """The answer to ``method`` on ``.../Location[/{id}]?query``."""
        tail = path.rstrip("/").rsplit("/Location", 1)[1].lstrip("/")
        token = parse_qs(query).get("identifier", [None])[0]
        if method == "GET" and not tail and token is not None:
            self.calls.append(("GET", token))
            return 200, searchset(*(self.locations[i] for i in self.carrying(token)))
        if method == "POST" and not tail and not query and body is not None:
            self.calls.append(("POST", "Location"))
            return self.post(body, if_none_exist)
        if method == "PUT" and tail and not query and body is not None:
            self.calls.append(("PUT", tail))
            return self.put(tail, body)
        self.calls.append((method, tail or "Location"))
        return 405, _outcome("not-supported", f"{method} {path}?{query}")

    def respx(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        body = json.loads(request.content) if request.content else None
        lost = request.method == "POST" and self.lost_posts > 0
        status, answer = self.answer(
            request.method, url.path, url.query, body, request.headers.get("If-None-Exist")
        )
        if lost:
            self.lost_posts -= 1
            raise httpx.ReadTimeout("answer lost", request=request)
        headers = {}
        if status == 201:  # as a FHIR server does; the body says the id too
            headers["Location"] = f"{BASE}/Location/{answer['id']}/_history/1"
        return httpx.Response(status, json=answer, headers=headers)


def healthcare_service(*references: str) -> httpx.Response:
    """The ROR's HealthcareService HS-1 listing these Locations (``Location/…``)."""
    listed = [{"reference": reference} for reference in references]
    return httpx.Response(
        200, json={"resourceType": "HealthcareService", "id": "HS-1", "location": listed}
    )


def edit_ror_ids(
    database: Database, *, set_: dict[str, str] | None = None, remove: str = ""
) -> None:
    """Record the ROR's ids of the seeded establishment's resources, or remove one, as
    ``ditep ror ids set/remove`` does."""
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        for resource, ror_id in (set_ or {}).items():
            set_ror_id(session, establishment, resource, ror_id)
        if remove:
            remove_ror_id(session, establishment, remove)
