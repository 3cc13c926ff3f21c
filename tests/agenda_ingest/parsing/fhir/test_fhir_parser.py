"""The FHIR parser on small hand-made bodies: shapes, references, mapping, errors with paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agenda_ingest.classification.engine import SessionFacts, classify, serafin_codes
from agenda_ingest.parsing.drafts import DraftBuilder, SessionDraft
from agenda_ingest.parsing.fhir.parser import OUTSIDE_SERVICE_CODE, ParsedFhirFeed, parse_fhir
from agenda_ingest.parsing.normalised import FeedUnreadable, Occurrence, Participant
from agenda_ingest.parsing.participants import ParticipantOptions
from ditep_core.nomenclatures import (
    Activity,
    Nature,
    PathwayStatus,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
)
from tests.agenda_ingest.parsing.drafting import sample_draft_context

PARIS = ZoneInfo("Europe/Paris")
WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
NIR = "urn:oid:1.2.250.1.213.1.4.8"
UTC = dt.UTC


def parse(
    body: Any, window: tuple[dt.date, dt.date] = WINDOW, *, snapshot: bool = True
) -> ParsedFhirFeed:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_fhir(
        data, window_start=window[0], window_end=window[1], default_tz=PARIS, snapshot=snapshot
    )


def patient(pid: str = "p1", nir: str | None = "1090375123456") -> dict[str, Any]:
    identifiers = [{"system": "https://dui.example/usagers", "value": f"U-{pid}"}]
    if nir:
        identifiers.insert(0, {"system": NIR, "value": nir})
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": identifiers,
        "name": [{"family": "Martin", "given": ["Noah"]}],
    }


def practitioner(pid: str = "pr1", function: str = "Orthophoniste") -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": pid,
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": f"10{pid}"}],
        "name": [{"family": "Haddad"}],
        "qualification": [{"code": {"text": function}}],
    }


def event(eid: str = "e1", **changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": eid,
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-evenement"]},
        "extension": [{"url": f"{TDDUI}/tddui-event-label", "valueString": "Séance orthophonie"}],
        "identifier": [
            {"system": "https://identifiant-medicosocial-evenement.esante.gouv.fr", "value": eid}
        ],
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"coding": [{"system": SERAFIN, "code": "2.1.1.2", "display": "Rééducation"}]}],
        "subject": {"reference": "Patient/p1"},
        "participant": [{"individual": {"reference": "Practitioner/pr1"}}],
        "period": {"start": "2025-03-10T16:30:00+01:00", "end": "2025-03-10T17:15:00+01:00"},
    }
    resource.update(changes)
    return resource


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"https://dui.example/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            if "id" in r
            else {"resource": r}
            for r in resources
        ],
    }


def with_patient(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with the Patient it refers to (a feed must hold its young people)."""
    return bundle(resource, patient())


def only(feed: ParsedFhirFeed) -> Occurrence:
    assert feed.rejected == []
    assert len(feed.occurrences) == 1
    return feed.occurrences[0]


def people(occurrence: Occurrence) -> list[tuple[str, PersonKind | None, dict[str, str]]]:
    return [(p.identifier, p.kind_hint, p.params) for p in occurrence.participants]


# --- Shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["collection", "searchset", "transaction", "batch", "history"])
def test_every_bundle_type_gives_the_same_session(kind: str) -> None:
    feed = parse(bundle(patient(), practitioner(), event(), kind=kind))
    if kind == "history":
        # Read all the same, with a warning: the guide documents the four others only.
        (note,) = feed.rejected
        assert feed.warnings == 1
        assert note.message.startswith("warning: the Bundle's type is 'history'")
        feed.rejected.clear()
    occurrence = only(feed)
    assert occurrence.uid == "https://identifiant-medicosocial-evenement.esante.gouv.fr|e1"
    assert (occurrence.start, occurrence.end) == (
        dt.datetime(2025, 3, 10, 15, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 10, 16, 15, tzinfo=UTC),
    )
    assert occurrence.recurrence_id is None
    assert occurrence.categories == ()


def test_a_bare_array_and_a_lone_resource_are_read() -> None:
    array = parse([patient(), practitioner(), event()])
    assert people(only(array)) == [
        (f"{NIR}:1090375123456", PersonKind.YOUTH, {}),
        (
            "urn:oid:1.2.250.1.71.4.2.1|10pr1",
            PersonKind.PROFESSIONAL,
            {"X-FHIR-FONCTION": "orthophoniste"},
        ),
    ]
    alone = only(parse(with_patient(event())))
    assert [p[:2] for p in people(alone)] == [
        (f"{NIR}:1090375123456", PersonKind.YOUTH),
        # A professional not in the body: the reference identifies them.
        ("Practitioner/pr1", PersonKind.PROFESSIONAL),
    ]


