"""FHIR pulls that see deletions and Slots: ``_history``, the periodic full pull, Slot searches.

HTTP is mocked with respx (paging included); the database is real (SQLite, and
PostgreSQL when set). The same against a real local server: test_fhir_pull_live.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from agenda_ingest.pull.fetcher import Fetcher
from agenda_ingest.pull.fhir_search import deleted_references, history_supported
from agenda_ingest.pull.service import configure_source
from ditep_core.db import Database
from ditep_core.models import AgendaSession, FeedImport, Person, SessionParticipant
from ditep_core.nomenclatures import ImportStatus, PersonKind, SessionStatus
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.settings import Settings
from ditep_core.web.problems import InvalidRequest
from tests.agenda_ingest.pull.pulling import stored_source
from tests.agenda_ingest.pull.test_fhir_pull import (
    BASE,
    T0,
    _capabilities,
    _deleted,
    _event,
    _fhir_source,
    _history,
    _page,
    _patient,
    _pull,
    _updated,
)
from tests.conftest import SAMPLE_FINESS, TEST_SECRET, SampleDitep

HOUR = dt.timedelta(hours=1)


def _appointment(number: int, status: str = "booked") -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "id": f"a{number}",
        "status": status,
        "description": "VAD famille",
        "start": f"2025-03-{number:02d}T14:00:00+01:00",
        "minutesDuration": 60,
        "participant": [
            {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
            {"actor": {"reference": "PractitionerRole/r1"}, "status": "accepted"},
        ],
    }


def _role() -> dict[str, Any]:
    return {
        "resourceType": "PractitionerRole",
        "id": "r1",
        "practitioner": {"reference": "Practitioner/pr1"},
        "code": [{"text": "Éducateur spécialisé"}],
    }


def _practitioner() -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": "pr1",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "10001234567"}],
    }


def _appointment_source(database: Database, **configure: Any) -> int:
    source_id = _fhir_source(database)
    with database.unit_of_work() as session:
        configure_source(session, source_id, fhir_resource="Appointment", **configure)
    return source_id


def _sessions(database: Database) -> dict[str, SessionStatus]:
    with database.unit_of_work() as session:
        rows = session.execute(select(AgendaSession.uid, AgendaSession.status)).all()
    return {row.uid: row.status for row in rows}


def _paged_search(
    mock: respx.MockRouter, name: str, *pages: list[dict[str, Any]], at: str
) -> tuple[respx.Route, list[respx.Route]]:
    """A search whose answer is ``pages``, linked by ``next``; each call starts over."""
    follow: list[respx.Route] = []
    for number, resources in enumerate(pages[1:], start=2):
        next_page = pages[number] if number < len(pages) else None
        follow.append(
            mock.get(url__startswith=f"{BASE}/page/{name}/{number}").mock(
                return_value=_page(
                    *resources,
                    next_url=f"{BASE}/page/{name}/{number + 1}" if next_page else None,
                )
            )
        )
    first = _page(*pages[0], next_url=f"{BASE}/page/{name}/2" if len(pages) > 1 else None, at=at)
    return mock.get(url__startswith=f"{BASE}/{name}?").mock(return_value=first), follow


@pytest.mark.usefixtures("sample_ditep")
def test_a_deletion_in_the_history_makes_the_next_pull_a_full_one(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _appointment_source(database)
    fetcher = Fetcher.from_settings(pull_settings)
    metadata = mock.get(f"{BASE}/metadata").mock(return_value=_capabilities("Appointment"))
    # History: two pages, newest first; a2 deleted (its latest version), a1 updated.
    history = mock.get(url__startswith=f"{BASE}/Appointment/_history").mock(
        side_effect=[
            # Second pull: updates only.
            _history(_updated(_appointment(1, "fulfilled"))),
            # Third pull: a3 was deleted then created again (its latest version is not a
            # deletion), a2 deleted on the second page.
            _history(
                _updated(_appointment(3)),
                _deleted("Appointment/a3"),
                next_url=f"{BASE}/history/2",
            ),
        ]
    )
    history_page_two = mock.get(url__startswith=f"{BASE}/history/2").mock(
        return_value=_history(_updated(_appointment(1)), _deleted("Appointment/a2", 3))
    )
    full_pages = (
        [_appointment(1), _patient(), _role()],
        [_appointment(2), _appointment(3), _practitioner()],
    )
    search, following = _paged_search(mock, "Appointment", *full_pages, at="2025-03-10T07:59:00Z")

    first = _pull(database, source_id, pull_settings, protection, fetcher=fetcher)
    assert first.status.value == "fetched", first.error
    assert (first.full, first.imported.created) == (True, 3)
    assert search.calls[0].request.url.params.get_list("_include:iterate") == [
        "PractitionerRole:practitioner"
    ]
    assert following[0].call_count == 1
    assert metadata.call_count == 0  # a full pull needs no history

    # An increment: the history lists no deletion.
    search.mock(
        return_value=_page(_appointment(1, "fulfilled"), _patient(), at="2025-03-10T09:00:00Z")
    )
    second = _pull(database, source_id, pull_settings, protection, T0 + HOUR, fetcher)
    assert (second.full, second.imported.updated, second.imported.deleted) == (False, 1, 0)
    assert metadata.call_count == 1
    assert history.calls[0].request.url.params["_since"] == "2025-03-10T07:54:00Z"
    assert "_lastUpdated" in search.calls[1].request.url.params
    assert stored_source(database, source_id).fhir_history == "supported"

    # a2 deleted on the server: the history says so, the pull is a full one, a2 goes.
    search.mock(
        return_value=_page(
            _appointment(1, "fulfilled"),
            _patient(),
            next_url=f"{BASE}/page/Appointment/2",
            at="2025-03-10T10:00:00Z",
        )
    )
    following[0].mock(return_value=_page(_appointment(3), _role(), _practitioner()))
    third = _pull(database, source_id, pull_settings, protection, T0 + 2 * HOUR, fetcher)
    assert third.status.value == "fetched", third.error
    assert third.full is True
    assert third.full_reason is not None
    assert "1 Appointment deleted" in third.full_reason
    assert history_page_two.call_count == 1
    assert "_lastUpdated" not in search.calls[2].request.url.params
    assert (third.imported.deleted, third.imported.status) == (1, ImportStatus.PROCESSED)
    assert _sessions(database) == {
        "Appointment/a1": SessionStatus.DONE,
        "Appointment/a3": SessionStatus.PLANNED,
    }
    source = stored_source(database, source_id)
    assert (source.pulls_since_full, source.last_full_pull_at) == (
        0,
        T0 + 2 * HOUR,
    )
    with database.unit_of_work() as session:
        stored = session.get(FeedImport, third.imported.import_id)
        assert stored is not None
        assert stored.content_type == "application/fhir+json"  # a snapshot


def _participants(database: Database) -> dict[str, list[tuple[PersonKind, str]]]:
    """Per session uid, its participants' kinds and pseudonyms, sorted."""
    with database.unit_of_work() as session:
        rows = session.execute(
            select(AgendaSession.uid, Person.kind, Person.pseudonym)
            .join(SessionParticipant, SessionParticipant.session_id == AgendaSession.id)
            .join(Person, Person.id == SessionParticipant.person_id)
            .order_by(AgendaSession.uid, Person.kind)
        ).all()
    found: dict[str, list[tuple[PersonKind, str]]] = {}
    for row in rows:
        found.setdefault(row.uid, []).append((row.kind, row.pseudonym))
    return found


