"""Rule sets through the API: versions, ingestion with them, explain, review, dry run,
reclassify — on the sample DITEP, on both databases."""

from __future__ import annotations

from typing import Any

from agenda_ingest.classification.engine import default_rule_set, default_rules_text
from ditep_core.db import Database
from tests.conftest import SampleDitep, push_both_sample_feeds, sample_feed
from tests.http import AppClient
from tests.rule_texts import taxi_left_unknown

FINESS = "690000017"
# The taxi becomes unknown words, so that it lands in the review queue.
UNKNOWN_TAXI = taxi_left_unknown(default_rules_text())


def _sessions(database: Database) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from ditep_core.models import AgendaSession

    with database.unit_of_work() as session:
        rows = session.execute(
            select(
                AgendaSession.id,
                AgendaSession.summary,
                AgendaSession.activity,
                AgendaSession.rule_id,
                AgendaSession.rule_set_version,
            ).order_by(AgendaSession.id)
        )
        return [dict(row._mapping) for row in rows]


def _post_rules(client: AppClient, key: dict[str, str], text: str) -> Any:
    return client.post(
        f"/v1/establishments/{FINESS}/rulesets",
        content=text.encode(),
        headers={"Content-Type": "application/yaml", **key},
    )


def test_versions_are_validated_stored_and_used_by_ingestion(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    listed = ingest_client.get(f"/v1/establishments/{FINESS}/rulesets", headers=keys["read"])
    assert listed.json()["uses_default"] is True
    assert listed.json()["active_version"] == default_rule_set().version

    bad = _post_rules(
        ingest_client, keys["admin"], UNKNOWN_TAXI.replace("activity: transport", "activity: taxi")
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {(e["rule"], e["field"]) for e in bad.json()["errors"]} >= {
        ("serafin-transport", "then.activity")
    }
    assert _post_rules(ingest_client, keys["read"], UNKNOWN_TAXI).status_code == 403
    assert _post_rules(ingest_client, keys["other"], UNKNOWN_TAXI).status_code == 403

    created = _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI)
    assert created.status_code == 201, created.text
    version = created.json()["version"]
    assert version.startswith(f"{FINESS}-v1-")
    assert _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI).status_code == 200
    stored = ingest_client.get(f"/v1/establishments/{FINESS}/rulesets/1", headers=keys["read"])
    assert stored.json()["document"] == UNKNOWN_TAXI

    push_both_sample_feeds(ingest_client, sample_ditep, keys["feeds"])
    sessions = _sessions(database)
    assert {row["rule_set_version"] for row in sessions} == {version}
    taxis = [row for row in sessions if row["summary"].startswith("Taxi")]
    assert taxis
    assert {row["activity"].value for row in taxis} == {"unclassified"}


def test_explain_review_manual_rule_and_reclassify(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    assert _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI).status_code == 201
    push_both_sample_feeds(ingest_client, sample_ditep, keys["feeds"])
    sessions = _sessions(database)
    vad = next(row for row in sessions if row["summary"] == "VAD famille")

    explained = ingest_client.get(
        f"/v1/sessions/{vad['id']}/classification", headers=keys["read"]
    ).json()
    # A VAD with the SESSAD named (CATEGORIES:SESSAD) is at the home whatever the SESSAD
    # says: the home its place names (a place saying elsewhere would win).
    assert explained["matched"]["rule_id"] == "vad-avant-partenaires"
    assert "word too «sessad»" in explained["matched"]["evidence"]
    assert explained["setting_evidence"] == "location word «domicile»"
    assert explained["setting"] == "domicile"
    assert explained["tried_before"][0]["rule_id"] == "hors-prestation-flag"
    assert explained["consistent"] is True
    other = ingest_client.get(f"/v1/sessions/{vad['id']}/classification", headers=keys["other"])
    assert other.status_code == 404  # another establishment's session: as an unknown one
    assert other.json()["detail"] == f"no session {vad['id']}"

    queue = ingest_client.get(f"/v1/establishments/{FINESS}/review", headers=keys["read"]).json()
    [group] = queue["groups"]
    assert (group["key"], group["sessions"]) == (
        "taxi domicile ditep",
        queue["unclassified_sessions"],
    )

    manual = ingest_client.post(
        f"/v1/establishments/{FINESS}/review/{group['group']}/classification",
        json={"activity": "transport", "setting": "inconnu", "nature": "direct"},
        headers=keys["feeds"],
    )
    assert manual.json()["sessions_classified"] == group["sessions"]
    taxis = [row for row in _sessions(database) if row["summary"].startswith("Taxi")]
    assert {row["activity"].value for row in taxis} == {"transport"}
    assert all(row["rule_id"].startswith("manual:") for row in taxis)

    # A re-import keeps the manual classification (keyed on source, UID, recurrence id).
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=sample_feed().replace(b"SUMMARY:Taxi", b"SUMMARY:Taxi matin"),
        headers={"Content-Type": "text/calendar", **keys["feeds"]},
    )
    assert response.status_code == 201
    taxis = [row for row in _sessions(database) if row["summary"].startswith("Taxi")]
    assert {row["activity"].value for row in taxis} == {"transport"}
    assert (
        ingest_client.get(f"/v1/establishments/{FINESS}/review", headers=keys["read"]).json()[
            "groups"
        ]
        == []
    )