def test_a_reference_to_a_patient_the_feed_does_not_hold_rejects_the_session() -> None:
    typo = event("e2", subject={"reference": "Patient/y-3"})
    feed = parse(bundle(patient(), event(), typo))
    assert len(feed.occurrences) == 1
    [error] = feed.rejected
    assert (error.path, error.uid) == (
        "entry[2].resource.subject",
        "https://identifiant-medicosocial-evenement.esante.gouv.fr|e2",
    )
    assert error.message.startswith("reference Patient/y-3 resolves to no Patient in the feed")
    # The same for an Appointment's actor, a stay's subject, a urn:uuid and a contained id.
    feed = parse(
        bundle(
            appointment(participant=[{"actor": {"reference": "Patient/y-3"}}]),
            event("e3", subject={"reference": "urn:uuid:0b6c5c36-6c3f-4f5b-9d0e-2f6a8a4c1e01"}),
            event("e4", subject={"reference": "#nobody"}),
        )
    )
    assert feed.occurrences == []
    assert [e.path for e in feed.rejected] == [
        "entry[0].resource.participant[0].actor",
        "entry[1].resource.subject",
        "entry[2].resource.subject",
    ]
    # A lone event: its Patient is not there either.
    assert [e.path for e in parse(event()).rejected] == ["subject"]


def test_a_reference_with_an_identifier_is_that_person_even_without_the_patient() -> None:
    ins = {"system": NIR, "value": "109037512345679"}  # with its key: the same INS
    occurrence = only(parse(event(subject={"reference": "Patient/y-3", "identifier": ins})))
    assert people(occurrence)[0][:2] == (f"{NIR}:1090375123456", PersonKind.YOUTH)
    local = {"system": "https://dui.example/usagers", "value": "U-p7"}
    occurrence = only(parse(event(subject={"reference": "Patient/p7", "identifier": local})))
    assert people(occurrence)[0][:2] == ("https://dui.example/usagers|U-p7", PersonKind.YOUTH)


def test_an_ins_with_its_key_or_spaces_is_the_same_ins_and_a_wrong_key_is_rejected() -> None:
    spelled = [
        patient("p1", nir="109037512345679"),
        patient("p2", nir="1 09 03 75 123 456 79"),
        patient("p3", nir="1.09.03.75.123.456"),
        patient("p4", nir="109037512345680"),  # the key of 1090375123456 is 79
        patient("p5", nir="10903751234"),
    ]
    events = [event(f"e{n}", subject={"reference": f"Patient/p{n}"}) for n in range(1, 6)]
    feed = parse(bundle(*spelled, *events))
    assert [people(o)[0][0] for o in feed.occurrences] == [f"{NIR}:1090375123456"] * 3
    assert [(e.path, e.message) for e in feed.rejected] == [
        (
            "entry[8].resource.subject",
            "the Patient at entry[3].resource, identifier[0]: the INS key 80 is wrong (the 13 "
            "characters give 79): a mistyped INS would count one young person twice",
        ),
        (
            "entry[9].resource.subject",
            "the Patient at entry[4].resource, identifier[0]: an INS has 13 characters "
            "(15 with its key), not 11",
        ),
    ]


def test_a_bundle_inside_a_bundle_is_read_with_its_path() -> None:
    inner = bundle(patient(), event(period={"start": "bad"}), kind="searchset")
    feed = parse(bundle(inner, practitioner()))
    assert feed.occurrences == []
    assert [error.path for error in feed.rejected] == [
        "entry[0].resource.entry[1].resource.period.start"
    ]


# --- References ----------------------------------------------------------------------


def test_references_relative_absolute_urn_and_contained() -> None:
    urn_patient = "urn:uuid:3f0c6a52-8a51-4f7e-9a43-1b2c3d4e5f60"
    body = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": urn_patient, "resource": patient("p9", nir="2080575123456")},
            {"fullUrl": "https://dui.example/fhir/Practitioner/pr1", "resource": practitioner()},
            {
                "resource": event(
                    "urn",
                    subject={"reference": urn_patient},
                    participant=[
                        {"individual": {"reference": "https://dui.example/fhir/Practitioner/pr1"}}
                    ],
                )
            },
            {
                "resource": event(
                    "contained",
                    contained=[patient("inner", nir=None)],
                    subject={"reference": "#inner"},
                    participant=[{"individual": {"reference": "Practitioner/pr1/_history/3"}}],
                )
            },
        ],
    }
    feed = parse(body)
    assert feed.rejected == []
    by_uid = {o.uid.rsplit("|", 1)[1]: people(o) for o in feed.occurrences}
    professional = ("urn:oid:1.2.250.1.71.4.2.1|10pr1", PersonKind.PROFESSIONAL)
    assert [p[:2] for p in by_uid["urn"]] == [
        (f"{NIR}:2080575123456", PersonKind.YOUTH),
        professional,
    ]
    # A contained Patient without INS: its local identifier.
    assert [p[:2] for p in by_uid["contained"]] == [
        ("https://dui.example/usagers|U-inner", PersonKind.YOUTH),
        professional,
    ]


