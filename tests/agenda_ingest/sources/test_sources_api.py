"""A source's lifecycle (GET/PATCH /v1/sources/{id}, the list, disabling), finding one
session, the imports of a source, and what a vendor's feeds:write key may read."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import AuditEvent, FeedImport
from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep, sample_feed
from tests.http import AppClient

ICAL = {"Content-Type": "text/calendar"}
JSON = {"Content-Type": "application/json"}
LUCAS_ESS = "cedres-2025-lucas-ess@ditep-cedres.example"


def _push(client: AppClient, source_id: int, key: dict[str, str], body: bytes | None = None) -> int:
    response = client.post(
        f"/v1/sources/{source_id}/feed",
        content=sample_feed() if body is None else body,
        headers={**ICAL, **key},
    )
    assert response.status_code == 201, response.text
    import_id: int = response.json()["import_id"]
    return import_id


def test_a_vendor_reads_its_source_and_its_window(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    response = ingest_client.get(f"/v1/sources/{source_id}", headers=vendor)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == source_id
    assert body["finess"] == sample_ditep.finess
    assert body["format"] == "ical"
    assert body["enabled"] is True
    assert body["window"] == {
        "start": "2024-09-01",
        "end": "2025-09-01",
        "fixed_start": "2024-09-01",
        "fixed_end": "2025-09-01",
        "horizon_days": 180,
    }
    assert body["last_import"] is None
    assert body["pull_url"] is None
    _push(ingest_client, source_id, vendor)
    again = ingest_client.get(f"/v1/sources/{source_id}", headers=vendor).json()
    assert again["last_import"]["status"] == "processed"
    listed = ingest_client.get("/v1/sources", headers=vendor)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["sources"]] == [
        sample_ditep.establishment_source_id,
        sample_ditep.claire_source_id,
    ]
    other = ingest_client.get("/v1/sources", params={"finess": "130000000"}, headers=vendor)
    assert other.status_code == 403


def test_an_admin_changes_the_window_and_the_next_push_applies_it(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    admin = make_key(Scope.ADMIN, finess=(sample_ditep.finess,))
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    url = f"/v1/sources/{source_id}"
    # March 2025 outside the window: nothing read, and the answer says why.
    narrowed = ingest_client.patch(
        url,
        json={"window_start": "2025-04-01", "window_end": "2025-09-01"},
        headers={**JSON, **admin},
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["window"]["start"] == "2025-04-01"
    response = ingest_client.post(
        f"/v1/sources/{source_id}/feed", content=sample_feed(), headers={**ICAL, **vendor}
    )
    body = response.json()
    assert body["received"] == 0
    assert body["window"] == {"start": "2025-04-01", "end": "2025-09-01"}
    assert body["outside_window"] > 0
    assert any("outside the source's window" in item["message"] for item in body["warnings"])
    widened = ingest_client.patch(
        url, json={"window_start": "2025-03-01", "horizon_days": 200}, headers={**JSON, **admin}
    )
    assert widened.status_code == 200
    assert _push_result(ingest_client, source_id, vendor)["received"] == 65
    # A window that ends before it starts is refused, naming the field.
    refused = ingest_client.patch(url, json={"window_end": "2025-01-01"}, headers={**JSON, **admin})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "body.window_end"
    # A vendor's key may not change its source; unknown fields are refused.
    assert ingest_client.patch(url, json={}, headers={**JSON, **vendor}).status_code == 403
    assert (
        ingest_client.patch(url, json={"colour": 1}, headers={**JSON, **admin}).status_code == 422
    )
    # Audited: each change is a row with the route, the source and the key.
    session.expire_all()
    patches = session.scalars(
        select(AuditEvent).where(AuditEvent.method == "PATCH").order_by(AuditEvent.id)
    ).all()
    assert [(event.route, event.scope_kind, event.scope_code, event.status) for event in patches][
        :2
    ] == [
        ("/v1/sources/{source_id}", "source", str(source_id), 200),
        ("/v1/sources/{source_id}", "source", str(source_id), 200),
    ]


def _push_result(client: AppClient, source_id: int, key: dict[str, str]) -> dict[str, object]:
    response = client.post(
        f"/v1/sources/{source_id}/feed", content=sample_feed(), headers={**ICAL, **key}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_participant_rules_and_settings_change_and_reset(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    admin = make_key(Scope.ADMIN)
    url = f"/v1/sources/{sample_ditep.claire_source_id}"
    changed = ingest_client.patch(
        url,
        json={
            "youth_markers": ["usager", "beneficiaire"],
            "count_validated_only": True,
            "mass_delete_share": 0.3,
            "format": "fhir",
        },
        headers={**JSON, **admin},
    ).json()
    assert changed["participant_rules"]["youth_markers"] == ["USAGER", "BENEFICIAIRE"]
    assert (changed["count_validated_only"], changed["mass_delete_share"], changed["format"]) == (
        True,
        0.3,
        "fhir",
    )
    reset = ingest_client.patch(url, json={"youth_markers": None}, headers={**JSON, **admin})
    assert reset.json()["participant_rules"]["youth_markers"] is None


def test_a_disabled_source_refuses_pushes_until_enabled(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    admin = make_key(Scope.ADMIN)
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    disabled = ingest_client.patch(
        f"/v1/sources/{source_id}", json={"enabled": False}, headers={**JSON, **admin}
    )
    assert disabled.json()["enabled"] is False
    assert disabled.json()["disabled_at"] is not None
    refused = ingest_client.post(
        f"/v1/sources/{source_id}/feed", content=sample_feed(), headers={**ICAL, **vendor}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/source-disabled"
    assert "disabled" in refused.json()["detail"]
    rehearsal = ingest_client.post(
        f"/v1/sources/{source_id}/feed",
        params={"dry_run": "true"},
        content=sample_feed(),
        headers={**ICAL, **vendor},
    )
    assert rehearsal.status_code == 409
    session.expire_all()
    assert session.scalars(select(FeedImport.id)).all() == []  # nothing stored
    ingest_client.patch(
        f"/v1/sources/{source_id}", json={"enabled": True}, headers={**JSON, **admin}
    )
    assert _push_result(ingest_client, source_id, vendor)["status"] == "processed"


def test_find_one_session_by_uid_and_time(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    _push(ingest_client, source_id, vendor)
    url = f"/v1/sources/{source_id}/sessions"
    found = ingest_client.get(url, params={"uid": LUCAS_ESS}, headers=vendor)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["total"] == 1
    (ess,) = body["sessions"]
    assert ess["uid"] == LUCAS_ESS
    assert ess["title"] == "ESS collège Jean Moulin"
    assert ess["explanation"] == f"/v1/sessions/{ess['session_id']}/classification"
    # A day's sessions, naive instants read in the establishment's zone (Europe/Paris).
    day = ingest_client.get(
        url, params={"start": "2025-03-20T00:00:00", "end": "2025-03-21T00:00:00"}, headers=vendor
    ).json()
    assert LUCAS_ESS in {item["uid"] for item in day["sessions"]}
    assert all(item["start"] < "2025-03-21" for item in day["sessions"])
    paged = ingest_client.get(url, params={"limit": 10, "offset": 60}, headers=vendor).json()
    assert (paged["total"], len(paged["sessions"])) == (65, 5)


def test_the_explanation_names_its_session_and_says_why_it_counts(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    _push(ingest_client, source_id, vendor)
    sessions = ingest_client.get(
        f"/v1/sources/{source_id}/sessions", params={"limit": 500}, headers=vendor
    ).json()["sessions"]
    ess = next(item for item in sessions if item["uid"] == LUCAS_ESS)
    cancelled = next(item for item in sessions if item["status"] == "cancelled")
    explained = ingest_client.get(ess["explanation"], headers=vendor)
    assert explained.status_code == 200, explained.text
    body = explained.json()
    assert body["session"]["uid"] == LUCAS_ESS
    assert body["session"]["title"] == "ESS collège Jean Moulin"
    assert body["session"]["start"] == ess["start"]
    counting = body["counting"]
    assert counting["counted"] is True  # done, classified (coordination, held without Lucas)
    assert counting["in_window"] is True
    assert counting["reasons"][0] == "status done (réalisé): counted"
    assert any("held for them without them" in reason for reason in counting["reasons"])
    assert any("no known pathway period" in reason for reason in counting["reasons"])
    not_counted = ingest_client.get(cancelled["explanation"], headers=vendor).json()["counting"]
    assert not_counted["counted"] is False
    assert any("cancelled" in reason for reason in not_counted["reasons"])


def test_the_imports_of_a_source_page_newest_first(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    ids = [_push(ingest_client, source_id, vendor) for _ in range(3)]
    page = ingest_client.get(
        "/v1/imports", params={"source": source_id, "limit": 2}, headers=vendor
    ).json()
    assert page["total"] == 3
    assert [item["import_id"] for item in page["imports"]] == [ids[2], ids[1]]
    assert page["imports"][1]["unchanged"] == 65
    rest = ingest_client.get(
        "/v1/imports", params={"source": source_id, "limit": 2, "offset": 2}, headers=vendor
    ).json()
    assert [item["import_id"] for item in rest["imports"]] == [ids[0]]
    assert rest["imports"][0]["created"] == 65
    other = make_key(Scope.FEEDS_WRITE, finess=("130000000",))
    assert (
        ingest_client.get("/v1/imports", params={"source": source_id}, headers=other).status_code
        == 404
    )


def test_a_vendor_key_reads_its_work_not_the_counts(
    ingest_client: AppClient,
    api_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    """feeds:write bound to the establishment: imports, sessions, explanations and dry
    runs; the establishment's counts need activity:read."""
    vendor = make_key(Scope.FEEDS_WRITE, finess=(sample_ditep.finess,))
    source_id = sample_ditep.establishment_source_id
    import_id = _push(ingest_client, source_id, vendor)
    sessions = ingest_client.get(f"/v1/sources/{source_id}/sessions", headers=vendor)
    assert sessions.status_code == 200
    first = sessions.json()["sessions"][0]
    reads = {
        "import": ingest_client.get(f"/v1/imports/{import_id}", headers=vendor),
        "imports": ingest_client.get("/v1/imports", params={"source": source_id}, headers=vendor),
        "explanation": ingest_client.get(first["explanation"], headers=vendor),
        "dry run": ingest_client.post(
            f"/v1/sources/{source_id}/feed",
            params={"dry_run": "true"},
            content=sample_feed(),
            headers={**ICAL, **vendor},
        ),
    }
    assert {name: response.status_code for name, response in reads.items()} == dict.fromkeys(
        reads, 200
    )
    counts = api_client.get(
        f"/v1/establishments/{sample_ditep.finess}/activity",
        params={"period": "2025-03"},
        headers=vendor,
    )
    assert counts.status_code == 403
    assert "activity:read" in counts.json()["detail"]
    with_counts = make_key(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    assert (
        api_client.get(
            f"/v1/establishments/{sample_ditep.finess}/activity",
            params={"period": "2025-03"},
            headers=with_counts,
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("youth_uri_prefixes", ["urn:ins:\u0000"]),
        ("youth_markers", ["JEUNE\ud800"]),
        ("name", "Agenda\u0000 de Claire"),
    ],
)
def test_text_a_database_cannot_keep_is_a_422_naming_the_field(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    field: str,
    value: object,
) -> None:
    """NUL (PostgreSQL refuses it in text) and a lone surrogate (not UTF-8) were a 500 at
    the UPDATE; they are refused with the field's name, and nothing changes."""
    admin = make_key(Scope.ADMIN)
    url = f"/v1/sources/{sample_ditep.claire_source_id}"
    before = ingest_client.get(url, headers=admin).json()
    # json.dumps escapes the surrogate (\\ud800), as a client in another language would send it.
    body = json.dumps({field: value})
    refused = ingest_client.patch(url, content=body, headers={**JSON, **admin})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text
    assert ingest_client.get(url, headers=admin).json() == before
