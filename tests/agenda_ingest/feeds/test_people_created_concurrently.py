"""Two imports of one establishment that both meet a new young person (two agendas pushed
at once) must both succeed with one person: found by the national benchmark as a 500
(duplicate key on person) when eight pushers shared an establishment."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, func, select, text

from agenda_ingest.feeds.repository import PersonRepository
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Person
from ditep_core.nomenclatures import PersonKind
from tests.conftest import SAMPLE_FINESS

YOUTH = (PersonKind.YOUTH, "pseudonym-of-a-new-young-person")


def _establishment_id(database: Database) -> int:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(SAMPLE_FINESS)
        assert establishment is not None
        return establishment.id


def _wait_for_a_lock_wait(database: Database) -> None:
    """Until another backend of this database waits on a lock (the second insert)."""
    deadline = time.monotonic() + 10
    # An engine of its own: the test's pool is held by the two imports.
    engine = create_engine(database.engine.url)
    try:
        with engine.connect() as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                watcher.rollback()
                if waiting:
                    return
                time.sleep(0.02)
    finally:
        engine.dispose()
    raise AssertionError("the second import never waited on the first one's row")


def test_two_imports_creating_one_young_person_both_succeed(pooled_database: Database) -> None:
    establishment_id = _establishment_id(pooled_database)
    first_inserted = threading.Event()
    second_started = threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with pooled_database.unit_of_work(write=True) as session:
                found = PersonRepository(session).ensure(
                    establishment_id, {YOUTH: None}, {YOUTH: "link"}
                )
                ids["first"] = found[YOUTH]
                first_inserted.set()
                # Commit only once the other import has found the person missing and waits
                # on this uncommitted row (PostgreSQL); on SQLite it waits for the writer
                # lock before it reads anything, so there is no race to set up.
                second_started.wait(10)
                if not pooled_database.is_sqlite:
                    _wait_for_a_lock_wait(pooled_database)
        except BaseException as error:  # the assertion below reports it
            errors.append(error)
            first_inserted.set()

    def second() -> None:
        try:
            first_inserted.wait(10)
            second_started.set()
            with pooled_database.unit_of_work(write=True) as session:
                found = PersonRepository(session).ensure(
                    establishment_id, {YOUTH: "educateur"}, {YOUTH: "link"}
                )
                ids["second"] = found[YOUTH]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert ids["first"] == ids["second"]
    with pooled_database.unit_of_work() as session:
        count = session.scalar(
            select(func.count()).select_from(Person).where(Person.pseudonym == YOUTH[1])
        )
    assert count == 1
