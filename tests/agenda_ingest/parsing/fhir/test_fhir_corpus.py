"""Every file of the public FHIR corpus (TDDUI, GAP, R4), and the benchmark's bundle.

Files with agenda content give the sessions listed here, field by field, in
the form ``ditep fhir sessions`` prints, or their resources are rejected with
the reason and the JSON path given here; the others (a lone Patient, Location,
Schedule, Slot, a Bundle of documents) are not feeds and are unreadable. A
corpus file without an entry in ``EXPECTED`` fails the test: every file is
looked at. The files rejected for a wrong INS key or a Patient reference alone
are also read mended (``MENDED``), so that what they hold is still checked.

fhir.resources (R4B models) is the oracle of what the files hold: every file
of these folders is valid for it, and where we read a date, a status or a
participant, we read what it reads.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter

from agenda_ingest.classification.engine import Classification
from agenda_ingest.feeds.service import build_drafts
from agenda_ingest.parsing.fhir.parser import ParsedFhirFeed, StayPeriod, parse_fhir
from agenda_ingest.parsing.fhir.sessions_json import SessionJson, session_json, sort_sessions
from agenda_ingest.parsing.normalised import FeedUnreadable
from ditep_core.nomenclatures import Activity, Nature, PathwayStatus, Setting
from tests.agenda_ingest.parsing.drafting import sample_draft_context
from tests.agenda_ingest.parsing.fhir.generator import WINDOW, generate
from tests.conftest import CORPUS_DIR, DATA_DIR

FHIR_CORPUS = CORPUS_DIR / "fhir"
FOLDERS = ("tddui", "gap", "r4")
PARIS = ZoneInfo("Europe/Paris")
START, END = dt.date(2000, 1, 1), dt.date(2031, 1, 1)


@dataclass(frozen=True)
class Expected:
    """What a file gives: sessions (CLI form), their words and class, periods, rejections."""

    sessions: list[SessionJson] = field(default_factory=list)
    words: list[tuple[str, str]] = field(default_factory=list)
    """(summary, location) of each session, in the same order."""
    classes: list[tuple[Activity, Setting, Nature]] = field(default_factory=list)
    periods: list[StayPeriod] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(JSON path, message) of each resource that cannot be used."""
    unreadable: tuple[str, str] | None = None
    """(JSON path, start of the message) when the file is not a feed at all."""


def not_a_feed(resource_type: str) -> Expected:
    """A lone resource of a type that holds no session: as a feed it would empty its source."""
    return Expected(unreadable=("resourceType", f"a {resource_type} is not a feed: "))


NOTHING_TO_COUNT = "the Bundle holds no Encounter or Appointment: not an agenda feed"
NO_START = "the encounter has no start (period.start): not a session"

NO_PATIENT = (
    "resolves to no Patient in the feed: send the Patient in the same body, or give the "
    "reference an identifier (system and value)"
)

