"""What the OpenAPI contract run (schemathesis) found, pinned down one by one."""

from __future__ import annotations

from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep
from tests.http import AppClient


def test_a_405_allows_every_method_routed_at_the_path(
    ingest_client: AppClient, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ADMIN)
    # GET and POST are two routes at this path; Starlette's 405 named the first only.
    listing = ingest_client.request("OPTIONS", "/v1/establishments/690000017/rulesets", headers=key)
    assert listing.status_code == 405
    assert listing.headers["allow"] == "GET, POST"
    # Not the versions' GET: "dry-run" is not a version number.
    dry_run = ingest_client.get("/v1/establishments/690000017/rulesets/dry-run", headers=key)
    assert dry_run.status_code == 405
    assert dry_run.headers["allow"] == "POST"


def test_a_dry_run_window_ending_before_it_starts_is_a_422(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    response = ingest_client.post(
        f"/v1/establishments/{sample_ditep.finess}/rulesets/dry-run",
        json={"feed": "", "format": "ical", "window_start": "2025-01-01", "window_end": 0},
        headers=make_key(Scope.ACTIVITY_READ),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == "body.window_end"


def test_a_csv_upload_without_its_columns_replaces_nothing(
    api_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    for route in ("pathways", "complexity-flags"):
        response = api_client.request(
            "PUT",
            f"/v1/establishments/{sample_ditep.finess}/{route}",
            content=b"{}",
            headers={"Content-Type": "text/csv", **key},
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["message"].startswith("missing column youth_id")


def test_audit_instants_are_iso_date_times(api_client: AppClient, make_key: KeyMaker) -> None:
    key = make_key(Scope.ADMIN)
    assert api_client.get("/v1/audit", params={"to": "0.5"}, headers=key).status_code == 422
    assert (
        api_client.get("/v1/audit", params={"to": "2025-03-01T00:00:00Z"}, headers=key).status_code
        == 200
    )
