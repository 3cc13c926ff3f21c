"""A read request's unit of work cannot write: the guard behind "no read endpoint writes"."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, update

from ditep_core.db import Database, ReadOnlyViolation
from ditep_core.models import Establishment


def _count(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Establishment)) or 0


def test_reads_go_through(database: Database) -> None:
    with database.unit_of_work(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Establishment)) is not None


def test_an_orm_write_is_refused_and_nothing_is_written(database: Database) -> None:
    before = _count(database)
    establishment = Establishment(
        finess="750000013",
        name="x",
        region_code="11",
        department_code="75",
        timezone="Europe/Paris",
    )
    with database.unit_of_work(read_only=True) as session:
        session.add(establishment)
        with pytest.raises(ReadOnlyViolation):
            session.flush()
        session.expunge(establishment)
    assert _count(database) == before


@pytest.mark.parametrize("kind", ["insert", "update"])
def test_a_write_statement_is_refused(database: Database, kind: str) -> None:
    before = _count(database)
    statement = (
        insert(Establishment).values(
            finess="750000013",
            name="x",
            region_code="11",
            department_code="75",
            timezone="Europe/Paris",
        )
        if kind == "insert"
        else update(Establishment).values(name="changed")
    )
    with pytest.raises(ReadOnlyViolation), database.unit_of_work(read_only=True) as session:
        session.execute(statement)
    assert _count(database) == before


def test_a_unit_of_work_cannot_be_both(database: Database) -> None:
    with (
        pytest.raises(ValueError, match="both write and be read-only"),
        database.unit_of_work(write=True, read_only=True),
    ):
        pass
