"""The place registry through the API (issue 20): set, read, errors naming the field, used by
ingestion and by explain — on the sample DITEP, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ditep_core.db import Database
from ditep_core.models import AgendaSession
from tests.conftest import SAMPLES_DIR, SampleDitep, push_both_sample_feeds
from tests.http import AppClient

FINESS = "690000017"
REGISTRY = (SAMPLES_DIR / "places.yaml").read_text(encoding="utf-8")


def _put(client: AppClient, key: dict[str, str], text: str) -> Any:
    return client.request(
        "PUT",
        f"/v1/establishments/{FINESS}/places",
        content=text.encode(),
        headers={"Content-Type": "application/yaml", **key},
    )


def _classified(database: Database) -> dict[str, tuple[str, str, str]]:
    with database.unit_of_work() as session:
        rows = session.execute(
            select(
                AgendaSession.summary,
                AgendaSession.activity,
                AgendaSession.setting,
                AgendaSession.rule_set_version,
            )
        )
        return {
            row.summary: (row.activity.value, row.setting.value, row.rule_set_version)
            for row in rows
        }


def test_a_registry_is_set_read_and_used_by_ingestion(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    places = f"/v1/establishments/{FINESS}/places"
    assert ingest_client.get(places, headers=keys["read"]).status_code == 404
    assert _put(ingest_client, keys["read"], REGISTRY).status_code == 403
    assert _put(ingest_client, keys["other"], REGISTRY).status_code == 403

    stored = _put(ingest_client, keys["admin"], REGISTRY)
    assert stored.status_code == 200, stored.text
    assert (stored.json()["own_places"], stored.json()["partner_places"]) == (6, 2)
    read = ingest_client.get(places, headers=keys["read"]).json()
    assert read["document"] == REGISTRY
    listed = ingest_client.get(f"/v1/establishments/{FINESS}/rulesets", headers=keys["read"])
    assert "+places-" in listed.json()["active_version"]

    push_both_sample_feeds(ingest_client, sample_ditep, keys["feeds"])
    classified = _classified(database)
    # The sample's sessions keep their classification; the version names the registry.
    assert classified["Semi-internat groupe Les Tilleuls"][:2] == ("accueil_jour", "site")
    assert classified["Appui équipe enseignante école Jaurès"][:2] == (
        "appui_ressources",
        "ecole",
    )
    assert classified["VAD famille"][:2] == ("ambulatoire", "domicile")
    assert all("+places-" in version for _a, _s, version in classified.values())

    # Explain still finds the rule set of a stored session (registry included).
    with database.unit_of_work() as session:
        session_id = session.scalars(
            select(AgendaSession.id).where(AgendaSession.summary == "VAD famille")
        ).first()
    explained = ingest_client.get(f"/v1/sessions/{session_id}/classification", headers=keys["read"])
    assert explained.status_code == 200, explained.text

    assert ingest_client.request("DELETE", places, headers=keys["admin"]).status_code == 204
    assert ingest_client.get(places, headers=keys["read"]).status_code == 404


def test_a_duplicate_alias_is_a_problem_naming_the_field(
    ingest_client: AppClient, sample_ditep: SampleDitep, keys: dict[str, dict[str, str]]
) -> None:
    duplicate = REGISTRY + "  - {name: CMP Bron, kind: care, aliases: [Les Tilleuls]}\n"
    response = _put(ingest_client, keys["admin"], duplicate)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["location"] == "partners[2].aliases[0]"
    assert "already given at own[4].aliases[0]" in error["message"]
    unknown_kind = _put(ingest_client, keys["admin"], "own:\n  - {name: X, kind: castle}\n")
    assert unknown_kind.status_code == 422
    assert unknown_kind.json()["errors"][0]["location"] == "own.0.kind"