def test_a_logical_reference_and_the_ins_nia_are_read() -> None:
    occurrence = only(
        parse(
            event(
                subject={
                    "identifier": {
                        "system": "urn:oid:1.2.250.1.213.1.4.10",
                        "value": "3 77 77 77 777 777",
                    },
                    "display": "Noah",
                }
            )
        )
    )
    assert occurrence.participants[0].identifier == "urn:oid:1.2.250.1.213.1.4.10:3777777777777"
    assert occurrence.participants[0].kind_hint is PersonKind.YOUTH


def test_a_practitioner_role_is_its_practitioner_with_the_role_as_function() -> None:
    role = {
        "resourceType": "PractitionerRole",
        "id": "role1",
        "practitioner": {"reference": "Practitioner/pr1"},
        "code": [{"coding": [{"display": "Éducatrice spécialisée"}]}],
    }
    feed = parse(
        bundle(
            patient(),
            practitioner(),
            role,
            event(participant=[{"individual": {"reference": "PractitionerRole/role1"}}]),
        )
    )
    assert people(only(feed))[1] == (
        "urn:oid:1.2.250.1.71.4.2.1|10pr1",
        PersonKind.PROFESSIONAL,
        {"X-FHIR-FONCTION": "éducatrice spécialisée"},
    )


def test_names_are_never_copied() -> None:
    feed = parse(bundle(patient(), practitioner(), event()))
    assert "Martin" not in repr(feed.occurrences)
    assert "Noah" not in repr(feed.occurrences)
    assert "Haddad" not in repr(feed.occurrences)


# --- TDDUI events ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("planned", ""),
        ("triaged", ""),
        ("in-progress", ""),
        ("finished", "DONE"),
        ("completed", "DONE"),
        ("cancelled", "CANCELLED"),
        ("entered-in-error", "CANCELLED"),
    ],
)
def test_encounter_statuses(status: str, expected: str) -> None:
    assert only(parse(with_patient(event(status=status)))).status == expected


@pytest.mark.parametrize("status", ["unknown", "invented", None])
def test_an_undocumented_encounter_status_is_planned_with_a_warning(status: str | None) -> None:
    resource = event()
    if status is None:
        del resource["status"]
    else:
        resource["status"] = status
    feed = parse(with_patient(resource))
    assert feed.occurrences[0].status == ""  # planned
    (note,) = feed.rejected
    assert feed.warnings == 1
    shown = f"status '{status}'" if status else "no status"
    assert note.message.startswith(f"warning: 1 Encounters with {shown} were read as planned")
    assert (note.path, note.resource_type) == ("entry[0].resource", "Encounter")


def test_codes_summary_and_the_tddui_extensions() -> None:
    stay = {
        "resourceType": "Encounter",
        "id": "s1",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "identifier": [
            {"system": "https://identifiant-medicosocial-sejour.esante.gouv.fr", "value": "S1"}
        ],
        "status": "in-progress",
        "subject": {"reference": "Patient/p1"},
        "serviceType": {"coding": [{"system": "https://mos.esante.gouv.fr/R338", "code": "03"}]},
        "period": {"start": "2024-09-02"},
    }
    synthesis = event(
        "e2",
        extension=[
            {"url": f"{TDDUI}/tddui-patient-present", "valueBoolean": False},
            {"url": f"{TDDUI}/tddui-outside-service", "valueBoolean": True},
            {"url": "https://vendor.example/unknown", "valueString": "ignored"},
        ],
        type=[
            {"coding": [{"system": SERAFIN, "code": "2.4.1", "display": "Coordination renforcée"}]},
            {"text": "Synthèse PPA"},
        ],
        partOf={"reference": "Encounter/s1"},
    )
    feed = parse(bundle(patient(), practitioner(), stay, synthesis))
    occurrence = only(feed)
    assert occurrence.codes == (
        f"{SERAFIN}|2.4.1",
        "https://mos.esante.gouv.fr/R338|03",
        OUTSIDE_SERVICE_CODE,
    )
    # No label: the texts and displays of the types say what it is.
    assert occurrence.summary == "Coordination renforcée – Synthèse PPA"
    assert occurrence.participants[0].params == {"ROLE": "NON-PARTICIPANT"}
    assert len(feed.pathway_periods) == 1


def test_r5_names_and_length_instead_of_an_end() -> None:
    r5 = event(
        participant=[{"actor": {"reference": "Practitioner/pr1"}}],
        serviceType=[{"concept": {"coding": [{"system": "https://x.example", "code": "VAD"}]}}],
        length={"value": 1.5, "unit": "h"},
    )
    del r5["period"]
    r5["actualPeriod"] = {"start": "2025-03-10T09:00:00Z"}
    occurrence = only(parse(with_patient(r5)))
    assert occurrence.end == dt.datetime(2025, 3, 10, 10, 30, tzinfo=UTC)
    assert occurrence.codes == (f"{SERAFIN}|2.1.1.2", "https://x.example|VAD")
    assert [p.kind_hint for p in occurrence.participants] == [
        PersonKind.YOUTH,
        PersonKind.PROFESSIONAL,
    ]


