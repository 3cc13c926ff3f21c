"""Reads and writes of the activity feature: pathways, complexity flags, capacity, freezes.

Sessions and rollups are read through ``ditep_counting.rollups.repository``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ditep_core.models import (
    ComplexityFlag,
    EstablishmentCapacity,
    FrozenPeriod,
    PathwayPeriod,
    Person,
    RollupYouthDay,
)
from ditep_core.nomenclatures import PersonKind
from ditep_core.pseudonyms import PersonKeys
from ditep_counting.engine.figures import ComplexitySpan

API_ORIGIN = "api"


class ActivityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def capacities(self, establishment_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        rows = self.session.execute(
            select(
                EstablishmentCapacity.establishment_id,
                EstablishmentCapacity.modality,
                EstablishmentCapacity.places,
            ).where(EstablishmentCapacity.establishment_id.in_(establishment_ids))
        )
        result: dict[int, dict[str, int]] = {key: {} for key in establishment_ids}
        for establishment_id, modality, places in rows:
            result[establishment_id][modality.value] = places
        return result

    def complexity(
        self, establishment_ids: Sequence[int], start: dt.date, end: dt.date
    ) -> dict[int, list[ComplexitySpan]]:
        # Weeks in the period may start up to 3 days before it and end 3 days after.
        rows = self.session.execute(
            select(
                Person.establishment_id,
                ComplexityFlag.person_id,
                ComplexityFlag.start_date,
                ComplexityFlag.end_date,
            )
            .join(Person, Person.id == ComplexityFlag.person_id)
            .where(
                Person.establishment_id.in_(establishment_ids),
                ComplexityFlag.start_date < end + dt.timedelta(days=7),
                (ComplexityFlag.end_date.is_(None))
                | (ComplexityFlag.end_date >= start - dt.timedelta(days=7)),
            )
        )
        result: dict[int, list[ComplexitySpan]] = {key: [] for key in establishment_ids}
        for establishment_id, person_id, first, last in rows:
            result[establishment_id].append(ComplexitySpan(person_id, first, last))
        return result

    def file_active_across(
        self, establishment_ids: Sequence[int], start: dt.date, end: dt.date
    ) -> tuple[int, int]:
        """(the sum of these establishments' file actives, the young people among them
        counted once): joined on link keys, on the server (published pseudonyms differ
        from one establishment to another and cannot be joined)."""
        supported = (
            select(RollupYouthDay.establishment_id, Person.link_key)
            .join(Person, Person.id == RollupYouthDay.person_id)
            .where(
                RollupYouthDay.establishment_id.in_(establishment_ids),
                RollupYouthDay.day >= start,
                RollupYouthDay.day < end,
                RollupYouthDay.support == 1,
                Person.kind == PersonKind.YOUTH,
            )
            .distinct()
            .subquery()
        )
        row = self.session.execute(
            select(func.count(), func.count(func.distinct(supported.c.link_key)))
        ).one()
        return int(row[0]), int(row[1])

    def youth_ids(self, establishment_id: int, people: Sequence[PersonKeys]) -> dict[str, int]:
        """Ids of these young people by pseudonym, creating the unknown ones."""
        link_keys = {person.pseudonym: person.link_key for person in people}
        wanted = sorted(link_keys)
        known: dict[str, int] = {}
        for index in range(0, len(wanted), 500):
            chunk = wanted[index : index + 500]
            rows = self.session.execute(
                select(Person.pseudonym, Person.id).where(
                    Person.establishment_id == establishment_id,
                    Person.kind == PersonKind.YOUTH,
                    Person.pseudonym.in_(chunk),
                )
            )
            for pseudonym, person_id in rows:
                known[pseudonym] = person_id
        for pseudonym in wanted:
            if pseudonym not in known:
                person = Person(
                    establishment_id=establishment_id,
                    kind=PersonKind.YOUTH,
                    pseudonym=pseudonym,
                    link_key=link_keys[pseudonym],
                )
                self.session.add(person)
                self.session.flush()
                known[pseudonym] = person.id
        return known

    def pseudonyms(self, person_ids: Sequence[int]) -> dict[int, str]:
        result: dict[int, str] = {}
        ids = sorted(set(person_ids))
        for index in range(0, len(ids), 500):
            rows = self.session.execute(
                select(Person.id, Person.pseudonym).where(Person.id.in_(ids[index : index + 500]))
            )
            for person_id, pseudonym in rows:
                result[person_id] = pseudonym
        return result

    def replace_api_rows(
        self,
        model: type[PathwayPeriod | ComplexityFlag],
        establishment_id: int,
        rows: Sequence[PathwayPeriod | ComplexityFlag],
    ) -> int:
        """The API's rows of ``model`` (pathway periods, complexity flags) of the
        establishment become these; the feeds' rows are kept. Returns how many went."""
        people = select(Person.id).where(Person.establishment_id == establishment_id)
        result = self.session.execute(
            delete(model).where(model.origin == API_ORIGIN, model.person_id.in_(people))
        )
        self.session.add_all(rows)
        self.session.flush()
        return int(getattr(result, "rowcount", 0) or 0)

    def frozen(self, establishment_id: int, period_code: str) -> FrozenPeriod | None:
        return self.session.scalars(
            select(FrozenPeriod).where(
                FrozenPeriod.establishment_id == establishment_id,
                FrozenPeriod.period_code == period_code,
            )
        ).one_or_none()

    def frozen_bodies(
        self, establishment_ids: Sequence[int], period_code: str
    ) -> dict[int, dict[str, Any]]:
        rows = self.session.execute(
            select(FrozenPeriod.establishment_id, FrozenPeriod.body).where(
                FrozenPeriod.establishment_id.in_(establishment_ids),
                FrozenPeriod.period_code == period_code,
            )
        )
        return {establishment_id: dict(body) for establishment_id, body in rows}

    def frozen_bodies_of_periods(
        self, establishment_id: int, period_codes: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """One establishment's frozen bodies of several periods (period code: body)."""
        rows = self.session.execute(
            select(FrozenPeriod.period_code, FrozenPeriod.body).where(
                FrozenPeriod.establishment_id == establishment_id,
                FrozenPeriod.period_code.in_(list(period_codes)),
            )
        )
        return {code: dict(body) for code, body in rows}

    def add_frozen(self, frozen: FrozenPeriod) -> FrozenPeriod:
        self.session.add(frozen)
        self.session.flush()
        return frozen
