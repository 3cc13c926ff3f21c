"""Late-transmission marking (issue 18 item 1): the ``transmissions.mark_late`` task
records each quarter whose deadline passed without a transmission, once, audited, kept
after a late transmission; the reads say late what it recorded; /metrics counts them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from activity_api.main import api_tasks
from activity_api.main import create_app as create_api_app
from activity_api.transmissions import service as transmissions
from activity_api.transmissions import tasks as late_tasks
from activity_api.transmissions.service import LATE_TASK
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import AuditEvent, Establishment, TaskRun, TransmissionLate
from ditep_core.nomenclatures import Activity, Scope
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import TaskFailed, execute
from ditep_counting.engine.periods import parse_period
from ditep_counting.rollups.service import store_profile_version
from tests.activity_api.seeding import seed_establishment
from tests.conftest import TEST_SECRET, KeyMaker, make_settings
from tests.core.web.test_metrics import scrape, value
from tests.http import AppClient, app_client

ON_TIME = "690000300"
SILENT = "690000400"
DAY = Activity.ACCUEIL_JOUR
# Sessions on 11 March 2025; read on 15 November 2025: Q1, Q2 and Q3 are past their
# deadlines (30 April, 31 July, 31 October), Q4 is the current quarter.
NOW = dt.datetime(2025, 11, 15, 9, tzinfo=dt.UTC)


def _at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def seeded(database: Database) -> None:
    """ON_TIME transmits Q1 on its deadline day (22:00 in Paris) and Q2 five days late;
    SILENT transmits nothing."""
    with database.unit_of_work() as session:
        seed_establishment(session, finess=ON_TIME, region_code="84", youth_by_modality={DAY: 6})
        seed_establishment(session, finess=SILENT, region_code="84", youth_by_modality={DAY: 7})
    with database.unit_of_work() as session:
        establishment = _establishment(session, ON_TIME)
        for period, at in (("2025-Q1", _at(2025, 4, 30, 20)), ("2025-Q2", _at(2025, 8, 5))):
            transmissions.transmit(
                session, establishment, period, reason=None, transmitted_by="t", now=at
            )


def _establishment(session: object, finess: str) -> Establishment:
    found = EstablishmentRepository(session).get_by_finess(finess)  # type: ignore[arg-type]
    assert found is not None
    return found


def _mark(database: Database, finess: str, now: dt.datetime = NOW) -> list[tuple[str, bool]]:
    with database.unit_of_work(write=True) as session:
        marked = transmissions.mark_late(session, _establishment(session, finess), now=now)
    return [(quarter.period, quarter.transmitted_late) for quarter in marked]


def _marks(database: Database) -> dict[tuple[str, str], dt.date]:
    with database.unit_of_work() as session:
        rows = session.execute(
            select(Establishment.finess, TransmissionLate.period_code, TransmissionLate.deadline)
            .join(Establishment, Establishment.id == TransmissionLate.establishment_id)
            .where(Establishment.finess.in_([ON_TIME, SILENT]))
        )
        return {(finess, period): deadline for finess, period, deadline in rows}


def _task_audit_events(database: Database) -> list[tuple[str | None, str]]:
    with database.unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.scope_code, AuditEvent.path)
            .where(AuditEvent.service == "tasks", AuditEvent.route == LATE_TASK)
            .order_by(AuditEvent.id)
        )
        return [(code, path) for code, path in rows]


def test_late_quarters_are_recorded_once_and_one_transmitted_on_time_never(
    database: Database, seeded: None
) -> None:
    assert _mark(database, ON_TIME) == [("2025-Q2", True), ("2025-Q3", False)]
    assert _mark(database, SILENT) == [("2025-Q1", False), ("2025-Q2", False), ("2025-Q3", False)]
    recorded = _marks(database)
    assert recorded == {
        (ON_TIME, "2025-Q2"): dt.date(2025, 7, 31),
        (ON_TIME, "2025-Q3"): dt.date(2025, 10, 31),
        (SILENT, "2025-Q1"): dt.date(2025, 4, 30),
        (SILENT, "2025-Q2"): dt.date(2025, 7, 31),
        (SILENT, "2025-Q3"): dt.date(2025, 10, 31),
    }
    events = _task_audit_events(database)
    assert len(events) == 5
    assert (ON_TIME, "2025-Q2 late (deadline 2025-07-31, transmitted after it)") in events
    assert (SILENT, "2025-Q3 late (deadline 2025-10-31, not transmitted)") in events
    # A second run (a retry, a job run twice, the next day) records nothing more.
    assert _mark(database, ON_TIME) == []
    assert _mark(database, SILENT, NOW + dt.timedelta(days=1)) == []
    assert _marks(database) == recorded
    assert len(_task_audit_events(database)) == 5


def test_the_deadline_day_is_on_time_and_the_next_is_late(database: Database, seeded: None) -> None:
    # 31 October 2025, 22:00 UTC is 23:00 in Paris (UTC+1), still the deadline day: Q3 is
    # not late yet; at 23:00 UTC it is 1 November in Paris, and Q3 is late.
    assert _mark(database, SILENT, _at(2025, 10, 31, 22)) == [
        ("2025-Q1", False),
        ("2025-Q2", False),
    ]
    assert _mark(database, SILENT, _at(2025, 10, 31, 23)) == [("2025-Q3", False)]


def test_the_reads_say_late_what_the_task_recorded_and_keep_it_after_a_late_transmission(
    database: Database, seeded: None
) -> None:
    def listing(finess: str) -> dict[str, tuple[str, bool, bool]]:
        with database.unit_of_work() as session:
            body = transmissions.transmission_list(
                session, _establishment(session, finess), now=NOW
            )
        return {
            q.period: (q.status, q.after_deadline, q.marked_late_at is not None)
            for q in body.quarters
        }

    _mark(database, ON_TIME)
    _mark(database, SILENT)
    assert listing(ON_TIME) == {
        "2025-Q1": ("transmitted", False, False),
        "2025-Q2": ("transmitted", True, True),
        "2025-Q3": ("late", False, True),
        "2025-Q4": ("draft", False, False),
    }
    # Every read agrees with the record: recorded <=> late, or transmitted after the deadline.
    for finess in (ON_TIME, SILENT):
        for status, after, marked in listing(finess).values():
            assert marked == (status == "late" or after)
    with database.unit_of_work() as session:
        silent = _establishment(session, SILENT)
        states = transmissions.quarter_states(session, [silent], parse_period("2025-Q3"), now=NOW)
        assert states[silent.id].status == "late"
        assert states[silent.id].marked_late_at is not None
        # SILENT transmits Q3 late: it is transmitted, and still recorded late.
        report = transmissions.transmit(
            session, silent, "2025-Q3", reason=None, transmitted_by="t", now=NOW
        )
        assert report.transmission.after_deadline is True
    assert listing(SILENT)["2025-Q3"] == ("transmitted", True, True)
    assert (SILENT, "2025-Q3") in _marks(database)
    assert _mark(database, SILENT) == []


def test_a_record_holds_when_the_deadline_moves_later(database: Database, seeded: None) -> None:
    """Recorded late under a one-month deadline, Q3 stays late for the reads when the
    profile gives two months (it was late when the ARS was told), though not recorded
    again; a quarter not recorded follows the new deadline."""
    _mark(database, SILENT)
    with database.unit_of_work() as session:
        store_profile_version(session, "deadline-2", {"transmission_deadline_months": 2})
    with database.unit_of_work() as session:
        body = transmissions.transmission_list(session, _establishment(session, SILENT), now=NOW)
        on_time = transmissions.transmission_list(
            session, _establishment(session, ON_TIME), now=NOW
        )
    q3 = next(q for q in body.quarters if q.period == "2025-Q3")
    assert (q3.status, q3.deadline) == ("late", dt.date(2025, 11, 30))
    assert next(q for q in on_time.quarters if q.period == "2025-Q3").status == "draft"


def _context(database: Database, settings: Settings) -> TaskContext:
    return TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))


def test_the_task_sweeps_every_establishment_is_retried_and_counted_in_metrics(
    database: Database, seeded: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = make_settings(settings.database_url, task_max_attempts=2, task_retry_initial_seconds=0)
    context = _context(database, fast)
    calls: list[str] = []
    real = transmissions.mark_late

    def flaky(session: object, establishment: Establishment, **kwargs: object) -> object:
        calls.append(establishment.finess)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return real(session, establishment, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(f"{late_tasks.__name__}.mark_late", flaky)
    (task,) = [t for t in api_tasks(fast) if t.name == LATE_TASK]
    assert task.every_seconds == 86_400
    summary = execute(task, context, {})
    # Today is after every 2025 deadline: both establishments' quarters up to the last
    # whose deadline passed are recorded, whatever the date the suite runs.
    marks = _marks(database)
    assert ("2025-Q1", ON_TIME) not in {(p, f) for f, p in marks}
    assert {(SILENT, "2025-Q1"), (SILENT, "2025-Q4"), (ON_TIME, "2025-Q2")} <= set(marks)
    assert f"{len(marks)} quarter(s) marked late" in summary
    with database.unit_of_work() as session:
        run = session.get(TaskRun, (LATE_TASK, "*"))
        assert run is not None
        assert (run.status, run.attempts) == ("succeeded", 2)
    assert execute(task, context, {}).startswith("0 quarter(s) marked late")
    with app_client(create_api_app(make_settings(settings.database_url), database=database)) as c:
        samples = scrape(c)
    transmitted_late = sum(1 for f, p in marks if (f, p) == (ON_TIME, "2025-Q2"))
    assert value(samples, "ditep_transmissions_late", state="transmitted_late") == transmitted_late
    assert value(samples, "ditep_transmissions_late", state="not_transmitted") == len(marks) - 1

    def broken(*_args: object, **_kwargs: object) -> object:
        raise ConnectionError("still down")

    monkeypatch.setattr(f"{late_tasks.__name__}.mark_late", broken)
    with pytest.raises(TaskFailed):
        execute(task, context, {})
    with database.unit_of_work() as session:
        run = session.get(TaskRun, (LATE_TASK, "*"))
        assert run is not None
        assert (run.status, run.error) == ("failed", "ConnectionError: still down")


def test_nothing_marked_when_no_deadline_has_passed(database: Database, seeded: None) -> None:
    assert _mark(database, SILENT, _at(2025, 4, 30, 12)) == []
    with database.unit_of_work() as session:
        count = session.scalar(select(func.count()).select_from(TransmissionLate))
    assert count == 0


def test_the_routes_give_when_a_quarter_was_recorded_late(
    api_client: AppClient, database: Database, seeded: None, make_key: KeyMaker
) -> None:
    _mark(database, SILENT)
    director = make_key(Scope.ACTIVITY_READ, finess=(SILENT,))
    url = f"/v1/establishments/{SILENT}/transmissions"
    quarters = {q["period"]: q for q in api_client.get(url, headers=director).json()["quarters"]}
    assert quarters["2025-Q1"]["status"] == "late"
    assert quarters["2025-Q1"]["marked_late_at"].startswith("2025-11-15T09:00:00")
    # Not recorded yet (the task ran on 15 November 2025), though late by its deadline.
    assert (quarters["2025-Q4"]["status"], quarters["2025-Q4"]["marked_late_at"]) == ("late", None)
    text = api_client.get(url, params={"format": "csv"}, headers=director).text
    # The French CSV of the downloads: a byte-order mark, ';' between fields.
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    by_period = {row["period"]: row for row in rows}
    assert by_period["2025-Q1"]["marked_late_at"].startswith("2025-11-15")
    assert by_period["2025-Q4"]["marked_late_at"] == ""
    ars = make_key(Scope.ARS_READ, regions=("84",))
    body = api_client.get(
        "/v1/regions/84/transmissions", params={"period": "2025-Q2"}, headers=ars
    ).json()
    statuses = {row["finess"]: row for row in body["establishments"]}
    assert statuses[SILENT]["status"] == "late"
    assert statuses[SILENT]["marked_late_at"] is not None
    assert statuses[ON_TIME]["status"] == "transmitted"
    assert statuses[ON_TIME]["after_deadline"] is True
    assert statuses[ON_TIME]["marked_late_at"] is None  # the task did not run for ON_TIME
