"""API keys: required everywhere but health, scoped, and bound to establishments or regions."""

from __future__ import annotations

import pytest

from ditep_core.auth.service import revoke_key
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep
from tests.http import AppClient

ACTIVITY = "/v1/establishments/690000017/activity?start=2025-03-01&end=2025-04-01"


def test_health_is_open(api_client: AppClient, ingest_client: AppClient) -> None:
    for client in (api_client, ingest_client):
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200


def test_no_key_is_401_with_bearer_challenge(
    api_client: AppClient, sample_ditep: SampleDitep
) -> None:
    response = api_client.get(ACTIVITY)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_or_malformed_key_is_401(api_client: AppClient, sample_ditep: SampleDitep) -> None:
    for value in ("Bearer nope", "Bearer ditep_abc_def", "Basic Zm9vOmJhcg=="):
        assert api_client.get(ACTIVITY, headers={"Authorization": value}).status_code == 401


def test_missing_scope_is_403(
    api_client: AppClient, ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    writer = make_key(Scope.FEEDS_WRITE)
    response = api_client.get(ACTIVITY, headers=writer)
    assert response.status_code == 403
    assert "activity:read" in response.json()["detail"]
    reader = make_key(Scope.ACTIVITY_READ)
    pushed = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        headers={"Content-Type": "text/calendar", **reader},
    )
    assert pushed.status_code == 403


def test_admin_scope_grants_every_route(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    assert api_client.get(ACTIVITY, headers=make_key(Scope.ADMIN)).status_code == 200


@pytest.mark.parametrize(
    ("finess", "regions", "expected"),
    [
        (("690000017",), (), 200),
        (("750000001",), (), 403),
        # Keys bound to a region with activity:read (made before the binding rules):
        # aggregate-only, even in their own region.
        ((), ("84",), 403),
        ((), ("11",), 403),
    ],
)
def test_tenancy(
    api_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    finess: tuple[str, ...],
    regions: tuple[str, ...],
    expected: int,
) -> None:
    key = (make_key.legacy if regions else make_key)(
        Scope.ACTIVITY_READ, finess=finess, regions=regions
    )
    assert api_client.get(ACTIVITY, headers=key).status_code == expected


def test_bound_key_gets_403_not_404_for_unknown_establishment(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ, finess=("690000017",))
    response = api_client.get(
        "/v1/establishments/750000001/activity?start=2025-03-01&end=2025-04-01", headers=key
    )
    assert response.status_code == 403


def test_bound_key_cannot_push_to_another_establishment(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=("750000001",))
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        headers={"Content-Type": "text/calendar", **key},
    )
    # Another establishment's source answers as an unknown one (issue 14).
    assert response.status_code == 404
    assert response.json()["detail"] == f"no source {sample_ditep.establishment_source_id}"


def test_revoked_key_is_401(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, database: Database
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    assert api_client.get(ACTIVITY, headers=key).status_code == 200
    with database.unit_of_work() as session:
        from ditep_core.auth.repository import ApiClientRepository

        newest = ApiClientRepository(session).list_all()[-1]
        revoke_key(session, newest.id)
    assert api_client.get(ACTIVITY, headers=key).status_code == 401


def test_only_the_key_hash_is_stored(database: Database) -> None:
    from ditep_core.auth.service import create_key

    with database.unit_of_work() as session:
        client, generated = create_key(session, name="x", scopes=[Scope.ADMIN])
        assert generated.plaintext not in (client.key_hash, client.key_prefix)
        assert len(client.key_hash) == 64