@pytest.mark.usefixtures("sample_ditep")
@pytest.mark.parametrize("practitioner_included", [True, False])
def test_an_appointment_s_participants_come_from_what_the_pages_include(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
    practitioner_included: bool,
) -> None:
    """The young person and the professional of each Appointment are the included Patient
    and PractitionerRole, the professional known by the RPPS of the role's Practitioner,
    which comes on another page (``_include:iterate``)."""
    source_id = _appointment_source(database)
    second_page = [_appointment(2), _appointment(3)]
    if practitioner_included:
        second_page.append(_practitioner())
    _paged_search(
        mock,
        "Appointment",
        [_appointment(1), _patient(), _role()],
        second_page,
        at="2025-03-10T07:59:00Z",
    )
    pulled = _pull(database, source_id, pull_settings, protection)
    assert pulled.status.value == "fetched", pulled.error
    pseudonyms = Pseudonymiser(TEST_SECRET).for_establishment(SAMPLE_FINESS)
    rpps = pseudonyms.pseudonym(PersonKind.PROFESSIONAL, "urn:oid:1.2.250.1.71.4.2.1|10001234567")
    participants = _participants(database)
    assert sorted(participants) == [f"Appointment/a{n}" for n in (1, 2, 3)]
    for listed in participants.values():
        assert [kind for kind, _ in listed] == [PersonKind.PROFESSIONAL, PersonKind.YOUTH]
        # Without the Practitioner, the professional is only the role's reference.
        assert (listed[0][1] == rpps) is practitioner_included
    assert len({pseudonym for listed in participants.values() for _, pseudonym in listed}) == 2


