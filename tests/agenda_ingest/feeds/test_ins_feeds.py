"""One young person counted once: one INS in two spellings across an iCal and a FHIR feed,
and a FHIR session whose Patient reference resolves to nothing is rejected (issue 13)."""

from __future__ import annotations

import json
from typing import Any

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.conftest import (
    SAMPLE_FINESS,
    KeyMaker,
    SampleDitep,
    add_sample_source,
)
from tests.http import AppClient

NIR = "urn:oid:1.2.250.1.213.1.4.8"
INS_13 = "1090375123456"
INS_15 = "109037512345679"  # the same INS with its key
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"


def _ical(attendee: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\n"
        "BEGIN:VEVENT\r\nUID:ical-sessad-1@dui.example\r\n"
        "DTSTART;TZID=Europe/Paris:20250304T100000\r\n"
        "DTEND;TZID=Europe/Paris:20250304T110000\r\n"
        "SUMMARY:SESSAD orthophonie\r\nCATEGORIES:SESSAD\r\n"
        f"ATTENDEE;ROLE=REQ-PARTICIPANT:{attendee}\r\n"
        "ATTENDEE;X-DUI-FONCTION=orthophoniste:mailto:o.rtho@dui.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _event(eid: str, subject: str, day: int) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": eid,
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-evenement"]},
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"coding": [{"system": SERAFIN, "code": "2.1.1.2"}]}],
        "subject": {"reference": subject},
        "period": {
            "start": f"2025-03-{day:02d}T16:30:00+01:00",
            "end": f"2025-03-{day:02d}T17:15:00+01:00",
        },
    }


def _fhir(*events: dict[str, Any], ins: str = INS_15) -> bytes:
    patient = {
        "resourceType": "Patient",
        "id": "y-1",
        "identifier": [{"system": NIR, "value": ins}],
    }
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": resource} for resource in (patient, *events)],
        }
    ).encode()


def _push(
    client: AppClient, source_id: int, body: bytes, content_type: str, key: dict[str, str]
) -> dict[str, Any]:
    response = client.post(
        f"/v1/sources/{source_id}/feed",
        content=body,
        headers={"Content-Type": content_type, **key},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _file_active(client: AppClient, key: dict[str, str]) -> int:
    response = client.get(
        f"/v1/establishments/{SAMPLE_FINESS}/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=key,
    )
    assert response.status_code == 200, response.text
    total: int = response.json()["file_active"]["total"]
    return total


def test_one_ins_in_two_spellings_through_ical_and_fhir_is_one_young_person(
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    with database.unit_of_work() as unit:
        fhir_source = add_sample_source(unit, "TDDUI")
    write, read = make_key(Scope.FEEDS_WRITE), make_key(Scope.ACTIVITY_READ)
    ical = _push(
        ingest_client,
        sample_ditep.establishment_source_id,
        _ical(f"{NIR}:{INS_13}"),
        "text/calendar",
        write,
    )
    assert (ical["created"], ical["rejected"]) == (1, 0)
    fhir = _push(
        ingest_client,
        fhir_source,
        _fhir(_event("e1", "Patient/y-1", 5), _event("e2", "Patient/y-3", 6)),
        "application/fhir+json",
        write,
    )
    # The typo Patient/y-3 is rejected with its path: it would have been a second person.
    assert (fhir["created"], fhir["rejected"]) == (1, 1)
    [error] = fhir["errors"]
    assert error["path"] == "entry[2].resource.subject"
    assert error["uid"] == "Encounter/e2"
    assert error["message"].startswith("reference Patient/y-3 resolves to no Patient in the feed")
    assert _file_active(api_client, read) == 1

    # The INS with spaces in iCal, 13 digits in FHIR: still one young person.
    spaced = _push(
        ingest_client,
        sample_ditep.establishment_source_id,
        _ical("urn:oid:1.2.250.1.213.1.4.8:1 09 03 75 123 456 79"),
        "text/calendar",
        write,
    )
    assert (spaced["created"], spaced["updated"], spaced["rejected"]) == (0, 0, 0)
    _push(
        ingest_client,
        fhir_source,
        _fhir(_event("e1", "Patient/y-1", 5), ins=INS_13),
        "application/fhir+json",
        write,
    )
    assert _file_active(api_client, read) == 1

    # A wrong key: the event is rejected with its line.
    wrong = _push(
        ingest_client,
        sample_ditep.establishment_source_id,
        _ical(f"{NIR}:109037512345678"),
        "text/calendar",
        write,
    )
    assert wrong["rejected"] == 1
    assert wrong["errors"][0]["line"] == 4
    assert "the INS key 78 is wrong" in wrong["errors"][0]["message"]
