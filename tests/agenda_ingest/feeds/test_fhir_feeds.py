"""Pushing FHIR feeds: sessions, pathway periods, idempotency, snapshots, errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agenda_ingest.feeds.service import ingest_payload, replay_import
from agenda_ingest.sources.repository import SourceRepository
from ditep_core.db import Database
from ditep_core.models import AgendaSession, FeedImport, PathwayPeriod, Person, SessionParticipant
from ditep_core.nomenclatures import (
    Activity,
    ImportStatus,
    Nature,
    PathwayStatus,
    PersonKind,
    Presence,
    Scope,
    SessionStatus,
    Setting,
)
from ditep_core.protection import DataProtection
from tests.agenda_ingest.parsing.fhir.test_fhir_corpus import mended
from tests.conftest import (
    CORPUS_DIR,
    SAMPLE_FINESS,
    KeyMaker,
    SampleDitep,
    add_sample_source,
)
from tests.http import AppClient

FHIR = {"Content-Type": "application/fhir+json"}
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
NIR = "1090375123456"
EVENTS = "https://identifiant-medicosocial-evenement.esante.gouv.fr"
STAYS = "https://identifiant-medicosocial-sejour.esante.gouv.fr"


def _event(number: int, label: str, code: str, start: str, end: str, **extra: Any) -> Any:
    resource = {
        "resourceType": "Encounter",
        "id": f"evt{number}",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-evenement"]},
        "extension": [{"url": f"{TDDUI}/tddui-event-label", "valueString": label}],
        "identifier": [{"system": EVENTS, "value": f"3690000017/42-EVN-{number}"}],
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"coding": [{"system": SERAFIN, "code": code}]}],
        "subject": {"reference": "urn:uuid:0b6c5c36-0000-4000-8000-000000000001"},
        "participant": [{"individual": {"reference": "Practitioner/pr1"}}],
        "period": {"start": start, "end": end},
        "partOf": {"reference": "Encounter/stay42"},
    }
    resource.update(extra)
    return resource


def tddui_bundle() -> dict[str, Any]:
    """A young person, a practitioner, a stay, three events and an absence."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b6c5c36-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": NIR}],
                    "name": [{"family": "Martin", "given": ["Noah"]}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "https://dui.example/fhir/Practitioner/pr1",
                "resource": {
                    "resourceType": "Practitioner",
                    "id": "pr1",
                    "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "10001"}],
                    "qualification": [{"code": {"text": "Éducatrice"}}],
                },
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "stay42",
                    "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
                    "identifier": [{"system": STAYS, "value": "3690000017/42-SEJOUR-1"}],
                    "status": "in-progress",
                    "class": {"code": "HH"},
                    "serviceType": {
                        "coding": [{"system": "https://mos.esante.gouv.fr/R338", "code": "03"}]
                    },
                    "subject": {"reference": "urn:uuid:0b6c5c36-0000-4000-8000-000000000001"},
                    "period": {"start": "2024-09-02"},
                }
            },
            {
                "resource": _event(
                    1,
                    "Temps du soir",
                    "2.2.1",
                    "2025-03-11T18:00:00+01:00",
                    "2025-03-12T08:00:00+01:00",
                )
            },
            {
                "resource": _event(
                    2,
                    "Synthèse PPA",
                    "2.4.1",
                    "2025-03-14T14:00:00+01:00",
                    "2025-03-14T15:00:00+01:00",
                    extension=[
                        {"url": f"{TDDUI}/tddui-event-label", "valueString": "Synthèse PPA"},
                        {"url": f"{TDDUI}/tddui-patient-present", "valueBoolean": False},
                    ],
                )
            },
            {
                "resource": _event(
                    3,
                    "Séance orthophonie",
                    "2.1.1.2",
                    "2025-03-13T16:30:00+01:00",
                    "2025-03-13T17:15:00+01:00",
                    status="triaged",
                )
            },
            {
                "resource": {
                    "resourceType": "Schedule",
                    "id": "sched42",
                    "actor": [{"reference": "urn:uuid:0b6c5c36-0000-4000-8000-000000000001"}],
                }
            },
            {
                "resource": {
                    "resourceType": "Slot",
                    "id": "abs1",
                    "serviceType": [
                        {
                            "coding": [
                                {
                                    "system": (
                                        "https://smt.esante.gouv.fr/fhir/CodeSystem/"
                                        "tre-r423-type-presence-absence"
                                    ),
                                    "code": "2",
                                }
                            ]
                        }
                    ],
                    "schedule": {"reference": "Schedule/sched42"},
                    "status": "busy",
                    "start": "2025-03-13T08:00:00+01:00",
                    "end": "2025-03-13T18:00:00+01:00",
                }
            },
        ],
    }