@pytest.mark.usefixtures("sample_ditep")
def test_without_history_a_full_pull_comes_every_n_pulls_and_the_guard_still_holds(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _appointment_source(database, full_every_pulls=2)
    fetcher = Fetcher.from_settings(pull_settings)
    # No CapabilityStatement; _history answered 404: no history on this server.
    metadata = mock.get(f"{BASE}/metadata").mock(return_value=httpx.Response(404))
    history = mock.get(url__startswith=f"{BASE}/Appointment/_history").mock(
        return_value=httpx.Response(404, json={"resourceType": "OperationOutcome"})
    )
    search, following = _paged_search(
        mock,
        "Appointment",
        [_appointment(1), _appointment(2), _patient()],
        [_appointment(3), _appointment(4)],
        [_appointment(5), _role(), _practitioner()],
        at="2025-03-10T07:59:00Z",
    )
    first = _pull(database, source_id, pull_settings, protection, fetcher=fetcher)
    assert (first.full, first.imported.created) == (True, 5)
    assert [route.call_count for route in following] == [1, 1]

    # a5 deleted on the server: two increments cannot see it.
    search.mock(return_value=_page(at="2025-03-10T09:00:00Z"))
    second = _pull(database, source_id, pull_settings, protection, T0 + HOUR, fetcher)
    assert (second.full, second.imported.deleted) == (False, 0)
    assert (metadata.call_count, history.call_count) == (1, 1)
    assert stored_source(database, source_id).fhir_history == "unsupported"
    third = _pull(database, source_id, pull_settings, protection, T0 + 2 * HOUR, fetcher)
    assert (third.full, third.imported.deleted) == (False, 0)
    assert (metadata.call_count, history.call_count) == (1, 1)  # not asked again
    assert "Appointment/a5" in _sessions(database)

    # Two increments since the last full pull: this one is full, and a5 goes.
    search.mock(
        return_value=_page(
            _appointment(1),
            _appointment(2),
            _patient(),
            next_url=f"{BASE}/page/Appointment/2",
            at="2025-03-10T10:00:00Z",
        )
    )
    following[0].mock(return_value=_page(_appointment(3), _appointment(4)))
    fourth = _pull(database, source_id, pull_settings, protection, T0 + 3 * HOUR, fetcher)
    assert fourth.full is True
    assert fourth.full_reason == "2 incremental pulls since the last full one"
    assert "_lastUpdated" not in search.calls[3].request.url.params
    assert fourth.imported.deleted == 1
    assert set(_sessions(database)) == {f"Appointment/a{n}" for n in range(1, 5)}

    # The next full pull would delete three of four: held by the mass-deletion guard.
    with database.unit_of_work() as session:
        configure_source(session, source_id, full_every_pulls=0, full_every_days=1)
    search.mock(return_value=_page(_appointment(1), _patient(), at="2025-03-11T10:00:00Z"))
    later = T0 + dt.timedelta(days=1, hours=4)
    held = _pull(database, source_id, pull_settings, protection, later, fetcher)
    assert held.full is True
    assert held.full_reason == "the last full pull is older than 1 day(s)"
    assert held.imported.status is ImportStatus.NEEDS_CONFIRMATION
    assert len(_sessions(database)) == 4
    source = stored_source(database, source_id)
    # Not applied: the next pull asks again from the same bound, still a full one.
    assert source.http_last_modified == "2025-03-10T09:55:00Z"
    assert source.last_full_pull_at == T0 + 3 * HOUR


@pytest.mark.usefixtures("sample_ditep")
def test_without_history_nor_setting_a_full_pull_comes_once_a_day(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database)
    fetcher = Fetcher.from_settings(pull_settings)
    # The CapabilityStatement says it: no history-type on Encounter.
    mock.get(f"{BASE}/metadata").mock(return_value=_capabilities("Slot"))
    history = mock.get(url__startswith=f"{BASE}/Encounter/_history").mock(return_value=_history())
    search = mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(3), _event(4), _patient(), at="2025-03-10T07:59:00Z")
    )
    assert _pull(database, source_id, pull_settings, protection, fetcher=fetcher).full is True
    second = _pull(database, source_id, pull_settings, protection, T0 + HOUR, fetcher)
    assert second.full is False
    assert history.call_count == 0
    assert stored_source(database, source_id).fhir_history == "unsupported"
    search.mock(return_value=_page(_event(3), _patient(), at="2025-03-11T09:00:00Z"))
    day_later = _pull(
        database, source_id, pull_settings, protection, T0 + dt.timedelta(days=1), fetcher
    )
    assert day_later.full is True
    assert day_later.imported.deleted == 1
    assert set(_sessions(database)) == {"Encounter/e3"}