def test_a_group_becomes_a_rule_in_one_call(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    assert _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI).status_code == 201
    push_both_sample_feeds(ingest_client, sample_ditep, keys["feeds"])
    [group] = ingest_client.get(f"/v1/establishments/{FINESS}/review", headers=keys["read"]).json()[
        "groups"
    ]
    made = ingest_client.post(
        f"/v1/establishments/{FINESS}/review/{group['group']}/rule",
        json={"activity": "transport", "setting": "inconnu", "rule_id": "taxi-local"},
        headers=keys["admin"],
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["rule_set_number"] == 2
    run = body["reclassification"]
    assert run["before"]["unclassified"] == group["sessions"]
    assert run["after"]["transport"] == group["sessions"]
    assert "unclassified" not in run["after"]
    assert run["sessions_changed"] == run["sessions_examined"]  # the version changed on all
    rows = _sessions(database)
    assert {row["rule_set_version"] for row in rows} == {body["rule_set_version"]}
    assert {row["rule_id"] for row in rows if row["summary"].startswith("Taxi")} == {"taxi-local"}

    again = ingest_client.post(f"/v1/establishments/{FINESS}/reclassify", headers=keys["admin"])
    assert again.json()["sessions_changed"] == 0
    assert again.json()["before"] == again.json()["after"]
    refused = ingest_client.post(f"/v1/establishments/{FINESS}/reclassify", headers=keys["read"])
    assert refused.status_code == 403
    runs = ingest_client.get(
        f"/v1/establishments/{FINESS}/reclassifications", headers=keys["read"]
    ).json()
    assert [run["sessions_changed"] for run in runs] == [0, run["sessions_changed"]]


def test_dry_run_classifies_and_counts_without_storing(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    request = {
        "feed": sample_feed().decode(),
        "format": "ical",
        "window_start": "2024-09-01",
        "window_end": "2025-09-01",
    }
    default = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run", json=request, headers=keys["read"]
    )
    assert default.status_code == 200, default.text
    body = default.json()
    assert len(body["sessions"]) == 65
    assert body["rule_set_version"] == default_rule_set().version
    assert body["sessions_by_activity"]["transport"] > 0
    assert body["figures"]["file_active"]["total"] == 4

    tried = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={**request, "rules": UNKNOWN_TAXI},
        headers=keys["read"],
    ).json()
    assert "transport" not in tried["sessions_by_activity"]
    assert (
        tried["sessions_by_activity"]["unclassified"] == body["sessions_by_activity"]["transport"]
    )
    assert tried["rule_set_version"].startswith("dry-run-")
    assert _sessions(database) == []

    invalid = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={**request, "rules": "rules: []"},
        headers=keys["read"],
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "rules"


