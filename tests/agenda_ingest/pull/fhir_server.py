"""A small FHIR server on 127.0.0.1 for the pull tests: Appointments searched with paging,
their history (deletions included), a CapabilityStatement; over TLS when asked, requiring
a client certificate then (mTLS). Not a FHIR implementation: what a pull asks, answered."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.local_http import QuietHandler, serving


@dataclass
class FhirState:
    """What the server holds; the test changes it between pulls."""

    clock: str = "2025-03-10T07:59:00Z"
    history: bool = True
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (id, when): deletions, newest last.
    deleted: list[tuple[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def put(self, resource: dict[str, Any]) -> None:
        self.appointments[resource["id"]] = {**resource, "meta": {"lastUpdated": self.clock}}

    def delete(self, identifier: str) -> None:
        del self.appointments[identifier]
        self.deleted.append((identifier, self.clock))


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1090375123456"}],
}


class _Handler(QuietHandler):
    state: FhirState
    base: str

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        state = self.state
        state.paths.append(self.path)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/fhir/metadata":
            self._send(200, _capabilities(state.history))
        elif url.path == "/fhir/Appointment/_history":
            if not state.history:
                self._send(404, {"resourceType": "OperationOutcome", "issue": []})
                return
            self._send(200, self._history(query))
        elif url.path == "/fhir/Appointment":
            self._send(200, self._search(query))
        else:
            self._send(404, {"resourceType": "OperationOutcome", "issue": []})

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        since = query.get("_lastUpdated", [""])[0].removeprefix("ge")
        matches = [
            resource
            for _id, resource in sorted(self.state.appointments.items())
            if resource["meta"]["lastUpdated"] >= since
        ]
        return self._paged(
            "searchset",
            [{"fullUrl": f"{self.base}/Appointment/{r['id']}", "resource": r} for r in matches],
            query,
            "/fhir/Appointment",
            include_patient=True,
        )

    def _history(self, query: dict[str, list[str]]) -> dict[str, Any]:
        since = query["_since"][0]
        events: list[tuple[str, dict[str, Any]]] = [
            (
                resource["meta"]["lastUpdated"],
                {
                    "fullUrl": f"{self.base}/Appointment/{resource['id']}",
                    "resource": resource,
                    "request": {"method": "PUT", "url": f"Appointment/{resource['id']}"},
                    "response": {"status": "200 OK"},
                },
            )
            for resource in self.state.appointments.values()
        ]
        events += [
            (
                when,
                {
                    "request": {"method": "DELETE", "url": f"Appointment/{identifier}"},
                    "response": {"status": "204 No Content"},
                },
            )
            for identifier, when in self.state.deleted
        ]
        # Newest first, as FHIR lists a history.
        ordered = sorted(events, key=lambda event: event[0], reverse=True)
        entries = [entry for when, entry in ordered if when >= since]
        return self._paged("history", entries, query, "/fhir/Appointment/_history")

    def _paged(
        self,
        kind: str,
        entries: list[dict[str, Any]],
        query: dict[str, list[str]],
        path: str,
        *,
        include_patient: bool = False,
    ) -> dict[str, Any]:
        count = int(query.get("_count", ["2"])[0])
        page = int(query.get("_page", ["1"])[0])
        chosen = entries[(page - 1) * count : page * count]
        if include_patient and chosen:
            chosen = [*chosen, {"fullUrl": f"{self.base}/Patient/p1", "resource": PATIENT}]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": kind,
            "meta": {"lastUpdated": self.state.clock},
            "entry": chosen,
            "link": [],
        }
        if page * count < len(entries):
            following = {key: values[0] for key, values in query.items()} | {"_page": str(page + 1)}
            bundle["link"].append(
                {
                    "relation": "next",
                    "url": f"{self.base}{path.removeprefix('/fhir')}?" + urlencode(following),
                }
            )
        return bundle

    def _send(self, status: int, body: dict[str, Any]) -> None:
        self.reply(status, json.dumps(body).encode(), "application/fhir+json")


def _capabilities(history: bool) -> dict[str, Any]:
    interactions = [{"code": "search-type"}] + ([{"code": "history-type"}] if history else [])
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {"mode": "server", "resource": [{"type": "Appointment", "interaction": interactions}]}
        ],
    }


@contextmanager
def fhir_server(state: FhirState, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serves ``state`` on 127.0.0.1 until the block ends; yields the FHIR base URL.

    ``tls``: a server context (one that requires a client certificate for mTLS)."""
    scheme = "https" if tls is not None else "http"
    with serving(_Handler, tls) as server:
        base = f"{scheme}://127.0.0.1:{server.server_address[1]}/fhir"
        server.RequestHandlerClass = type("Handler", (_Handler,), {"state": state, "base": base})
        yield base