@pytest.mark.usefixtures("sample_ditep")
def test_slots_and_their_schedules_are_pulled_with_the_sessions(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
    mock: respx.MockRouter,
) -> None:
    source_id = _fhir_source(database, fhir_slots=True)
    schedule = {
        "resourceType": "Schedule",
        "id": "sched1",
        "actor": [{"reference": "Patient/p1"}],
    }
    absence = {
        "resourceType": "Slot",
        "id": "abs1",
        "serviceType": [
            {
                "coding": [
                    {
                        "system": "https://smt.esante.gouv.fr/fhir/CodeSystem/"
                        "tre-r423-type-presence-absence",
                        "code": "2",
                    }
                ]
            }
        ],
        "schedule": {"reference": "Schedule/sched1"},
        "status": "busy",
        "start": "2025-03-04T08:00:00+01:00",
        "end": "2025-03-04T18:00:00+01:00",
    }
    free = {**absence, "id": "free1", "serviceType": [], "status": "free"}
    search = mock.get(url__startswith=f"{BASE}/Encounter").mock(
        return_value=_page(_event(3), _event(4), _patient(), at="2025-03-10T07:59:00Z")
    )
    slots = mock.get(url__startswith=f"{BASE}/Slot?").mock(
        return_value=_page(free, next_url=f"{BASE}/slots/2")
    )
    slots_two = mock.get(url__startswith=f"{BASE}/slots/2").mock(
        return_value=_page(absence, schedule, _patient())
    )
    first = _pull(database, source_id, pull_settings, protection)
    assert first.status.value == "fetched", first.error
    assert search.call_count == slots.call_count == slots_two.call_count == 1
    query = slots.calls[0].request.url.params
    assert query.get_list("start") == ["ge2024-09-01", "lt2025-09-01"]
    assert query.get_list("_include") == ["Slot:schedule"]
    assert query.get_list("_include:iterate") == ["Schedule:actor"]
    # The absence on the young person's schedule covers e4 (4 March): absent.
    assert _sessions(database) == {
        "Encounter/e3": SessionStatus.DONE,
        "Encounter/e4": SessionStatus.ABSENT,
    }
    assert first.imported.received == 2

    # An increment reads the history of both types.
    mock.get(f"{BASE}/metadata").mock(return_value=_capabilities("Encounter", "Slot"))
    slot_history = mock.get(url__startswith=f"{BASE}/Slot/_history").mock(
        return_value=_history(_deleted("Slot/abs1"))
    )
    mock.get(url__startswith=f"{BASE}/Encounter/_history").mock(return_value=_history())
    search.mock(return_value=_page(_event(3), _event(4), _patient(), at="2025-03-10T09:00:00Z"))
    slots.mock(return_value=_page(free))
    second = _pull(database, source_id, pull_settings, protection, T0 + HOUR)
    assert slot_history.call_count == 1
    assert second.full is True
    assert second.full_reason is not None
    assert "Slot deleted" in second.full_reason
    assert _sessions(database)["Encounter/e4"] is SessionStatus.DONE


def test_fhir_options_of_a_source_are_checked(
    database: Database, sample_ditep: SampleDitep
) -> None:
    source_id = _fhir_source(database)
    with database.unit_of_work() as session:
        with pytest.raises(InvalidRequest, match="only a FHIR source"):
            configure_source(session, sample_ditep.establishment_source_id, fhir_slots=True)
        with pytest.raises(InvalidRequest, match="0 to unset"):
            configure_source(session, source_id, full_every_days=-1)
        source = configure_source(session, source_id, full_every_pulls=12, fhir_slots=True)
        assert source.participant_options["fhir_full_every_pulls"] == 12
        assert source.participant_options["fhir_slots"] is True
        source = configure_source(session, source_id, full_every_pulls=0)
        assert "fhir_full_every_pulls" not in source.participant_options


def test_what_a_history_and_a_capability_statement_say() -> None:
    entries = [
        _updated(_appointment(3)),
        _deleted("Appointment/a3"),
        _deleted("Appointment/a2"),
        {"request": {"method": "DELETE", "url": "Appointment/a9"}},
        {"fullUrl": f"{BASE}/Appointment/a8", "response": {"status": "410 Gone"}},
        _deleted("Encounter/e1"),
        "not an entry",
    ]
    assert deleted_references(entries, "Appointment") == [
        "Appointment/a2",
        "Appointment/a8",
        "Appointment/a9",
    ]
    assert history_supported(_capabilities("Appointment").content, "Appointment") is True
    assert history_supported(_capabilities().content, "Appointment") is False
    assert history_supported(b'{"resourceType": "Bundle"}', "Appointment") is None
    assert history_supported(b"<html>", "Appointment") is None