def test_dry_run_of_a_fhir_feed(
    ingest_client: AppClient, sample_ditep: SampleDitep, keys: dict[str, dict[str, str]]
) -> None:
    import json

    from tests.agenda_ingest.parsing.fhir.test_fhir_docs import _examples

    bundle = _examples()[1]
    response = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={
            "feed": json.dumps(bundle),
            "format": "fhir",
            "window_start": "2024-09-01",
            "window_end": "2025-09-01",
        },
        headers=keys["read"],
    )
    assert response.status_code == 200, response.text
    [only] = response.json()["sessions"]
    assert (only["activity"], only["serafin"], only["rule"]) == (
        "ambulatoire",
        "2.1.1.2",
        "serafin-ambulatoire",
    )
    assert response.json()["figures"]["file_active"]["total"] == 1
    unreadable = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={"feed": "{not json", "format": "fhir"},
        headers=keys["read"],
    )
    assert unreadable.status_code == 422
    assert unreadable.json()["type"] == "/problems/feed-rejected"
    # The FHIR document itself as JSON (not a string holding it): the same answer.
    as_json = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={
            "feed": bundle,
            "format": "fhir",
            "window_start": "2024-09-01",
            "window_end": "2025-09-01",
        },
        headers=keys["read"],
    )
    assert as_json.status_code == 200, as_json.text
    assert as_json.json() == response.json()
    ical_as_json = ingest_client.post(
        f"/v1/establishments/{FINESS}/rulesets/dry-run",
        json={"feed": {"not": "text"}, "format": "ical"},
        headers=keys["read"],
    )
    assert ical_as_json.status_code == 422
    assert ical_as_json.json()["errors"][0]["location"] == "body.feed"


def test_counts_follow_a_reclassification(
    ingest_client: AppClient,
    api_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
) -> None:
    def quality() -> dict[str, int]:
        response = api_client.get(
            f"/v1/establishments/{FINESS}/activity",
            params={"start": "2025-03-01", "end": "2025-04-01"},
            headers=keys["read"],
        )
        assert response.status_code == 200, response.text
        body: dict[str, int] = response.json()["quality"]
        return body

    push_both_sample_feeds(ingest_client, sample_ditep, keys["feeds"])
    before = quality()
    assert before["unclassified"] == 0
    assert _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI).status_code == 201
    assert quality() == before  # stored sessions keep their classification until reclassified
    run = ingest_client.post(f"/v1/establishments/{FINESS}/reclassify", headers=keys["admin"])
    taxis = run.json()["after"]["unclassified"]
    after = quality()
    assert after["unclassified"] == taxis > 0
    assert after["counted"] == before["counted"] - taxis


def test_sessions_a_fallback_rule_classified_are_listed_for_review(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    keys: dict[str, dict[str, str]],
    database: Database,
) -> None:
    """Three young people (a group: two are not) with a professional and no telling word:
    counted as accueil de jour by a fallback rule (flag low_confidence), and listed in the
    review queue until set by hand."""
    assert _post_rules(ingest_client, keys["admin"], UNKNOWN_TAXI).status_code == 201
    feed = sample_feed().replace(
        b"CATEGORIES:TRANSPORT\r\n",
        b"CATEGORIES:TRANSPORT\r\nATTENDEE;CN=Paul B.:mailto:paul.b@ditep-cedres.example\r\n"
        b"ATTENDEE;X-DUI-TYPE=USAGER;CN=Noah P.:urn:uuid:3f0c6a52-8a51-4f7e-9a43-1b2c3d4e5f60\r\n"
        b"ATTENDEE;X-DUI-TYPE=USAGER;CN=Lina R.:urn:uuid:7a1d2e3f-4b5c-4d6e-8f90-a1b2c3d4e5f6\r\n",
    )
    assert b"mailto:paul.b@" in feed
    response = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=feed,
        headers={"Content-Type": "text/calendar", **keys["feeds"]},
    )
    assert response.status_code == 201, response.text
    taxis = [row for row in _sessions(database) if row["summary"].startswith("Taxi")]
    assert {(row["activity"].value, row["rule_id"]) for row in taxis} == {
        ("accueil_jour", "repli-groupe-de-jeunes")
    }

    queue = ingest_client.get(f"/v1/establishments/{FINESS}/review", headers=keys["read"]).json()
    [group] = queue["groups"]
    assert (group["reason"], group["classified_as"], group["rule_id"]) == (
        "low_confidence",
        "accueil_jour",
        "repli-groupe-de-jeunes",
    )
    assert (queue["unclassified_sessions"], queue["low_confidence_sessions"]) == (
        0,
        len(taxis),
    )
    manual = ingest_client.post(
        f"/v1/establishments/{FINESS}/review/{group['group']}/classification",
        json={"activity": "transport", "setting": "inconnu", "nature": "direct"},
        headers=keys["feeds"],
    )
    assert manual.json()["sessions_classified"] == len(taxis)
    taxis = [row for row in _sessions(database) if row["summary"].startswith("Taxi")]
    assert {row["activity"].value for row in taxis} == {"transport"}
    queue = ingest_client.get(f"/v1/establishments/{FINESS}/review", headers=keys["read"]).json()
    assert queue["groups"] == []
