"""Counts served by activity-api from what agenda-ingest stored."""

from __future__ import annotations

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep
from tests.http import AppClient


def _activity(client: AppClient, key: dict[str, str], start: str, end: str) -> dict[str, object]:
    response = client.get(
        "/v1/establishments/690000017/activity", params={"start": start, "end": end}, headers=key
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_march_file_active_by_modality(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    body = _activity(api_client, make_key(Scope.ACTIVITY_READ), "2025-03-01", "2025-04-01")
    # Lucas: internat, semi-internat, SESSAD; Inès: internat, atelier, orthophonie;
    # Noah: SESSAD only; Jade: semi-internat (her ULIS class is hors prestation).
    assert body["file_active"] == {
        "total": 4,
        # No pathway period is known: everyone counts as accompagnement, and quality says so.
        "by_status": {
            "pre_admission": 0,
            "accompagnement": 4,
            "suivi_post_sortie": 0,
            "ponctuel": 0,
        },
        "by_modality": {"accueil_nuit": 2, "accueil_jour": 3, "ambulatoire": 3},
    }
    assert body["period"] == {
        "code": "2025-03-01..2025-04-01",
        "start": "2025-03-01",
        "end": "2025-04-01",
        "timezone": "Europe/Paris",
    }
    quality = body["quality"]
    assert isinstance(quality, dict)
    # 65 occurrences from the export and 15 from Claire's agenda start in March;
    # 14 of hers are the export's sessions (same UID): merged, counted once.
    assert quality["received"] == 80
    assert quality["duplicates_merged"] == 14
    assert quality["cancelled"] == 1
    assert quality["unclassified"] == 0
    assert quality["counted"] == 65


def test_one_friday_by_hand(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    """Friday 2025-03-14, computed by hand.

    Noah: SESSAD in class 09:00-10:30 with Karim (ambulatoire, direct): the morning
    half-day, 1 acte, 1 séance. Lucas: the PPA synthesis 14:00-15:00 without him
    (coordination, indirect), in both the export and Claire's agenda: counted once.
    Jade: ULIS class, no professional (hors prestation): not in the file active.
    Hours belong to ISO weeks (the period holding their Thursday): a Friday has none.
    """
    body = _activity(api_client, make_key(Scope.ACTIVITY_READ), "2025-03-14", "2025-03-15")
    assert body["file_active"] == {
        "total": 2,
        "by_status": {
            "pre_admission": 0,
            "accompagnement": 2,
            "suivi_post_sortie": 0,
            "ponctuel": 0,
        },
        "by_modality": {"accueil_nuit": 0, "accueil_jour": 0, "ambulatoire": 1},
    }
    assert body["days"] == {
        "journees": {"total": 0.5, "accueil_nuit": 0.0, "accueil_jour": 0.0, "ambulatoire": 0.5},
        "nuits": 0,
        "absences": 0,
        "absent_sessions": 0,
    }
    assert body["acts"] == {"actes": 1, "seances": 1}
    hours = body["hours"]
    assert isinstance(hours, dict)
    assert (hours["direct"], hours["indirect"]) == (0.0, 0.0)
    assert body["units"]["youth_weeks"] == 0  # type: ignore[index]


def test_one_tuesday_by_hand(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    """Tuesday 2025-03-11, half-days by hand.

    Lucas: internat 18:00 → Wed 08:00, overlapping the afternoon (accueil de nuit)
    and the night window that starts this date: 1 half-day, 1 nuit. Inès: Monday's
    internat until 08:30 overlaps the morning (accueil de nuit), her atelier 09:00-16:00
    both half-days (accueil de jour): 2 half-days, the morning in both modalities.
    Jade: semi-internat 09:00-16:30: 2 half-days. The team meeting has no young person.
    """
    body = _activity(api_client, make_key(Scope.ACTIVITY_READ), "2025-03-11", "2025-03-12")
    assert body["days"]["journees"] == {  # type: ignore[index]
        "total": 2.5,
        "accueil_nuit": 1.0,
        "accueil_jour": 2.0,
        "ambulatoire": 0.0,
    }
    assert body["days"]["nuits"] == 1  # type: ignore[index]
    assert body["file_active"]["by_modality"] == {  # type: ignore[index]
        "accueil_nuit": 1,
        "accueil_jour": 2,
        "ambulatoire": 0,
    }
    assert body["file_active"]["total"] == 3  # type: ignore[index]


def test_counts_follow_a_new_push(
    api_client: AppClient,
    ingest_client: AppClient,
    ingested: SampleDitep,
    make_key: KeyMaker,
) -> None:
    reader = make_key(Scope.ACTIVITY_READ)
    before = _activity(api_client, reader, "2025-03-01", "2025-04-01")
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"
    for source_id in (ingested.establishment_source_id, ingested.claire_source_id):
        # Emptying a source is a mass deletion: said explicitly.
        response = ingest_client.post(
            f"/v1/sources/{source_id}/feed",
            params={"allow_mass_delete": "true"},
            content=empty,
            headers={"Content-Type": "text/calendar", **make_key(Scope.FEEDS_WRITE)},
        )
        assert response.status_code == 201
    after = _activity(api_client, reader, "2025-03-01", "2025-04-01")
    assert before["file_active"] != after["file_active"]
    assert after["file_active"]["total"] == 0  # type: ignore[index]
    assert after["hours"]["direct"] == 0.0  # type: ignore[index]


def test_invalid_period_is_a_validation_problem(
    api_client: AppClient, ingested: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    response = api_client.get(
        "/v1/establishments/690000017/activity",
        params={"start": "2025-04-01", "end": "2025-03-01"},
        headers=key,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "query.period",
            "message": "the period must end after it starts ('end' is exclusive)",
        }
    ]
    missing = api_client.get(
        "/v1/establishments/690000017/activity", params={"end": "2025-03-01"}, headers=key
    )
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "/problems/validation-error"
    assert [error["location"] for error in missing.json()["errors"]] == ["query.start"]


def test_unknown_establishment_is_404_for_a_national_key(
    api_client: AppClient, database: Database, make_key: KeyMaker
) -> None:
    response = api_client.get(
        "/v1/establishments/750000001/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=make_key(Scope.ACTIVITY_READ),
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_a_session_starting_exactly_at_the_period_start_is_counted(
    api_client: AppClient,
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    """Local midnight on both sides: the stored start and the query bound must compare equal
    (SQLite compares datetimes as text, so both must be written the same way)."""
    feed = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:midnight\r\nDTSTAMP:20250301T000000Z\r\n"
        b"DTSTART;TZID=Europe/Paris:20250301T000000\r\nDTEND;TZID=Europe/Paris:20250301T010000\r\n"
        b"SUMMARY:VAD famille\r\nSTATUS:CONFIRMED\r\n"
        b"ATTENDEE:urn:oid:1.2.250.1.213.1.4.8:1090375123456\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    pushed = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=feed,
        headers={"Content-Type": "text/calendar", **make_key(Scope.FEEDS_WRITE)},
    )
    assert pushed.status_code == 201, pushed.text
    key = make_key(Scope.ACTIVITY_READ)
    inside = _activity(api_client, key, "2025-03-01", "2025-03-02")
    before = _activity(api_client, key, "2025-02-28", "2025-03-01")
    assert inside["quality"]["received"] == 1  # type: ignore[index]
    assert before["quality"]["received"] == 0  # type: ignore[index]
