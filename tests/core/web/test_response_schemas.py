"""Every route's real response conforms to the schema its OpenAPI document declares.

The OpenAPI document is the truth about the bodies: for each operation of both
services, a real request over the sample DITEP (its two agendas pushed) gets a 2xx
whose body is validated, with ``jsonschema_rs``, against the schema declared for that
status and media type (component ``$ref`` resolved in the document), CSV included.
The last check is that no operation declaring a 2xx body was left out.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import FastAPI
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.service import configure_source
from ditep_core.db import Database
from ditep_core.models import ApiClient
from ditep_core.nomenclatures import Scope
from tests.conftest import (
    SAMPLE_WINDOW,
    KeyMaker,
    SampleDitep,
    push_both_sample_feeds,
    sample_feed,
)
from tests.http import AppClient
from tests.rule_texts import taxi_left_unknown

EMPTY_CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
JSON_TYPES = {"application/json", "application/fhir+json", "application/problem+json"}
Operation = tuple[str, str, str]  # service, method, path template


class Conformance:
    """Validates responses against one service's OpenAPI document; records what it saw."""

    def __init__(self, service: str, app: FastAPI, client: AppClient) -> None:
        self.service = service
        self.client = client
        self.document: dict[str, Any] = app.openapi()
        self.checked: set[Operation] = set()

    def declared(self) -> set[Operation]:
        """Operations declaring a body for a 2xx status."""
        return {
            (self.service, method.upper(), path)
            for path, operations in self.document["paths"].items()
            for method, operation in operations.items()
            if any(
                status.startswith("2") and response.get("content")
                for status, response in operation.get("responses", {}).items()
            )
        }

    def call(
        self,
        method: str,
        template: str,
        *,
        params: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Request ``template`` (formatted with ``params``, with the ``query`` string);
        assert a 2xx that conforms."""
        response = self.client.request(
            method, template.format(**(params or {})), params=query, **kwargs
        )
        assert response.status_code < 300, (template, response.status_code, response.text)
        self.validate(method, template, response)
        return response

    def validate(self, method: str, template: str, response: httpx.Response) -> None:
        operation = self.document["paths"][template][method.lower()]
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{method} {template}: {response.status_code} undeclared"
        media_type = response.headers["content-type"].split(";")[0].strip()
        content = declared.get("content", {})
        assert media_type in content, f"{method} {template}: {media_type} not in {list(content)}"
        instance = response.json() if media_type in JSON_TYPES else response.text
        schema = {**content[media_type]["schema"], "components": self.document["components"]}
        errors = [
            f"{error.instance_path}: {error.message}"
            for error in jsonschema_rs.validator_for(schema).iter_errors(instance)
        ]
        assert errors == [], f"{method} {template} {response.status_code} {media_type}: {errors}"
        self.checked.add((self.service, method.upper(), template))


@pytest.fixture
def ingest(ingest_app: FastAPI, ingest_client: AppClient) -> Conformance:
    return Conformance("agenda-ingest", ingest_app, ingest_client)


@pytest.fixture
def api(api_app: FastAPI, api_client: AppClient) -> Conformance:
    return Conformance("activity-api", api_app, api_client)


def _key_ids(database: Database) -> list[int]:
    with database.unit_of_work() as session:
        return list(session.scalars(select(ApiClient.id).order_by(ApiClient.id)))


def test_every_route_answers_as_its_schema_says(
    ingest: Conformance,
    api: Conformance,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    database: Database,
) -> None:
    finess = sample_ditep.finess
    admin = make_key(Scope.ADMIN)
    feeds = make_key(Scope.FEEDS_WRITE, finess=(finess,))
    reader = make_key(Scope.ACTIVITY_READ, finess=(finess,))
    ars = make_key(Scope.ARS_READ)
    csv = {"Accept": "text/csv"}
    on = {"finess": finess}

    for service in (ingest, api):
        service.call("GET", "/healthz")
        service.call("GET", "/readyz")
        service.call("GET", "/problems/{slug}", params={"slug": "not-found"})

    # agenda-ingest: rule sets (one with the taxi unknown, for the review queue), feeds.
    default = ingest.call("GET", "/v1/rulesets/default", headers=reader).json()["document"]
    unknown_taxi = taxi_left_unknown(default)
    ingest.call(
        "POST",
        "/v1/establishments/{finess}/rulesets",
        params=on,
        content=unknown_taxi.encode(),
        headers={"Content-Type": "application/yaml", **admin},
    )
    ingest.call("GET", "/v1/establishments/{finess}/rulesets", params=on, headers=reader)
    ingest.call(
        "PUT",
        "/v1/establishments/{finess}/places",
        params=on,
        content=b"own:\n  - {name: Internat, kind: house}\n",
        headers={"Content-Type": "application/yaml", **admin},
    )
    ingest.call("GET", "/v1/establishments/{finess}/places", params=on, headers=reader)
    ingest.call(
        "GET",
        "/v1/establishments/{finess}/rulesets/{number}",
        params={**on, "number": 1},
        headers=reader,
    )
    push_both_sample_feeds(ingest.client, sample_ditep, feeds)
    pushed = ingest.call(
        "POST",
        "/v1/sources/{source_id}/feed",
        params={"source_id": sample_ditep.claire_source_id},
        content=EMPTY_CALENDAR,
        headers={"Content-Type": "text/calendar", **feeds},
    )
    assert pushed.status_code == 202, pushed.text  # held by the mass-deletion guard
    held = {"import_id": pushed.json()["import_id"]}
    ingest.call("GET", "/v1/imports/{import_id}", params=held, headers=feeds)
    source = {"source_id": sample_ditep.establishment_source_id}
    ingest.call("GET", "/v1/imports", query={"source": source["source_id"]}, headers=feeds)
    ingest.call("GET", "/v1/sources", query=on, headers=feeds)
    ingest.call("GET", "/v1/sources/{source_id}", params=source, headers=feeds)
    ingest.call(
        "PATCH", "/v1/sources/{source_id}", params=source, json={"horizon_days": 200}, headers=admin
    )
    ingest.call(
        "GET", "/v1/sources/{source_id}/sessions", params=source, query={"limit": 3}, headers=feeds
    )
    rehearsal = ingest.call(
        "POST",
        "/v1/sources/{source_id}/feed",
        params=source,
        query={"dry_run": "true"},
        content=sample_feed_text().encode(),
        headers={"Content-Type": "text/calendar", **feeds},
    )
    assert rehearsal.status_code == 200
    confirmed = ingest.call("POST", "/v1/imports/{import_id}/confirm", params=held, headers=feeds)
    assert confirmed.status_code == 201
    ingest.call(
        "POST",
        "/v1/establishments/{finess}/rulesets/dry-run",
        params=on,
        json={"feed": (EMPTY_CALENDAR.decode()), "format": "ical"},
        headers=reader,
    )
    dry_run = ingest.call(
        "POST",
        "/v1/establishments/{finess}/rulesets/dry-run",
        params=on,
        json={
            "feed": sample_feed_text(),
            "format": "ical",
            "window_start": SAMPLE_WINDOW[0],
            "window_end": SAMPLE_WINDOW[1],
        },
        headers=reader,
    ).json()
    assert dry_run["figures"]["file_active"]["total"] > 0
    queue = ingest.call("GET", "/v1/establishments/{finess}/review", params=on, headers=reader)
    [group] = queue.json()["groups"]
    session_id = _a_session_id(database)
    ingest.call(
        "GET",
        "/v1/sessions/{session_id}/classification",
        params={"session_id": session_id},
        headers=reader,
    )
    ingest.call(
        "POST",
        "/v1/establishments/{finess}/review/{group}/rule",
        params={**on, "group": group["group"]},
        json={"activity": "transport", "setting": "inconnu", "rule_id": "taxi-local"},
        headers=admin,
    )
    # The taxi unknown again (a third version), reclassified: a group to classify by hand.
    ingest.client.post(
        f"/v1/establishments/{finess}/rulesets",
        content=unknown_taxi.encode(),
        headers={"Content-Type": "application/yaml", **admin},
    )
    ingest.call("POST", "/v1/establishments/{finess}/reclassify", params=on, headers=admin)
    queue = ingest.call("GET", "/v1/establishments/{finess}/review", params=on, headers=reader)
    [group] = queue.json()["groups"]
    ingest.call(
        "POST",
        "/v1/establishments/{finess}/review/{group}/classification",
        params={**on, "group": group["group"]},
        json={"activity": "transport", "setting": "inconnu", "nature": "direct"},
        headers=feeds,
    )
    ingest.call("GET", "/v1/establishments/{finess}/reclassifications", params=on, headers=reader)
    with database.unit_of_work() as session:
        # Allowed when configured, refused by the app's settings: the pull fails without
        # reaching any network, and answers 200 with the failure.
        configure_source(
            session,
            sample_ditep.establishment_source_id,
            url="http://127.0.0.1:9/x.ics",
            allowlist=Allowlist.from_entries(["127.0.0.1"]),
        )
    ingest.call(
        "POST",
        "/v1/sources/{source_id}/pull",
        params={"source_id": sample_ditep.establishment_source_id},
        headers=feeds,
    )

    # activity-api: counts (JSON, CSV, frozen), weekly, imports, freeze and diff, ROR, ARS.
    period = {"period": "2025-Q1"}
    for headers in (reader, {**reader, **csv}):
        response = api.client.get(
            f"/v1/establishments/{finess}/activity", params=period, headers=headers
        )
        api.validate("GET", "/v1/establishments/{finess}/activity", response)
        weekly = api.client.get(
            f"/v1/establishments/{finess}/activity/weekly", params=period, headers=headers
        )
        api.validate("GET", "/v1/establishments/{finess}/activity/weekly", weekly)
    for path, rows in (
        (
            "pathways",
            [
                {
                    "youth_id": "1 85 05 75 123 456 78",
                    "status": "accompagnement",
                    "start": "2024-09-02",
                }
            ],
        ),
        (
            "complexity-flags",
            [
                {
                    "youth_id": "1 85 05 75 123 456 78",
                    "start": "2025-01-06",
                    "criteria": ["troubles"],
                }
            ],
        ),
    ):
        api.call(
            "PUT", f"/v1/establishments/{{finess}}/{path}", params=on, json=rows, headers=feeds
        )
    frozen = {**on, "period": "2025-Q1"}
    api.call(
        "POST", "/v1/establishments/{finess}/periods/{period}/freeze", params=frozen, headers=feeds
    )
    stored = api.client.get(f"/v1/establishments/{finess}/activity", params=period, headers=reader)
    api.validate("GET", "/v1/establishments/{finess}/activity", stored)
    assert stored.json()["frozen"] is not None
    api.call(
        "GET", "/v1/establishments/{finess}/periods/{period}/diff", params=frozen, headers=reader
    )
    week = {"week": "2025-W11"}
    ror = api.client.get(f"/v1/establishments/{finess}/ror", params=week, headers=reader)
    api.validate("GET", "/v1/establishments/{finess}/ror", ror)
    Bundle.model_validate(ror.json())  # a generic object in the schema: FHIR says the rest
    night = {"resource": f"Location/{finess}-accueil-nuit", "ror_id": "LOC-1"}
    api.call("PUT", "/v1/establishments/{finess}/ror/ids", params=on, json=night, headers=admin)
    api.call("GET", "/v1/establishments/{finess}/ror/ids", params=on, headers=reader)
    api.call("GET", "/v1/establishments/{finess}/ror/status", params=on, headers=reader)
    for kind, code in (("regions", "84"), ("departments", "69")):
        for headers in (ars, {**ars, **csv}):
            area = api.client.get(f"/v1/{kind}/{code}/activity", params=period, headers=headers)
            api.validate("GET", f"/v1/{kind}/{{code}}/activity", area)
    for template, url, key in (
        (
            "/v1/establishments/{finess}/indicators",
            f"/v1/establishments/{finess}/indicators",
            reader,
        ),
        ("/v1/regions/{code}/indicators", "/v1/regions/84/indicators", ars),
        ("/v1/departments/{code}/indicators", "/v1/departments/69/indicators", ars),
        ("/v1/national/indicators", "/v1/national/indicators", ars),
    ):
        for headers in (key, {**key, **csv}):
            answer = api.client.get(url, params={"period": "2025-Q1"}, headers=headers)
            api.validate("GET", template, answer)
    api.call(
        "POST",
        "/v1/establishments/{finess}/transmissions",
        params=on,
        json={"period": "2025-Q1"},
        headers=admin,
    )
    for headers in (reader, {**reader, **csv}):
        listing = api.client.get(f"/v1/establishments/{finess}/transmissions", headers=headers)
        api.validate("GET", "/v1/establishments/{finess}/transmissions", listing)
        sent = api.client.get(f"/v1/establishments/{finess}/transmissions/2025-Q1", headers=headers)
        api.validate("GET", "/v1/establishments/{finess}/transmissions/{period}", sent)
    for route, code in (
        ("regions/{code}/transmissions", "84"),
        ("regions/{code}/results", "84"),
        ("departments/{code}/results", "69"),
    ):
        for headers in (ars, {**ars, **csv}):
            url = "/v1/" + route.format(code=code)
            api.validate("GET", f"/v1/{route}", api.client.get(url, params=period, headers=headers))
    for headers in (admin, {**admin, **csv}):
        national = api.client.get("/v1/national/results", params=period, headers=headers)
        api.validate("GET", "/v1/national/results", national)
    for headers in (admin, {**admin, **csv}):
        api.validate("GET", "/v1/audit", api.client.get("/v1/audit", headers=headers))
    api.call("GET", "/v1/keys", headers=admin)
    make_key(Scope.ACTIVITY_READ, finess=(finess,))  # the key rotated, then revoked
    newest = {"key_id": _key_ids(database)[-1]}
    api.call("POST", "/v1/keys/{key_id}/rotate", params=newest, headers=admin)
    api.call("POST", "/v1/keys/{key_id}/revoke", params=newest, headers=admin)

    assert ingest.declared() | api.declared() == ingest.checked | api.checked


def sample_feed_text() -> str:
    return sample_feed().decode()


def _a_session_id(database: Database) -> int:
    from ditep_core.models import AgendaSession

    with database.unit_of_work() as session:
        first = session.scalars(select(AgendaSession.id).order_by(AgendaSession.id)).first()
    assert first is not None
    return first