EXPECTED: dict[str, Expected] = {
    # A transaction: the young person (INS), the organisation, a stay (séjour). The guide's
    # example INS has a wrong key (its 13 digits give 30, not 11): a mistyped INS would make
    # a second young person, so the stay is rejected, saying where the INS is.
    "tddui/Bundle-ExampleTDDUIBundle.json": Expected(
        rejected=[
            (
                "entry[2].resource.subject",
                "the Patient at entry[0].resource, identifier[0]: the INS key 11 is wrong (the "
                "13 characters give 30): a mistyped INS would count one young person twice",
            )
        ]
    ),
    # Two DocumentReferences: nothing about agendas. As a snapshot it would delete every
    # session of its source: unreadable (issue 13: an empty feed wiped 21 sessions).
    "tddui/Bundle-TDDUIBundleExample.json": Expected(unreadable=("entry", NOTHING_TO_COUNT)),
    # The TDDUI event alone (the guide publishes each instance apart): its young person is
    # a reference to a Patient the file does not hold, with no identifier; as a feed, the
    # session would make a person out of a reference, so it is rejected.
    "tddui/Encounter-tddui-encounter-evenement-example.json": Expected(
        rejected=[("subject", f"reference Patient/tddui-patient-ins-example {NO_PATIENT}")]
    ),
    "tddui/Patient-tddui-patient-example.json": not_a_feed("Patient"),
    "tddui/Patient-tddui-patient-ins-example.json": not_a_feed("Patient"),
    # GAP: an appointment *request* (proposed, only a requested period): not a session yet.
    "gap/Appointment-example-req-appointment.json": Expected(
        rejected=[
            (
                "start",
                "an appointment request (status proposed) with no start yet: not a session",
            )
        ]
    ),
    "gap/Schedule-example.json": not_a_feed("Schedule"),
    "gap/Slot-example.json": not_a_feed("Slot"),  # a free slot: availability, not a session
    # HL7's examples point to Patient/example, which they do not hold: rejected (as above).
    "r4/appointment-example.json": Expected(
        rejected=[("participant[0].actor", f"reference Patient/example {NO_PATIENT}")]
    ),
    # In progress, started, not ended: no end to count to.
    "r4/encounter-example-emergency.json": Expected(
        rejected=[("period.end", "the encounter has no end (period.end) nor a readable length")]
    ),
    "r4/encounter-example-f001-heart.json": Expected(rejected=[("period.start", NO_START)]),
    "r4/encounter-example-f201-20130404.json": Expected(rejected=[("period.start", NO_START)]),
    "r4/encounter-example-home.json": Expected(
        rejected=[("subject", f"reference Patient/example {NO_PATIENT}")]
    ),
    "r4/encounter-example.json": Expected(rejected=[("period.start", NO_START)]),
    "r4/healthcareservice-example.json": not_a_feed("HealthcareService"),
    "r4/location-example-ambulance.json": not_a_feed("Location"),
    "r4/location-example-hl7hq.json": not_a_feed("Location"),
    "r4/location-example-patients-home.json": not_a_feed("Location"),
    "r4/location-example-room.json": not_a_feed("Location"),
    "r4/location-example-ukpharmacy.json": not_a_feed("Location"),
    "r4/location-example.json": not_a_feed("Location"),
    "r4/schedule-example.json": not_a_feed("Schedule"),
    "r4/schedule-provider-location1-example.json": not_a_feed("Schedule"),
    "r4/schedule-provider-location2-example.json": not_a_feed("Schedule"),
    "r4/slot-example-busy.json": not_a_feed("Slot"),
    "r4/slot-example-tentative.json": not_a_feed("Slot"),
    "r4/slot-example-unavailable.json": not_a_feed("Slot"),
    "r4/slot-example.json": not_a_feed("Slot"),
}


# The files rejected above for what the issue forbids (a wrong INS key, a young person known
# by a reference alone), mended the way a vendor would: the INS with its right key, the
# references to Patients given an identifier. They give the sessions and stays below.
MENDED: dict[str, Expected] = {
    "tddui/Bundle-ExampleTDDUIBundle.json": Expected(
        periods=[
            StayPeriod(
                external_id=(
                    "https://identifiant-medicosocial-sejour.esante.gouv.fr|"
                    "3480787529/147720425367411-SEJOUR-1012"
                ),
                # The 13 characters: the INS with or without its key is one young person.
                youth_identifier="urn:oid:1.2.250.1.213.1.4.8:1477204253674",
                status=PathwayStatus.ACCOMPAGNEMENT,
                start_date=dt.date(2023, 4, 14),
                end_date=None,
                modality=None,
                path="entry[2].resource",
            )
        ]
    ),
    # The TDDUI event: a finished home visit by a nurse, for the young person of the stay.
    "tddui/Encounter-tddui-encounter-evenement-example.json": Expected(
        sessions=[
            {
                "uid": (
                    "https://identifiant-medicosocial-evenement.esante.gouv.fr|"
                    "3480787529/147720425367411-EVN-12548"
                ),
                "start": "2023-04-14T08:30:00Z",
                "end": "2023-04-14T09:15:00Z",
                "all_day": False,
                "recurrence_id": None,
                "status": "done",
                "youth": 1,
                "professionals": 1,
                "codes": ["https://smt.esante.gouv.fr/fhir/CodeSystem/terminologie-cisis|MED-1298"],
            }
        ],
        # The Location is not in the file and its reference has no display.
        words=[("Visite à domicile pour soins infirmier.", "")],
        classes=[(Activity.AMBULATOIRE, Setting.DOMICILE, Nature.DIRECT)],
    ),
    "r4/appointment-example.json": Expected(
        sessions=[
            {
                "uid": "Appointment/example",
                "start": "2013-12-10T09:00:00Z",
                "end": "2013-12-10T11:00:00Z",
                "all_day": False,
                "recurrence_id": None,
                "status": "planned",
                "youth": 1,
                "professionals": 1,
                "codes": [
                    "|52",
                    "http://terminology.hl7.org/CodeSystem/v2-0276|FOLLOWUP",
                    "http://example.org/service-category|gp",
                ],
            }
        ],
        words=[("Discussion on the results of your recent MRI", "South Wing, second floor")],
        # No word nor place the French rules know, one young person with a professional:
        # nothing telling, so unclassified (listed in the review queue), not a guess.
        classes=[(Activity.UNCLASSIFIED, Setting.INCONNU, Nature.DIRECT)],
    ),
    "r4/encounter-example-home.json": Expected(
        sessions=[
            {
                "uid": "Encounter/home",
                "start": "2015-01-17T06:00:00Z",
                "end": "2015-01-17T06:30:00Z",
                "all_day": False,
                "recurrence_id": None,
                "status": "done",
                "youth": 1,
                "professionals": 1,
                "codes": [],
            }
        ],
        # The contained Location has no name: the reference's display says where.
        words=[("", "Client's home")],
        # "home" is read as "domicile": a place that says where, one young person with a
        # professional and no activity word: the fallback (low confidence, review queue).
        classes=[(Activity.AMBULATOIRE, Setting.DOMICILE, Nature.DIRECT)],
    ),
}