def test_times_dates_and_floating_times() -> None:
    feed = parse(
        with_patient(event(period={"start": "2025-07-01T09:00", "end": "2025-07-01T10:00:30.5"}))
    )
    # Read in the establishment's zone, and said so (once for the feed, where it starts).
    (note,) = feed.rejected
    assert feed.warnings == 1
    assert note.message.startswith("warning: 2 date-times have no offset")
    assert "Europe/Paris" in note.message
    assert note.path == "entry[0].resource.period.start"
    feed.rejected.clear()
    floating = only(feed)
    assert floating.start == dt.datetime(2025, 7, 1, 7, 0, tzinfo=UTC)  # Paris summer time
    assert floating.end == dt.datetime(2025, 7, 1, 8, 0, 30, 500000, tzinfo=UTC)
    all_day = only(parse(with_patient(event(period={"start": "2025-03-10", "end": "2025-03-11"}))))
    assert (all_day.start, all_day.end, all_day.all_day) == (
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 12),  # a FHIR date period includes its last day
        True,
    )


def test_sessions_outside_the_window_are_left_out_and_counted() -> None:
    feed = parse(
        bundle(
            event("in"),
            event("out", period={"start": "2023-01-02T09:00:00Z", "end": "2023-01-02T10:00:00Z"}),
            patient(),
        )
    )
    assert [o.uid.rsplit("|", 1)[1] for o in feed.occurrences] == ["in"]
    assert feed.outside_window == 1
    assert feed.paths == ["entry[0].resource"]


# --- Stays ----------------------------------------------------------------------------


def test_a_stay_is_a_pathway_period_with_its_modality() -> None:
    stay = {
        "resourceType": "Encounter",
        "id": "s1",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "extension": [{"url": f"{TDDUI}/tddui-admission-date", "valueDateTime": "2024-08-28"}],
        "identifier": [
            {"system": "https://identifiant-medicosocial-sejour.esante.gouv.fr", "value": "S1"}
        ],
        "status": "finished",
        "subject": {"reference": "Patient/p1"},
        "serviceType": {"coding": [{"system": "https://mos.esante.gouv.fr/R338", "code": "01"}]},
        "period": {"start": "2024-09-01T22:30:00Z", "end": "2025-06-30"},
    }
    feed = parse(bundle(patient(), stay))
    assert feed.occurrences == []
    [period] = feed.pathway_periods
    assert period.external_id == "https://identifiant-medicosocial-sejour.esante.gouv.fr|S1"
    assert period.youth_identifier == f"{NIR}:1090375123456"
    assert period.status is PathwayStatus.ACCOMPAGNEMENT
    # 22:30 UTC is the next day in Paris: dates are the establishment's.
    assert (period.start_date, period.end_date) == (dt.date(2024, 9, 2), dt.date(2025, 6, 30))
    assert period.modality == "https://mos.esante.gouv.fr/R338|01"


def test_stays_found_by_part_of_planned_admission_date_and_cancelled() -> None:
    planned = {
        "resourceType": "Encounter",
        "id": "s2",
        "status": "planned",
        "subject": {"reference": "Patient/p1"},
        "extension": [{"url": f"{TDDUI}/tddui-admission-date", "valueDateTime": "2025-01-06"}],
    }
    cancelled = {**planned, "id": "s3", "status": "cancelled"}
    child = event(partOf={"reference": "Encounter/s2"})
    del child["meta"]
    feed = parse(bundle(patient(), planned, cancelled, child))
    assert len(feed.occurrences) == 1
    [period] = feed.pathway_periods
    assert (period.external_id, period.status, period.start_date) == (
        "Encounter/s2",
        PathwayStatus.PRE_ADMISSION,
        dt.date(2025, 1, 6),
    )
    assert feed.withdrawn_periods == ["Encounter/s3"]


def test_a_stay_without_young_person_or_start_is_rejected_with_its_path() -> None:
    stay = {
        "resourceType": "Encounter",
        "id": "s1",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "status": "in-progress",
    }
    stay2 = {**stay, "id": "s2", "subject": {"reference": "Patient/p1"}}
    feed = parse(bundle(stay, stay2, patient()))
    assert [(e.path, e.uid) for e in feed.rejected] == [
        ("entry[0].resource.subject", "Encounter/s1"),
        ("entry[1].resource.period.start", "Encounter/s2"),
    ]


# --- Appointments ----------------------------------------------------------------------


