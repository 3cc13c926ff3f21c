"""Tenancy and least privilege (issue 14): one matrix over every route that reaches an
establishment's data, for each kind of key, plus the keys that may not exist.

Every key of the matrix carries every scope the route asks for (admin included where the
route needs it), so that only the binding decides. Expected answers
(``ditep_core.auth.access``):

- the establishment's own FINESS key: the route's own answer;
- a key of another FINESS: 403 on routes addressed by FINESS, 404 with the body of an
  unknown id on routes addressed by an id (source, import, session);
- a key bound to the establishment's region or department, whatever its scopes (keys
  made before the rules, e.g. region + activity:read): 403 everywhere, aggregates only;
- an unbound admin key: the route's own answer, but the per young person detail
  (weekly), which is for the establishment's own keys only;
- an all-establishments key: figures and feeds, not free text (review queue,
  classification explanations) nor per young person detail.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from ditep_cli.main import app as cli_app
from ditep_core.auth.binding import check_binding
from ditep_core.db import Database
from ditep_core.models import AgendaSession, ApiClient
from ditep_core.nomenclatures import Scope
from ditep_core.web.problems import InvalidRequest
from tests.conftest import (
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
    push_both_sample_feeds,
    sample_feed,
)
from tests.http import AppClient

ALL_SCOPES = (
    Scope.FEEDS_WRITE,
    Scope.ACTIVITY_READ,
    Scope.TRANSMIT,
    Scope.ARS_READ,
    Scope.ADMIN,
)
OWN, OTHER, REGION, DEPARTMENT, REGION_READER, ADMIN, EVERY = (
    "own FINESS",
    "other FINESS",
    "region key",
    "department key",
    "region key with activity:read",
    "admin",
    "all establishments",
)
FORBIDDEN, NOT_FOUND = 403, 404


@dataclass
class Ids:
    finess: str
    source: int
    import_: int
    session: int


@dataclass(frozen=True)
class Call:
    service: str  # "ingest" or "api"
    method: str
    template: str  # the route as the OpenAPI document names it
    url: Callable[[Ids], str]
    own: int  # the route's answer to the establishment's own key
    again: int | None = None  # its answer to the next allowed keys, if it differs
    level: str = "figures"  # "figures", "free_text" or "own_detail"
    by_id: str | None = None  # "source", "import", "session": addressed by an id
    needs_admin: bool = False
    params: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    content_type: str | None = None


PERIOD = {"start": "2025-03-01", "end": "2025-04-01"}
JSON = "application/json"
CALLS = (
    Call(
        "ingest",
        "POST",
        "/v1/sources/{source_id}/feed",
        lambda i: f"/v1/sources/{i.source}/feed",
        201,
        by_id="source",
        content=sample_feed("agenda-etablissement.ics"),
        content_type="text/calendar",
    ),
    Call(
        "ingest",
        "GET",
        "/v1/sources/{source_id}",
        lambda i: f"/v1/sources/{i.source}",
        200,
        by_id="source",
    ),
    Call(
        "ingest",
        "PATCH",
        "/v1/sources/{source_id}",
        lambda i: f"/v1/sources/{i.source}",
        200,
        by_id="source",
        needs_admin=True,
        content=b'{"mass_delete_share": 0.5}',
        content_type=JSON,
    ),
    Call(
        "ingest",
        "GET",
        "/v1/sources/{source_id}/sessions",
        lambda i: f"/v1/sources/{i.source}/sessions",
        200,
        level="free_text",
        by_id="source",
    ),
    Call(
        "ingest",
        "POST",
        "/v1/sources/{source_id}/pull",
        lambda i: f"/v1/sources/{i.source}/pull",
        422,  # the sample's sources are pushed: no URL
        by_id="source",
    ),
    Call(
        "ingest",
        "GET",
        "/v1/imports/{import_id}",
        lambda i: f"/v1/imports/{i.import_}",
        200,
        by_id="import",
    ),
    Call(
        "ingest",
        "POST",
        "/v1/imports/{import_id}/confirm",
        lambda i: f"/v1/imports/{i.import_}/confirm",
        409,  # not held by the mass-deletion guard
        by_id="import",
    ),
    Call(
        "ingest",
        "GET",
        "/v1/sessions/{session_id}/classification",
        lambda i: f"/v1/sessions/{i.session}/classification",
        200,
        level="free_text",
        by_id="session",
    ),
    Call(
        "ingest",
        "GET",
        "/v1/establishments/{finess}/rulesets",
        lambda i: f"/v1/establishments/{i.finess}/rulesets",
        200,
    ),
    Call(
        "ingest",
        "POST",
        "/v1/establishments/{finess}/rulesets",
        lambda i: f"/v1/establishments/{i.finess}/rulesets",
        422,  # not a rule set: refused for what it is, once the key may post
        needs_admin=True,
        content=b"rules: nope",
        content_type="application/yaml",
    ),
    Call(
        "ingest",
        "GET",
        "/v1/establishments/{finess}/rulesets/{number}",
        lambda i: f"/v1/establishments/{i.finess}/rulesets/1",
        404,  # the sample uses the shipped rules: no version 1 (a 404 of its own)
    ),
    Call(
        "ingest",
        "GET",
        "/v1/establishments/{finess}/places",
        lambda i: f"/v1/establishments/{i.finess}/places",
        404,  # the sample establishment of this matrix has no place registry (its own 404)
    ),
    Call(
        "ingest",
        "PUT",
        "/v1/establishments/{finess}/places",
        lambda i: f"/v1/establishments/{i.finess}/places",
        422,  # not a registry: refused for what it is, once the key may set it
        needs_admin=True,
        content=b"own: nope",
        content_type="application/yaml",
    ),
    Call(
        "ingest",
        "DELETE",
        "/v1/establishments/{finess}/places",
        lambda i: f"/v1/establishments/{i.finess}/places",
        404,  # nothing to remove
        needs_admin=True,
    ),
    Call(
        "ingest",
        "POST",
        "/v1/establishments/{finess}/rulesets/dry-run",
        lambda i: f"/v1/establishments/{i.finess}/rulesets/dry-run",
        200,
        content=json.dumps(
            {"feed": sample_feed("agenda-etablissement.ics").decode(), "format": "ical"}
        ).encode(),
        content_type=JSON,
    ),
    Call(
        "ingest",
        "GET",
        "/v1/establishments/{finess}/review",
        lambda i: f"/v1/establishments/{i.finess}/review",
        200,
        level="free_text",
    ),
    Call(
        "ingest",
        "POST",
        "/v1/establishments/{finess}/review/{group}/classification",
        lambda i: f"/v1/establishments/{i.finess}/review/0000000000000000/classification",
        404,  # no such group (a 404 of its own)
        content=json.dumps(
            {"activity": "ambulatoire", "setting": "domicile", "nature": "direct"}
        ).encode(),
        content_type=JSON,
    ),
    Call(
        "ingest",
        "POST",
        "/v1/establishments/{finess}/review/{group}/rule",
        lambda i: f"/v1/establishments/{i.finess}/review/0000000000000000/rule",
        404,
        needs_admin=True,
        content=json.dumps({"activity": "ambulatoire"}).encode(),
        content_type=JSON,
    ),
    Call(
        "ingest",
        "POST",
        "/v1/establishments/{finess}/reclassify",
        lambda i: f"/v1/establishments/{i.finess}/reclassify",
        200,
        needs_admin=True,
    ),
    Call(
        "ingest",
        "GET",
        "/v1/establishments/{finess}/reclassifications",
        lambda i: f"/v1/establishments/{i.finess}/reclassifications",
        200,
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/activity",
        lambda i: f"/v1/establishments/{i.finess}/activity",
        200,
        params=PERIOD,
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/indicators",
        lambda i: f"/v1/establishments/{i.finess}/indicators",
        200,
        params={"period": "2025-03"},
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/activity/weekly",
        lambda i: f"/v1/establishments/{i.finess}/activity/weekly",
        200,
        level="own_detail",
        params=PERIOD,
    ),
    Call(
        "api",
        "PUT",
        "/v1/establishments/{finess}/pathways",
        lambda i: f"/v1/establishments/{i.finess}/pathways",
        200,
        content=b"[]",
        content_type=JSON,
    ),
    Call(
        "api",
        "PUT",
        "/v1/establishments/{finess}/complexity-flags",
        lambda i: f"/v1/establishments/{i.finess}/complexity-flags",
        200,
        content=b"[]",
        content_type=JSON,
    ),
    Call(
        "api",
        "POST",
        "/v1/establishments/{finess}/periods/{period}/freeze",
        lambda i: f"/v1/establishments/{i.finess}/periods/2025-02/freeze",
        201,
        again=409,  # frozen by the first key allowed to
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/periods/{period}/diff",
        lambda i: f"/v1/establishments/{i.finess}/periods/2025-02/diff",
        200,
    ),
    Call(
        "api",
        "POST",
        "/v1/establishments/{finess}/transmissions",
        lambda i: f"/v1/establishments/{i.finess}/transmissions",
        201,
        again=422,  # transmitted by the first key allowed to: a correction needs a reason
        content=b'{"period": "2025-Q1"}',
        content_type=JSON,
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/transmissions",
        lambda i: f"/v1/establishments/{i.finess}/transmissions",
        200,
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/transmissions/{period}",
        lambda i: f"/v1/establishments/{i.finess}/transmissions/2025-Q1",
        200,
        params={"version": "1"},
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/ror",
        lambda i: f"/v1/establishments/{i.finess}/ror",
        200,
        params={"week": "2025-W11"},
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/ror/ids",
        lambda i: f"/v1/establishments/{i.finess}/ror/ids",
        200,
    ),
    Call(
        "api",
        "PUT",
        "/v1/establishments/{finess}/ror/ids",
        lambda i: f"/v1/establishments/{i.finess}/ror/ids",
        200,
        needs_admin=True,
        content=b'{"resource": "Location/690000017-accueil-nuit", "ror_id": "R1"}',
        content_type=JSON,
    ),
    Call(
        "api",
        "GET",
        "/v1/establishments/{finess}/ror/status",
        lambda i: f"/v1/establishments/{i.finess}/ror/status",
        200,
    ),
)


def expected(call: Call, kind: str) -> int:
    """The answer the tenancy rules give this kind of key on this route."""
    if kind in (REGION, DEPARTMENT, REGION_READER):
        return FORBIDDEN
    if kind == OTHER:
        return NOT_FOUND if call.by_id else FORBIDDEN
    again = call.own if call.again is None else call.again
    if kind == ADMIN:
        return FORBIDDEN if call.level == "own_detail" else again
    if kind == EVERY:
        return FORBIDDEN if call.level != "figures" or call.needs_admin else again
    return call.own


def make_keys(make_key: KeyMaker) -> dict[str, dict[str, str]]:
    establishment_scopes = (Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, Scope.ADMIN)
    return {
        OWN: make_key(*establishment_scopes, finess=("690000017",)),
        OTHER: make_key(*establishment_scopes, finess=("130000000",)),
        REGION: make_key(Scope.ARS_READ, regions=("84",)),
        # Keys made before the binding rules: creation refuses them today.
        DEPARTMENT: make_key.legacy(*ALL_SCOPES, departments=("69",)),
        REGION_READER: make_key.legacy(Scope.ARS_READ, Scope.ACTIVITY_READ, regions=("84",)),
        ADMIN: make_key(Scope.ADMIN),
        EVERY: make_key(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, Scope.TRANSMIT),
    }


def _ids(database: Database, sample: SampleDitep, import_id: int) -> Ids:
    with database.unit_of_work() as session:
        session_id = session.scalars(select(AgendaSession.id).limit(1)).one()
    return Ids(sample.finess, sample.establishment_source_id, import_id, session_id)


def _send(client: AppClient, call: Call, url: str, key: dict[str, str]) -> Any:
    headers = dict(key)
    if call.content_type:
        headers["Content-Type"] = call.content_type
    return client.request(
        call.method, url, params=call.params, content=call.content, headers=headers
    )


def _openapi_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def test_the_matrix_covers_every_route_of_an_establishment(
    ingest_app: FastAPI, api_app: FastAPI
) -> None:
    """A new route under an establishment, a source, an import or a session must be
    added to the matrix: this fails until it is."""
    markers = ("{finess}", "{source_id}", "{import_id}", "{session_id}")
    routes = {
        route
        for app in (ingest_app, api_app)
        for route in _openapi_routes(app)
        if any(marker in route[1] for marker in markers)
    }
    assert routes == {(call.method, call.template) for call in CALLS}


def test_every_key_kind_on_every_establishment_route(
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    keys = make_keys(make_key)
    push_both_sample_feeds(ingest_client, sample_ditep, keys[OWN])
    pushed = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=sample_feed("agenda-etablissement.ics"),
        headers={"Content-Type": "text/calendar", **keys[OWN]},
    )
    ids = _ids(database, sample_ditep, pushed.json()["import_id"])
    clients = {"ingest": ingest_client, "api": api_client}
    answers: dict[tuple[str, str], int] = {}
    for call in CALLS:
        client = clients[call.service]
        url = call.url(ids)
        for kind, key in keys.items():
            response = _send(client, call, url, key)
            answers[(call.template, kind)] = response.status_code
            assert response.headers["content-type"].startswith(
                "application/problem+json" if response.status_code >= 400 else ""
            )
            if kind == OTHER and call.by_id:
                # The same body as an unknown id's: nothing tells the id exists.
                unknown_ids = dataclasses.replace(ids)
                setattr(unknown_ids, _ID_FIELDS[call.by_id], 999999)
                unknown = _send(client, call, call.url(unknown_ids), key)
                assert unknown.status_code == NOT_FOUND
                mine, theirs = response.json(), unknown.json()
                assert mine["detail"] == theirs["detail"].replace(
                    "999999", str(getattr(ids, _ID_FIELDS[call.by_id]))
                )
                assert {k: mine[k] for k in ("type", "title", "status")} == {
                    k: theirs[k] for k in ("type", "title", "status")
                }
            if kind == DEPARTMENT or (kind == REGION_READER and "lacks" not in response.text):
                # Refused for its binding, not for a scope it lacks.
                assert "aggregates only" in response.json()["detail"], (call.template, kind)
    wanted = {(call.template, kind): expected(call, kind) for call in CALLS for kind in keys}
    assert answers == wanted


_ID_FIELDS = {"source": "source", "import": "import_", "session": "session"}


def test_area_keys_read_their_aggregates_only(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    keys = make_keys(make_key)
    national = make_key(Scope.ARS_READ)  # --all-regions
    expectations = {
        "/v1/regions/84/activity": {
            OWN: 403,
            OTHER: 403,
            REGION: 200,
            DEPARTMENT: 403,
            REGION_READER: 200,
            ADMIN: 200,
            EVERY: 403,
        },
        "/v1/departments/69/activity": {
            OWN: 403,
            OTHER: 403,
            REGION: 200,
            DEPARTMENT: 200,
            REGION_READER: 200,
            ADMIN: 200,
            EVERY: 403,
        },
    }
    # The indicators of an area: the same keys as its activity; national: unbound keys.
    expectations["/v1/regions/84/indicators"] = expectations["/v1/regions/84/activity"]
    expectations["/v1/departments/69/indicators"] = expectations["/v1/departments/69/activity"]
    expectations["/v1/national/indicators"] = {
        **dict.fromkeys((OWN, OTHER, REGION, DEPARTMENT, REGION_READER, EVERY), 403),
        ADMIN: 200,
    }
    for url, by_kind in expectations.items():
        got = {
            kind: api_client.get(url, params={"period": "2025-03"}, headers=key).status_code
            for kind, key in keys.items()
        }
        assert got == by_kind, url
        assert (
            api_client.get(url, params={"period": "2025-03"}, headers=national).status_code == 200
        )


@pytest.mark.parametrize(
    ("scopes", "binding", "refusal"),
    [
        ((Scope.ACTIVITY_READ,), {"regions": ["84"]}, "ARS key"),
        ((Scope.FEEDS_WRITE,), {"departments": ["69"]}, "ARS key"),
        ((Scope.ARS_READ, Scope.ACTIVITY_READ), {"regions": ["84"]}, "ARS key"),
        ((Scope.ACTIVITY_READ,), {}, "--all-establishments"),
        ((Scope.FEEDS_WRITE,), {}, "--all-establishments"),
        ((Scope.ARS_READ,), {}, "--all-regions"),
        ((Scope.ARS_READ,), {"finess": ["690000017"]}, "not to establishments"),
        ((Scope.ADMIN,), {"regions": ["84"]}, "admin key"),
        ((Scope.ARS_READ,), {"regions": ["84"], "all_regions": True}, "not both"),
        ((Scope.ACTIVITY_READ,), {"finess": ["690000017"], "all_establishments": True}, "not both"),
        ((Scope.ARS_READ,), {"all_establishments": True, "all_regions": True}, "feeds:write"),
        ((Scope.ACTIVITY_READ,), {"all_establishments": True, "all_regions": True}, "ars:read"),
        ((), {}, "at least one scope"),
    ],
)
def test_keys_the_rules_refuse(
    scopes: tuple[Scope, ...], binding: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(InvalidRequest, match=refusal):
        check_binding(scopes, **binding)


@pytest.mark.parametrize(
    ("scopes", "binding"),
    [
        ((Scope.ACTIVITY_READ, Scope.FEEDS_WRITE), {"finess": ["690000017"]}),
        ((Scope.ACTIVITY_READ,), {"all_establishments": True}),
        ((Scope.ARS_READ,), {"regions": ["84"]}),
        ((Scope.ARS_READ,), {"departments": ["69", "2A"]}),
        ((Scope.ARS_READ,), {"all_regions": True}),
        ((Scope.ADMIN,), {}),
        ((Scope.ADMIN,), {"finess": ["690000017"]}),
        ((Scope.ACTIVITY_READ, Scope.ARS_READ), {"all_establishments": True, "all_regions": True}),
    ],
)
def test_keys_the_rules_accept(scopes: tuple[Scope, ...], binding: dict[str, Any]) -> None:
    check_binding(scopes, **binding)


def test_the_cli_refuses_unbound_and_area_keys_and_lists_bindings(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["migrate"]).exit_code == 0

    def create(*arguments: str) -> Any:
        return runner.invoke(cli_app, ["keys", "create", "--name", "k", *arguments])

    unbound = create("--scope", "feeds:write")
    assert unbound.exit_code == 1
    assert "--all-establishments" in unbound.output
    area = create("--scope", "activity:read", "--scope", "ars:read", "--region", "84")
    assert area.exit_code == 1
    assert "aggregates only" in area.output
    assert create("--scope", "ars:read").exit_code == 1
    assert create("--scope", "feeds:write", "--all-establishments").exit_code == 0
    assert create("--scope", "activity:read", "--finess", "690000017").exit_code == 0
    assert create("--scope", "ars:read", "--department", "69").exit_code == 0
    assert create("--scope", "ars:read", "--all-regions").exit_code == 0
    assert create("--scope", "admin").exit_code == 0
    listing = runner.invoke(cli_app, ["keys", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    for reach in (
        "all establishments",
        "FINESS 690000017",
        "departments 69",
        "all regions",
        "everything (admin)",
    ):
        assert reach in listing.output, listing.output


def test_a_legacy_area_key_with_establishment_scopes_is_not_rotated(
    api_client: AppClient, database: Database, make_key: KeyMaker
) -> None:
    legacy = make_key.legacy(Scope.ARS_READ, Scope.ACTIVITY_READ, regions=("84",))
    admin = make_key(Scope.ADMIN)
    with database.unit_of_work() as session:
        client = session.scalars(select(ApiClient).order_by(ApiClient.id.desc())).all()[1]
        legacy_id = client.id
    refused = api_client.post(f"/v1/keys/{legacy_id}/rotate", headers=admin)
    assert refused.status_code == 422
    assert "revoke it" in refused.json()["detail"]
    listed = {key["id"]: key for key in api_client.get("/v1/keys", headers=admin).json()}
    assert listed[legacy_id]["binding"] == "regions 84"
    assert api_client.get(
        "/v1/regions/84/activity", params={"period": "2025-03"}, headers=legacy
    ).status_code in (200, 404)


def test_free_text_reaches_no_other_output(
    migrated_database: TemporaryDatabase,
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    """Summaries, places and categories as typed in agendas appear only in the review
    queue and the classification explanation, never in counts, detail, ROR or ARS."""
    own = make_key(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    push_both_sample_feeds(ingest_client, sample_ditep, own)
    with database.unit_of_work() as session:
        rows = session.execute(
            select(AgendaSession.summary, AgendaSession.location, AgendaSession.categories)
        ).all()
    texts = {text for summary, location, _ in rows for text in (summary, location) if text}
    texts |= {category for *_, categories in rows for category in categories}
    texts = {text for text in texts if len(text) >= 4}
    assert len(texts) >= 10
    ars = make_key(Scope.ARS_READ, regions=("84",))
    finess = sample_ditep.finess
    outputs: dict[str, str] = {}
    for output_format in ("json", "csv"):
        for url in (
            f"/v1/establishments/{finess}/activity",
            f"/v1/establishments/{finess}/activity/weekly",
        ):
            response = api_client.get(
                url, params={"period": "2025-03", "format": output_format}, headers=own
            )
            assert response.status_code == 200, response.text
            outputs[f"{url} {output_format}"] = response.text
        for url in ("/v1/regions/84/activity", "/v1/departments/69/activity"):
            response = api_client.get(
                url, params={"period": "2025-03", "format": output_format}, headers=ars
            )
            assert response.status_code == 200, response.text
            outputs[f"{url} {output_format}"] = response.text
    ror = api_client.get(
        f"/v1/establishments/{finess}/ror", params={"week": "2025-W11"}, headers=own
    )
    outputs["ror"] = ror.text
    for url in (f"/v1/establishments/{finess}/reclassifications",):
        outputs[url] = ingest_client.get(url, headers=own).text
    pushed = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=sample_feed("agenda-etablissement.ics"),
        headers={"Content-Type": "text/calendar", **own},
    )
    outputs["feed result"] = pushed.text
    outputs["import"] = ingest_client.get(
        f"/v1/imports/{pushed.json()['import_id']}", headers=own
    ).text
    for name, output in outputs.items():
        for text in texts:
            assert text not in output, (name, text)