def mended(data: bytes) -> bytes:
    """The INS of the TDDUI example with its right key; Patient references with an identifier."""
    document = json.loads(data.replace(b'"147720425367411"', b'"147720425367430"'))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            target = node.get("reference")
            if isinstance(target, str) and target.split("/")[-2:-1] == ["Patient"]:
                node["identifier"] = {"system": "https://dui.example/usagers", "value": target}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return json.dumps(document).encode()


def _corpus_files() -> list[str]:
    if not FHIR_CORPUS.is_dir():
        return []
    return sorted(
        str(path.relative_to(FHIR_CORPUS))
        for folder in FOLDERS
        for path in (FHIR_CORPUS / folder).glob("*.json")
    )


def _read(data: bytes, window: tuple[dt.date, dt.date] = (START, END)) -> ParsedFhirFeed:
    return parse_fhir(data, window_start=window[0], window_end=window[1], default_tz=PARIS)


@pytest.mark.corpus
def test_every_corpus_file_has_an_expectation() -> None:
    assert _corpus_files(), f"no JSON file under {FHIR_CORPUS}/{{{','.join(FOLDERS)}}}"
    assert set(_corpus_files()) == set(EXPECTED)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    path = FHIR_CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in this copy of the corpus")
    expected = EXPECTED[name]
    if expected.unreadable is not None:
        with pytest.raises(FeedUnreadable) as caught:
            _read(path.read_bytes())
        [error] = caught.value.errors
        assert error.path == expected.unreadable[0]
        assert error.message.startswith(expected.unreadable[1])
        return
    _check(_read(path.read_bytes()), expected)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(MENDED))
def test_corpus_file_mended(name: str) -> None:
    path = FHIR_CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in this copy of the corpus")
    _check(_read(mended(path.read_bytes())), MENDED[name])


def _check(feed: ParsedFhirFeed, expected: Expected) -> None:
    built, duplicates = build_drafts(feed.occurrences, sample_draft_context(), paths=feed.paths)
    assert duplicates == []
    sessions = sort_sessions([session_json(occurrence, draft) for occurrence, draft in built])
    assert sessions == expected.sessions
    assert [(o.summary, o.location) for o, _draft in built] == expected.words
    assert [_class(draft.classification) for _o, draft in built] == expected.classes
    assert feed.pathway_periods == expected.periods
    assert [(error.path, error.message) for error in feed.rejected] == expected.rejected
    assert feed.absences == []


def _class(classification: Classification) -> tuple[Activity, Setting, Nature]:
    return (classification.activity, classification.setting, classification.nature)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fhir_resources_reads_the_same_times_and_statuses(name: str) -> None:
    path = FHIR_CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in this copy of the corpus")
    if EXPECTED[name].unreadable is not None:
        get_fhir_model_class(_resource_type(path.read_bytes())).model_validate_json(
            path.read_bytes()
        )
        return  # valid FHIR, but not a feed: nothing read to compare
    _assert_fhir_resources_reads_the_same(path.read_bytes())