@pytest.fixture
def fhir_source(database: Database, sample_ditep: SampleDitep) -> int:
    with database.unit_of_work() as session:
        return add_sample_source(session)


def _push(
    client: AppClient,
    source_id: int,
    body: bytes | dict[str, Any],
    key: dict[str, str],
    content_type: str = "application/fhir+json",
    status: int = 201,
) -> dict[str, Any]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = client.post(
        f"/v1/sources/{source_id}/feed",
        content=content,
        headers={"Content-Type": content_type, **key},
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _sessions(session: Session, source_id: int) -> dict[str, AgendaSession]:
    rows = session.scalars(select(AgendaSession).where(AgendaSession.source_id == source_id))
    return {row.uid.rsplit("-", 1)[1]: row for row in rows}


def test_a_tddui_bundle_gives_sessions_participants_and_a_pathway_period(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    result = _push(ingest_client, fhir_source, tddui_bundle(), make_key(Scope.FEEDS_WRITE))
    assert (result["received"], result["created"], result["rejected"]) == (3, 3, 0)
    assert result["errors"] == []

    stored = _sessions(session, fhir_source)
    night, synthesis, speech = stored["1"], stored["2"], stored["3"]
    assert night.uid == f"{EVENTS}|3690000017/42-EVN-1"
    assert (night.start_at, night.end_at) == (
        dt.datetime(2025, 3, 11, 17, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 12, 7, 0, tzinfo=dt.UTC),
    )
    assert (night.status, night.activity, night.setting, night.nature) == (
        SessionStatus.DONE,
        Activity.ACCUEIL_NUIT,
        Setting.SITE,
        Nature.DIRECT,
    )
    assert (night.serafin_code, night.rule_id) == ("2.2.1", "serafin-accueil-nuit")
    assert night.codes == [f"{SERAFIN}|2.2.1", "https://mos.esante.gouv.fr/R338|03"]
    assert night.categories == []
    assert night.recurrence_id == ""
    assert (synthesis.activity, synthesis.nature) == (Activity.COORDINATION, Nature.INDIRECT)
    # Triaged is "validé": planned; the absence slot covers it: absent.
    assert (speech.status, speech.activity) == (SessionStatus.ABSENT, Activity.AMBULATOIRE)

    presences = dict(
        session.execute(
            select(SessionParticipant.session_id, SessionParticipant.presence).where(
                SessionParticipant.kind == PersonKind.YOUTH
            )
        ).all()
    )
    assert presences == {
        night.id: Presence.PRESENT,
        synthesis.id: Presence.NOT_EXPECTED,
        speech.id: Presence.ABSENT,
    }
    people = session.execute(select(Person.kind, Person.pseudonym, Person.function)).all()
    assert sorted((kind, function) for kind, _p, function in people) == [
        (PersonKind.PROFESSIONAL, "éducatrice"),
        (PersonKind.YOUTH, None),
    ]
    assert all(NIR not in pseudonym for _k, pseudonym, _f in people)

    [period] = session.scalars(select(PathwayPeriod)).all()
    youth_id = next(
        person_id
        for person_id, kind in session.execute(select(Person.id, Person.kind))
        if kind is PersonKind.YOUTH
    )
    assert (period.person_id, period.source_id, period.origin) == (youth_id, fhir_source, "feed")
    assert (period.status, period.start_date, period.end_date) == (
        PathwayStatus.ACCOMPAGNEMENT,
        dt.date(2024, 9, 2),
        None,
    )
    assert period.external_id == f"{STAYS}|3690000017/42-SEJOUR-1"
    assert period.modality == "https://mos.esante.gouv.fr/R338|03"
    assert period.import_id == result["import_id"]
    feed_import = session.get(FeedImport, result["import_id"])
    assert feed_import is not None
    assert feed_import.content_type == "application/fhir+json"


def test_the_same_feed_twice_changes_nothing_whatever_the_json_media_type(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    _push(ingest_client, fhir_source, tddui_bundle(), key)
    before = session.execute(
        select(AgendaSession.id, AgendaSession.content_hash, AgendaSession.updated_at)
    ).all()
    periods_before = session.execute(select(PathwayPeriod.id, PathwayPeriod.import_id)).all()
    again = _push(
        ingest_client, fhir_source, tddui_bundle(), key, "application/json; charset=utf-8"
    )
    assert (again["created"], again["updated"], again["deleted"], again["unchanged"]) == (
        0,
        0,
        0,
        3,
    )
    session.expire_all()
    after = session.execute(
        select(AgendaSession.id, AgendaSession.content_hash, AgendaSession.updated_at)
    ).all()
    assert sorted(before) == sorted(after)
    assert session.execute(select(PathwayPeriod.id, PathwayPeriod.import_id)).all() == (
        periods_before
    )


def test_a_feed_is_a_snapshot_of_sessions_and_stays(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    _push(ingest_client, fhir_source, tddui_bundle(), key)
    smaller = tddui_bundle()
    # Drop the stay and the synthesis; end the night earlier.
    smaller["entry"] = [e for i, e in enumerate(smaller["entry"]) if i not in (2, 4)]
    smaller["entry"][2]["resource"]["period"]["end"] = "2025-03-12T07:30:00+01:00"
    result = _push(ingest_client, fhir_source, smaller, key)
    # Both events left change: without its stay, an event no longer carries the stay's modality.
    assert (result["created"], result["updated"], result["deleted"], result["unchanged"]) == (
        0,
        2,
        1,
        0,
    )
    session.expire_all()
    assert sorted(_sessions(session, fhir_source)) == ["1", "3"]
    assert session.scalars(select(PathwayPeriod)).all() == []


def test_a_changed_stay_is_updated_in_place(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    first = _push(ingest_client, fhir_source, tddui_bundle(), key)
    [period_id] = session.scalars(select(PathwayPeriod.id)).all()
    ended = tddui_bundle()
    ended["entry"][2]["resource"]["status"] = "finished"
    ended["entry"][2]["resource"]["period"]["end"] = "2025-06-30"
    second = _push(ingest_client, fhir_source, ended, key)
    session.expire_all()
    [period] = session.scalars(select(PathwayPeriod)).all()
    assert (period.id, period.end_date, period.import_id) == (
        period_id,
        dt.date(2025, 6, 30),
        second["import_id"],
    )
    assert first["import_id"] != second["import_id"]


def test_an_unusable_entry_is_reported_with_its_path_and_the_rest_applied(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker
) -> None:
    body = tddui_bundle()
    body["entry"][5]["resource"]["period"]["start"] = "13/03/2025 16:30"
    body["entry"].append(body["entry"][3])
    result = _push(ingest_client, fhir_source, body, make_key(Scope.FEEDS_WRITE))
    assert (result["received"], result["created"], result["rejected"]) == (3, 2, 2)
    assert result["errors"] == [
        {
            "message": "'13/03/2025 16:30' is not a date-time (YYYY-MM-DDThh:mm:ss+zz:zz)",
            "line": None,
            "path": "entry[5].resource.period.start",
            "uid": f"{EVENTS}|3690000017/42-EVN-3",
            # Which resource, and what a person calls it (its TDDUI label).
            "resource_type": "Encounter",
            "title": "Séance orthophonie",
        },
        {
            "message": "duplicate resource (same identifier): the first one is kept",
            "line": None,
            "path": "entry[8].resource",
            "uid": f"{EVENTS}|3690000017/42-EVN-1",
        },
    ]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"resourceType": "Bundle", "entry": [\n  {"resource": }\n]}', {"line": 2, "path": "$"}),
        (b'{"entries": []}', {"line": None, "path": "resourceType"}),
        # Not a feed (issue 13): a server's error, an empty snapshot, a diff.
        (
            b'{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}',
            {"path": "resourceType"},
        ),
        (b'{"resourceType": "Bundle", "type": "searchset", "total": 0}', {"path": "entry"}),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "transaction",
                    "entry": [
                        {
                            "resource": {"resourceType": "Encounter", "id": "e1"},
                            "request": {"method": "PUT", "url": "Encounter/e1"},
                        },
                        {"request": {"method": "DELETE", "url": "Encounter/e2"}},
                    ],
                }
            ).encode(),
            {"path": "entry[1].request.method", "uid": None},
        ),
    ],
)
def test_a_body_that_is_not_fhir_is_a_422_problem_and_is_kept(
    ingest_client: AppClient,
    fhir_source: int,
    make_key: KeyMaker,
    session: Session,
    protection: DataProtection,
    body: bytes,
    where: dict[str, Any],
) -> None:
    problem = _push(ingest_client, fhir_source, body, make_key(Scope.FEEDS_WRITE), status=422)
    assert problem["type"] == "/problems/feed-rejected"
    assert {key: problem["errors"][0].get(key) for key in where} == where
    feed_import = session.get(FeedImport, problem["import_id"])
    assert feed_import is not None
    assert feed_import.status == "failed"
    assert protection.vault.open(feed_import.payload_sealed) == body