def appointment(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "serviceType": [
            {
                "coding": [
                    {
                        "system": "https://x.example/st",
                        "code": "VAD",
                        "display": "Visite à domicile",
                    }
                ]
            }
        ],
        "appointmentType": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "ROUTINE"}
            ]
        },
        "serviceCategory": [{"coding": [{"code": "35"}]}],
        "start": "2025-03-12T14:00:00+01:00",
        "minutesDuration": 90,
        "participant": [
            {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/pr1"}, "status": "accepted"},
            {"actor": {"reference": "Location/l1", "display": "Domicile"}, "status": "accepted"},
        ],
    }
    resource.update(changes)
    return resource


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("booked", ""),
        ("arrived", ""),
        ("checked-in", ""),
        ("fulfilled", "DONE"),
        ("cancelled", "CANCELLED"),
        ("entered-in-error", "CANCELLED"),
        ("noshow", "ABSENT"),
    ],
)
def test_appointment_statuses(status: str, expected: str) -> None:
    assert only(parse(with_patient(appointment(status=status)))).status == expected


@pytest.mark.parametrize("status", ["proposed", "pending", "waitlist", "entered-in-error"])
def test_an_appointment_never_agreed_is_not_planned(status: str) -> None:
    """Proposed, pending, on a waiting list or entered in error: kept, never counted."""
    assert only(parse(with_patient(appointment(status=status)))).status == "CANCELLED"


def test_an_appointment_is_a_session_with_its_codes_people_and_place() -> None:
    occurrence = only(parse(bundle(patient(), practitioner(), appointment())))
    assert occurrence.uid == "Appointment/a1"
    assert (occurrence.start, occurrence.end) == (
        dt.datetime(2025, 3, 12, 13, 0, tzinfo=UTC),
        dt.datetime(2025, 3, 12, 14, 30, tzinfo=UTC),
    )
    assert occurrence.codes == (
        "https://x.example/st|VAD",
        "http://terminology.hl7.org/CodeSystem/v2-0276|ROUTINE",
        "|35",
    )
    assert occurrence.summary == "Visite à domicile"
    assert occurrence.location == "Domicile"
    assert [p[:2] for p in people(occurrence)] == [
        (f"{NIR}:1090375123456", PersonKind.YOUTH),
        ("urn:oid:1.2.250.1.71.4.2.1|10pr1", PersonKind.PROFESSIONAL),
    ]


def test_a_declined_or_no_show_young_person_is_absent() -> None:
    declined = appointment()
    declined["participant"][0]["status"] = "declined"
    assert only(parse(with_patient(declined))).participants[0].params == {"PARTSTAT": "DECLINED"}
    noshow = only(parse(with_patient(appointment(status="noshow"))))
    assert noshow.participants[0].params == {"PARTSTAT": "DECLINED"}
    assert noshow.participants[1].params == {}


def test_an_appointment_request_or_one_without_end_is_rejected_with_its_path() -> None:
    request = appointment(status="proposed", requestedPeriod=[{"start": "2025-03-12T14:00:00Z"}])
    del request["start"]
    endless = appointment(id="a2")
    del endless["minutesDuration"]
    feed = parse(bundle(request, endless))
    assert [(e.path, e.message) for e in feed.rejected] == [
        (
            "entry[0].resource.start",
            "an appointment request (status proposed) with no start yet: not a session",
        ),
        ("entry[1].resource.end", "the appointment has no end nor minutesDuration"),
    ]


# --- Presence / absence slots ---------------------------------------------------------


def schedule() -> dict[str, Any]:
    return {
        "resourceType": "Schedule",
        "id": "sc1",
        "meta": {"profile": [f"{TDDUI}/tddui-schedule"]},
        "actor": [{"reference": "Patient/p1"}],
    }


def slot(sid: str, code: str, start: str, end: str) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": sid,
        "identifier": [
            {
                "system": "https://identifiant-medicosocial-presenceabsence.esante.gouv.fr",
                "value": sid,
            }
        ],
        "serviceType": [
            {
                "coding": [
                    {
                        "system": "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r423-type-presence-absence",
                        "code": code,
                    }
                ]
            }
        ],
        "schedule": {"reference": "Schedule/sc1"},
        "status": "busy",
        "start": start,
        "end": end,
    }


def test_an_absence_marks_the_young_person_absent_from_what_it_overlaps() -> None:
    feed = parse(
        bundle(
            patient(),
            practitioner(),
            schedule(),
            slot("abs", "2", "2025-03-10T08:00:00+01:00", "2025-03-10T17:00:00+01:00"),
            slot("pres", "1", "2025-03-11T08:00:00+01:00", "2025-03-11T17:00:00+01:00"),
            event(
                "during",
                period={"start": "2025-03-10T16:30:00+01:00", "end": "2025-03-10T17:15:00+01:00"},
            ),
            event(
                "after",
                period={"start": "2025-03-10T17:00:00+01:00", "end": "2025-03-10T18:00:00+01:00"},
            ),
        )
    )
    assert feed.rejected == []
    [absence] = feed.absences
    assert absence.youth_identifier == f"{NIR}:1090375123456"
    youth = {o.uid.rsplit("|", 1)[1]: o.participants[0].params for o in feed.occurrences}
    assert youth == {"during": {"PARTSTAT": "DECLINED"}, "after": {}}