@pytest.mark.parametrize(
    "path", sorted((DATA_DIR / "fhir").glob("*.json")), ids=lambda path: path.name
)
def test_fhir_resources_reads_the_same_in_the_handwritten_documents(path: Path) -> None:
    """The same check on the documents written for the tests (tests/data/fhir: R4
    Appointments, fulfilled and no-show, and a home-visit Encounter), in a plain clone."""
    _assert_fhir_resources_reads_the_same(path.read_bytes())
    assert _read(path.read_bytes()).occurrences


def _assert_fhir_resources_reads_the_same(data: bytes) -> None:
    resource_type = _resource_type(data)
    model: Any = get_fhir_model_class(resource_type).model_validate_json(data)
    feed = _read(data)
    resources = (
        [entry.resource for entry in model.entry or ()] if resource_type == "Bundle" else [model]
    )
    for occurrence in feed.occurrences:
        [resource] = [r for r in resources if occurrence.uid.endswith(_uid_tail(r))]
        if resource.get_resource_type() == "Encounter":
            assert (resource.period.start, resource.period.end) == (
                occurrence.start,
                occurrence.end,
            )
        else:
            assert (resource.start, resource.end) == (occurrence.start, occurrence.end)
        assert len(occurrence.participants) == sum(
            1 for p in resource.participant or () if _is_person(p)
        ) + (1 if getattr(resource, "subject", None) is not None else 0)
    for period in feed.pathway_periods:
        [stay] = [r for r in resources if period.external_id.endswith(_uid_tail(r))]
        assert stay.period.start == period.start_date


def _resource_type(data: bytes) -> str:
    resource_type: str = json.loads(data)["resourceType"]
    return resource_type


def _uid_tail(resource: Any) -> str:
    identifiers = getattr(resource, "identifier", None) or []
    if identifiers and identifiers[0].value:
        return str(identifiers[0].value)
    return f"{resource.get_resource_type()}/{resource.id}"


def _is_person(participant: Any) -> bool:
    reference = getattr(participant, "actor", None) or getattr(participant, "individual", None)
    target = (reference.reference or "") if reference is not None else ""
    return target.split("/")[-2:-1] in (["Patient"], ["Practitioner"], ["PractitionerRole"])


# --- The benchmark's generated bundle -------------------------------------------------


def test_the_generated_bundle_is_valid_fhir_and_read_as_fhir_resources_reads_it() -> None:
    data = generate(youth=4, events=80)
    bundle = Bundle.model_validate_json(data)
    events = [
        entry.resource
        for entry in bundle.entry or ()
        if isinstance(entry.resource, Encounter) and entry.resource.partOf is not None
    ]
    assert len(events) == 80
    feed = _read(data, WINDOW)
    assert feed.rejected == []
    assert len(feed.occurrences) == 80
    assert len(feed.pathway_periods) == 4
    assert {period.youth_identifier[:28] for period in feed.pathway_periods} == {
        "urn:oid:1.2.250.1.213.1.4.8:"
    }
    by_value = {occurrence.uid.rsplit("|", 1)[1]: occurrence for occurrence in feed.occurrences}
    statuses = {"finished": "DONE", "cancelled": "CANCELLED", "planned": "", "triaged": ""}
    for encounter in events:
        assert encounter.identifier is not None
        occurrence = by_value[str(encounter.identifier[0].value)]
        assert encounter.period is not None
        assert (encounter.period.start, encounter.period.end) == (
            occurrence.start,
            occurrence.end,
        )
        assert statuses[str(encounter.status)] == occurrence.status
        assert encounter.type is not None
        serafin = encounter.type[0].coding[0]  # type: ignore[index]
        assert f"{serafin.system}|{serafin.code}" in occurrence.codes


def test_the_generated_bundle_is_deterministic_and_the_collection_form_reads_the_same() -> None:
    assert generate(youth=2, events=20) == generate(youth=2, events=20)
    transaction = _read(generate(youth=2, events=20), WINDOW)
    collection = _read(generate(youth=2, events=20, bundle_type="collection"), WINDOW)
    assert transaction.occurrences == collection.occurrences
    assert transaction.pathway_periods == collection.pathway_periods