def test_media_types_must_match_the_source_format(
    ingest_client: AppClient, fhir_source: int, sample_ditep: SampleDitep, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    wrong = ingest_client.post(
        f"/v1/sources/{fhir_source}/feed",
        content=b"BEGIN:VCALENDAR",
        headers={"Content-Type": "text/calendar", **key},
    )
    assert wrong.status_code == 415
    assert "application/fhir+json" in wrong.json()["detail"]
    ical = ingest_client.post(
        f"/v1/sources/{sample_ditep.establishment_source_id}/feed",
        content=b"{}",
        headers={**FHIR, **key},
    )
    assert ical.status_code == 415


def _ingest(
    database: Database,
    source_id: int,
    body: dict[str, Any],
    protection: DataProtection,
    *,
    snapshot: bool = True,
) -> tuple[int, int, int, int]:
    with database.unit_of_work() as session:
        source = SourceRepository(session).get_with_establishment(source_id)
        assert source is not None
        outcome = ingest_payload(
            session,
            source=source,
            payload=json.dumps(body).encode(),
            content_type="application/fhir+json",
            protection=protection,
            snapshot=snapshot,
        )
        return outcome.import_id, outcome.created, outcome.updated, outcome.deleted


def test_an_increment_deletes_nothing_and_a_cancellation_cancels(
    database: Database, fhir_source: int, protection: DataProtection, session: Session
) -> None:
    _ingest(database, fhir_source, tddui_bundle(), protection)
    increment = copy.deepcopy(tddui_bundle())
    # Only the synthesis changed (cancelled), and the stay was cancelled.
    increment["entry"] = [increment["entry"][i] for i in (0, 1, 2, 4)]
    increment["entry"][3]["resource"]["status"] = "cancelled"
    increment["entry"][2]["resource"]["status"] = "entered-in-error"
    import_id, created, updated, deleted = _ingest(
        database, fhir_source, increment, protection, snapshot=False
    )
    assert (created, updated, deleted) == (0, 1, 0)
    stored = _sessions(session, fhir_source)
    assert sorted(stored) == ["1", "2", "3"]
    assert stored["2"].status is SessionStatus.CANCELLED
    assert session.scalars(select(PathwayPeriod)).all() == []
    feed_import = session.get(FeedImport, import_id)
    assert feed_import is not None
    assert feed_import.content_type == "application/fhir+json; snapshot=false"

    # Replayed, an increment is still an increment.
    with database.unit_of_work() as unit:
        source = SourceRepository(unit).get_with_establishment(fhir_source)
        stored_import = unit.get(FeedImport, import_id)
        assert source is not None
        assert stored_import is not None
        replayed = replay_import(
            unit, source=source, feed_import=stored_import, protection=protection
        )
    assert (replayed.deleted, replayed.unchanged) == (0, 1)


def test_fhir_sessions_are_counted_by_the_activity_api(
    ingest_client: AppClient, api_client: AppClient, fhir_source: int, make_key: KeyMaker
) -> None:
    _push(ingest_client, fhir_source, tddui_bundle(), make_key(Scope.FEEDS_WRITE))
    response = api_client.get(
        f"/v1/establishments/{SAMPLE_FINESS}/activity",
        params={"start": "2025-03-01", "end": "2025-04-01"},
        headers=make_key(Scope.ACTIVITY_READ),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["file_active"]["total"] == 1
    assert body["file_active"]["by_modality"]["accueil_nuit"] == 1
    assert body["quality"]["absent"] == 1


CORPUS_TDDUI = CORPUS_DIR / "fhir" / "tddui"


@pytest.mark.corpus
def test_the_tddui_corpus_pushed_to_a_source(
    ingest_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    session: Session,
) -> None:
    with database.unit_of_work() as unit:
        window = (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
        source_id = add_sample_source(unit, "TDDUI 2023", window)
    key = make_key(Scope.FEEDS_WRITE)
    # As published, the guide's INS has a wrong key: the stay is rejected, with where it is.
    raw = (CORPUS_TDDUI / "Bundle-ExampleTDDUIBundle.json").read_bytes()
    wrong = _push(ingest_client, source_id, raw, key)
    assert (wrong["received"], wrong["created"], wrong["rejected"]) == (0, 0, 1)
    assert wrong["errors"][0]["path"] == "entry[2].resource.subject"
    assert "the INS key 11 is wrong" in wrong["errors"][0]["message"]
    assert session.scalars(select(PathwayPeriod)).all() == []
    # Mended (the INS with its key, the event's Patient reference with an identifier).
    stay = _push(ingest_client, source_id, mended(raw), key)
    assert (stay["received"], stay["created"], stay["rejected"]) == (0, 0, 0)
    [period] = session.scalars(select(PathwayPeriod)).all()
    assert (period.start_date, period.status) == (
        dt.date(2023, 4, 14),
        PathwayStatus.ACCOMPAGNEMENT,
    )
    held = _push(
        ingest_client,
        source_id,
        mended((CORPUS_TDDUI / "Encounter-tddui-encounter-evenement-example.json").read_bytes()),
        key,
        status=202,
    )
    # A snapshot: the event's feed holds no stay, so the stay's period would go. That is
    # all the source holds: the mass-deletion guard waits for a confirmation.
    assert held["status"] == "needs_confirmation"
    assert held["stays"]["deleted"] == 1
    assert [entry["stay"] for entry in held["pending_deletions"]] == [period.external_id]
    session.expire_all()
    assert len(session.scalars(select(PathwayPeriod)).all()) == 1
    confirmed = ingest_client.post(f"/v1/imports/{held['import_id']}/confirm", headers=key)
    assert confirmed.status_code == 201, confirmed.text
    event = confirmed.json()
    assert (event["status"], event["received"], event["created"]) == ("processed", 1, 1)
    assert event["stays"]["deleted"] == 1
    again = ingest_client.post(f"/v1/imports/{held['import_id']}/confirm", headers=key)
    assert again.status_code == 409
    session.expire_all()
    assert session.scalars(select(PathwayPeriod)).all() == []
    [visit] = session.scalars(select(AgendaSession).where(AgendaSession.source_id == source_id))
    assert (visit.status, visit.activity, visit.setting) == (
        SessionStatus.DONE,
        Activity.AMBULATOIRE,
        Setting.DOMICILE,
    )


def test_a_bundle_stamped_before_the_applied_one_is_superseded(
    ingest_client: AppClient, fhir_source: int, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    newer = {**tddui_bundle(), "meta": {"lastUpdated": "2025-04-02T08:00:00+02:00"}}
    applied = _push(ingest_client, fhir_source, newer, key)
    # Received later, but the DUI made it earlier (a retried queue): never applied.
    older = {**tddui_bundle(), "timestamp": "2025-04-01T08:00:00Z"}
    older["entry"] = older["entry"][:-1]
    problem = _push(ingest_client, fhir_source, older, key, status=409)
    assert problem["newer_import_id"] == applied["import_id"]
    stored = session.get(FeedImport, problem["import_id"])
    assert stored is not None
    assert stored.status is ImportStatus.SUPERSEDED
    assert stored.feed_stamp == dt.datetime(2025, 4, 1, 8, tzinfo=dt.UTC)
    # A later stamp is applied, received after or not.
    later = {**tddui_bundle(), "meta": {"lastUpdated": "2025-04-03T08:00:00Z"}}
    assert _push(ingest_client, fhir_source, later, key)["status"] == "processed"


def _with_key(nir: str, key: int) -> str:
    return f"{nir}{key:02d}"


def test_a_tddui_stay_then_an_event_only_feed_without_the_corpus(
    ingest_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    session: Session,
) -> None:
    """What the corpus's TDDUI bundle shows (above), on a bundle written here: a stay whose
    young person's INS has a wrong key is rejected with where it is; with the right key the
    stay becomes a pathway period; an event-only snapshot would delete it, so the
    mass-deletion guard waits for a confirmation."""
    with database.unit_of_work() as unit:
        window = (dt.date(2025, 1, 1), dt.date(2026, 1, 1))
        source_id = add_sample_source(unit, "TDDUI", window)
    key = make_key(Scope.FEEDS_WRITE)
    right = 97 - int(NIR[:13]) % 97
    patient, practitioner, stay, event = (tddui_bundle()["entry"][i] for i in (0, 1, 2, 3))

    def bundle(*entries: Any, ins: str) -> dict[str, Any]:
        body = {"resourceType": "Bundle", "type": "transaction", "entry": copy.deepcopy(entries)}
        body["entry"][0]["resource"]["identifier"][0]["value"] = ins
        return body

    wrong = _push(
        ingest_client, source_id, bundle(patient, stay, ins=_with_key(NIR, right % 97 + 1)), key
    )
    assert (wrong["received"], wrong["created"], wrong["rejected"]) == (0, 0, 1)
    assert wrong["errors"][0]["path"] == "entry[1].resource.subject"
    assert f"the INS key {right % 97 + 1:02d} is wrong" in wrong["errors"][0]["message"]
    assert session.scalars(select(PathwayPeriod)).all() == []

    kept = _push(ingest_client, source_id, bundle(patient, stay, ins=_with_key(NIR, right)), key)
    assert (kept["received"], kept["created"], kept["rejected"]) == (0, 0, 0)
    [period] = session.scalars(select(PathwayPeriod)).all()
    assert period.start_date == dt.date(2024, 9, 2)

    event["resource"].pop("partOf")
    held = _push(
        ingest_client, source_id, bundle(patient, practitioner, event, ins=NIR), key, status=202
    )
    assert held["status"] == "needs_confirmation"
    assert held["stays"]["deleted"] == 1
    assert [entry["stay"] for entry in held["pending_deletions"]] == [period.external_id]
    confirmed = ingest_client.post(f"/v1/imports/{held['import_id']}/confirm", headers=key)
    assert confirmed.status_code == 201, confirmed.text
    applied = confirmed.json()
    assert (applied["status"], applied["received"], applied["created"]) == ("processed", 1, 1)
    assert applied["stays"]["deleted"] == 1