def test_an_absence_without_its_young_person_is_rejected_and_free_slots_count_nothing() -> None:
    free = slot("free", "x", "2025-03-10T08:00:00Z", "2025-03-10T09:00:00Z")
    free["serviceType"] = [{"coding": [{"code": "57", "display": "Immunization"}]}]
    free["status"] = "free"
    feed = parse(
        bundle(
            slot("abs", "2", "2025-03-10T08:00:00Z", "2025-03-10T17:00:00Z"),
            free,
            event(),
            patient(),
        )
    )
    assert feed.absences == []
    assert [(e.path, e.uid) for e in feed.rejected] == [
        (
            "entry[0].resource.schedule",
            "https://identifiant-medicosocial-presenceabsence.esante.gouv.fr|abs",
        )
    ]


# --- Errors ---------------------------------------------------------------------------


def test_not_json_is_unreadable_with_its_line() -> None:
    with pytest.raises(FeedUnreadable) as caught:
        parse(b'{\n  "resourceType": "Bundle",\n  "entry": [,]\n}')
    [error] = caught.value.errors
    assert error.line == 3
    assert error.message.startswith("not JSON: ")
    assert "line 3, column" in error.message


@pytest.mark.parametrize(
    ("body", "path", "start"),
    [
        (b"", None, "the body is empty"),
        (b"\xff\xfe{}", None, "the body is not UTF-8"),
        (b'{"foo": 1}', "resourceType", "not FHIR: a JSON object without 'resourceType'"),
        (b"42", "$", "not FHIR: the JSON body is a int"),
        (b"[1, 2]", "[0]", "not FHIR: expected a FHIR resource"),
        (b'[{"a": 1}]', "[0].resourceType", "not FHIR: the resource has no 'resourceType'"),
        (
            b'{"resourceType": "Bundle", "entry": {}}',
            "entry",
            "a Bundle's 'entry' must be an array",
        ),
    ],
)
def test_bodies_that_are_not_fhir_are_unreadable_with_a_path(
    body: bytes, path: str | None, start: str
) -> None:
    with pytest.raises(FeedUnreadable) as caught:
        parse(body)
    assert caught.value.errors[0].path == path
    assert caught.value.errors[0].message.startswith(start)


def test_an_unusable_entry_is_reported_with_its_path_and_the_rest_kept() -> None:
    entries: list[Any] = [event(f"e{index}") for index in range(12)]
    entries.append(
        event("e12", period={"start": "2025-13-45T10:00:00Z", "end": "2025-03-10T11:00:00Z"})
    )
    body = bundle(*entries)
    body["entry"].insert(3, {"fullUrl": "urn:uuid:x"})
    body["entry"].append({"resource": {"resourceType": "Encounter", "status": "finished"}})
    body["entry"].append({"resource": patient()})
    feed = parse(body)
    assert len(feed.occurrences) == 12
    assert [(e.path, e.uid) for e in feed.rejected] == [
        ("entry[3]", None),
        (
            "entry[13].resource.period.start",
            "https://identifiant-medicosocial-evenement.esante.gouv.fr|e12",
        ),
        ("entry[14].resource.identifier", None),
    ]
    assert feed.rejected[0].message == "the entry has no 'resource'"
    assert "is not a date-time" in feed.rejected[1].message


def test_a_resource_with_neither_identifier_nor_id_is_rejected() -> None:
    anonymous = event()
    del anonymous["id"]
    del anonymous["identifier"]
    feed = parse(bundle(anonymous))
    [error] = feed.rejected
    assert error.path == "entry[0].resource.identifier"
    assert error.message.startswith("the resource has neither an identifier nor an id")


# --- Drafts and classification -------------------------------------------------------


def test_drafts_keep_the_codes_classify_by_serafin_and_honour_the_extensions() -> None:
    builder = DraftBuilder(sample_draft_context())
    label = [{"url": f"{TDDUI}/tddui-event-label", "valueString": "Temps éducatif"}]
    night = builder.build(
        only(
            parse(
                with_patient(
                    event(
                        type=[{"coding": [{"system": SERAFIN, "code": "2.2.1"}]}], extension=label
                    )
                )
            )
        )
    )
    assert (night.classification.activity, night.classification.rule_id) == (
        Activity.ACCUEIL_NUIT,
        "serafin-accueil-nuit",
    )
    assert night.classification.serafin_code == "2.2.1"
    assert night.codes == (f"{SERAFIN}|2.2.1",)
    assert night.status is SessionStatus.DONE

    def flagged(name: str, value: bool) -> SessionDraft:
        """A draft of an event carrying one TDDUI boolean extension."""
        extension = [{"url": f"{TDDUI}/{name}", "valueBoolean": value}]
        return builder.build(only(parse(with_patient(event(extension=extension)))))

    absent_by_design = flagged("tddui-patient-present", False)
    assert absent_by_design.classification.nature is Nature.INDIRECT
    assert [p.presence for p in absent_by_design.participants if p.kind is PersonKind.YOUTH] == [
        Presence.NOT_EXPECTED
    ]

    outside = flagged("tddui-outside-service", True)
    assert outside.classification.activity is Activity.HORS_PRESTATION

    noshow = builder.build(only(parse(with_patient(appointment(status="noshow")))))
    assert noshow.status is SessionStatus.ABSENT


def test_codes_change_the_content_hash() -> None:
    builder = DraftBuilder(sample_draft_context())
    base = only(parse(with_patient(event())))
    other = dataclasses.replace(base, codes=("x|y",))
    assert builder.build(base).content_hash != builder.build(other).content_hash
    assert (
        builder.build(base).content_hash
        == DraftBuilder(sample_draft_context()).build(base).content_hash
    )


@pytest.mark.parametrize(
    ("code", "activity"),
    [
        ("2.3.2.1", Activity.ACCUEIL_NUIT),
        ("2.2.1", Activity.ACCUEIL_NUIT),
        ("2.2.1.3", Activity.ACCUEIL_NUIT),
        ("2.2.2", Activity.ACCUEIL_JOUR),
        ("2.3.1", Activity.ACCUEIL_JOUR),
        ("2.3.3.1", Activity.AMBULATOIRE),
        ("2.1.1.2", Activity.AMBULATOIRE),
        ("2.4.1", Activity.COORDINATION),
        ("3.1.5.2", Activity.APPUI_RESSOURCES),
        ("3.1.1", Activity.INSTITUTIONNEL),
        ("3.2.4.2", Activity.TRANSPORT),
        ("1.1", None),
        ("9", None),
    ],
)
def test_serafin_codes_of_the_classification_table(code: str, activity: Activity | None) -> None:
    stated = classify(SessionFacts(codes=(f"{SERAFIN}|{code}",), youth=1, youth_present=1))
    assert stated.activity is (activity or Activity.UNCLASSIFIED)
    assert stated.serafin_code == code


def test_codes_come_before_words_and_only_serafin_systems_count() -> None:
    stated = SessionFacts(summary="Internat", codes=(f"{SERAFIN}|2.1.2",), youth=1, youth_present=1)
    assert classify(stated).activity is Activity.AMBULATOIRE
    assert classify(stated).serafin_code == "2.1.2"
    other = SessionFacts(
        summary="Internat", codes=("https://x.example|2.1.2",), youth=1, youth_present=1
    )
    assert serafin_codes(other.codes) == ()
    assert (classify(other).activity, classify(other).rule_id) == (
        Activity.ACCUEIL_NUIT,
        "accueil-nuit",
    )
    synthesis = SessionFacts(codes=(f"{SERAFIN}|2.4.1",))
    assert (classify(synthesis).activity, classify(synthesis).nature) == (
        Activity.COORDINATION,
        Nature.INDIRECT,
    )


def test_participants_keep_their_kind_hint_through_recognition() -> None:
    from agenda_ingest.parsing.participants import recognise

    youth = Participant("Patient/1", {}, kind_hint=PersonKind.YOUTH)
    recognised = recognise(youth, ParticipantOptions())
    assert recognised is not None
    assert recognised.kind is PersonKind.YOUTH


# --- Bodies that are not feeds (issue 13) ----------------------------------------------


def unreadable(body: Any, **options: Any) -> list[tuple[str | None, str]]:
    with pytest.raises(FeedUnreadable) as caught:
        parse(body, **options)
    return [(error.path, error.message) for error in caught.value.errors]


def test_an_operation_outcome_or_a_lone_resource_that_holds_no_session_is_not_a_feed() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "exception", "diagnostics": "Timeout"}],
    }
    assert unreadable(outcome) == [
        (
            "resourceType",
            "an OperationOutcome is not a feed (it says: Timeout): expected a Bundle of "
            "Encounters or Appointments",
        )
    ]
    assert unreadable(patient()) == [
        (
            "resourceType",
            "a Patient is not a feed: expected a Bundle (or an array) of Encounters or "
            "Appointments, or one of them",
        )
    ]


@pytest.mark.parametrize(
    ("body", "path", "start"),
    [
        (
            {"resourceType": "Bundle", "type": "searchset", "total": 0},
            "entry",
            "the Bundle holds no Encounter or Appointment (it is empty): ",
        ),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": []},
            "entry",
            "the Bundle holds no Encounter or Appointment (it is empty): ",
        ),
        (
            bundle(patient(), practitioner()),
            "entry",
            "the Bundle holds no Encounter or Appointment: ",
        ),
        ([patient()], "$", "the array holds no Encounter or Appointment: "),
    ],
)
def test_a_snapshot_without_sessions_is_unreadable_an_increment_may_be_empty(
    body: Any, path: str, start: str
) -> None:
    [(where, message)] = unreadable(body)
    assert where == path
    assert message.startswith(start)
    assert message.endswith(
        "not an agenda feed. A feed is a snapshot and this one would delete every session "
        "of the source (a source is emptied by an admin, not by a feed)"
    )
    data = json.dumps(body).encode()
    increment = parse_fhir(
        data, window_start=WINDOW[0], window_end=WINDOW[1], default_tz=PARIS, snapshot=False
    )
    assert (increment.occurrences, increment.rejected) == ([], [])


def test_a_transaction_of_upserts_is_a_snapshot_a_delete_or_patch_is_refused() -> None:
    def entry(resource: dict[str, Any] | None, method: str, url: str) -> dict[str, Any]:
        item: dict[str, Any] = {"request": {"method": method, "url": url}}
        if resource is not None:
            item["resource"] = resource
        return item

    upserts = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry(patient(), "POST", "Patient"),
            entry(event(), "PUT", "Encounter/e1"),
        ],
    }
    assert only(parse(upserts)).uid.endswith("|e1")
    diff = copy_of(upserts)
    diff["entry"] += [
        entry(None, "DELETE", "Encounter/e0"),
        entry({"resourceType": "Binary"}, "PATCH", "Encounter/e1"),
    ]
    assert unreadable(diff) == [
        (
            "entry[2].request.method",
            "a DELETE Encounter/e0 entry: a feed is a snapshot of the source's agenda, not a "
            "transaction of changes; send every session of the window (POST or PUT entries "
            "only): what the feed does not hold is deleted",
        ),
        (
            "entry[3].request.method",
            "a PATCH Encounter/e1 entry: a feed is a snapshot of the source's agenda, not a "
            "transaction of changes; send every session of the window (POST or PUT entries "
            "only): what the feed does not hold is deleted",
        ),
    ]
    # Even as an increment: a deletion would be silently misread.
    assert len(unreadable(diff, snapshot=False)) == 2
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [entry(None, "GET", "Patient")]}
    assert unreadable(batch)[0][0] == "entry[0].request.method"


def copy_of(body: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(body))
    return copied


def test_every_rejected_resource_carries_the_uid_its_session_would_have_had() -> None:
    french = "13/03/2025 16:30"
    stay = {
        "resourceType": "Encounter",
        "id": "s1",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "identifier": [
            {"system": "https://identifiant-medicosocial-sejour.esante.gouv.fr", "value": "S1"}
        ],
        "status": "in-progress",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "02/09/2024"},
    }
    feed = parse(
        bundle(
            patient(),
            schedule(),
            event(period={"start": french, "end": "2025-03-13T17:00:00+01:00"}),
            appointment(start=french),
            stay,
            slot("abs", "2", french, "2025-03-13T17:00:00+01:00"),
            event("e9", subject={"reference": "Patient/y-3"}),
        )
    )
    assert feed.occurrences == []
    assert [(e.path, e.uid) for e in feed.rejected] == [
        (
            "entry[2].resource.period.start",
            "https://identifiant-medicosocial-evenement.esante.gouv.fr|e1",
        ),
        ("entry[3].resource.start", "Appointment/a1"),
        (
            "entry[4].resource.period.start",
            "https://identifiant-medicosocial-sejour.esante.gouv.fr|S1",
        ),
        (
            "entry[5].resource.start",
            "https://identifiant-medicosocial-presenceabsence.esante.gouv.fr|abs",
        ),
        (
            "entry[6].resource.subject",
            "https://identifiant-medicosocial-evenement.esante.gouv.fr|e9",
        ),
    ]
    assert all("is not a date" in e.message for e in feed.rejected[:4])


def test_an_appointment_s_notes_give_their_video_links_and_cues() -> None:
    """R4 ``comment`` and R5 ``note`` are the iCal DESCRIPTION: a video link or "par tél" in
    them says a call, as in an iCal feed; an appointment without notes has none."""
    r4 = appointment(comment="Lien : https://us02web.zoom.us/j/123 (par tél si coupure)")
    assert only(parse(with_patient(r4))).links == (
        "link|us02web.zoom.us",
        "link|zoom.us",
        "cue|phone",
    )
    r5 = appointment(note=[{"text": "À domicile cette semaine"}, {"authorString": "x"}])
    assert only(parse(with_patient(r5))).links == ("cue|home",)
    assert only(parse(with_patient(appointment()))).links == ()
    # The draft carries them as codes, and the rules read the call.
    call = appointment(description="Entretien psychologue", comment="en visio (Teams)")
    call["participant"] = call["participant"][:2]  # no place: the place would be read first
    draft = DraftBuilder(sample_draft_context()).build(only(parse(with_patient(call))))
    assert "cue|video" in draft.codes
    assert draft.classification.setting is Setting.DISTANCE
