"""Queries on rule-set versions and manual classifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ditep_core.models import (
    AgendaSession,
    ClassificationRuleSet,
    ComplexityFlag,
    ManualClassification,
    PathwayPeriod,
    Person,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import PathwayStatus, PersonKind, Presence
from ditep_counting.engine.figures import ComplexitySpan, PathwaySpan


class RuleSetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, establishment_id: int) -> ClassificationRuleSet | None:
        statement = (
            select(ClassificationRuleSet)
            .where(ClassificationRuleSet.establishment_id == establishment_id)
            .order_by(ClassificationRuleSet.number.desc())
            .limit(1)
        )
        return self.session.scalars(statement).one_or_none()

    def by_number(self, establishment_id: int, number: int) -> ClassificationRuleSet | None:
        statement = select(ClassificationRuleSet).where(
            ClassificationRuleSet.establishment_id == establishment_id,
            ClassificationRuleSet.number == number,
        )
        return self.session.scalars(statement).one_or_none()

    def by_version(self, version: str) -> ClassificationRuleSet | None:
        statement = select(ClassificationRuleSet).where(ClassificationRuleSet.version == version)
        return self.session.scalars(statement).one_or_none()

    def list_for(self, establishment_id: int) -> Sequence[ClassificationRuleSet]:
        statement = (
            select(ClassificationRuleSet)
            .where(ClassificationRuleSet.establishment_id == establishment_id)
            .order_by(ClassificationRuleSet.number)
        )
        return self.session.scalars(statement).all()

    def next_number(self, establishment_id: int) -> int:
        statement = select(func.max(ClassificationRuleSet.number)).where(
            ClassificationRuleSet.establishment_id == establishment_id
        )
        return int(self.session.scalar(statement) or 0) + 1

    def add(self, row: ClassificationRuleSet) -> ClassificationRuleSet:
        self.session.add(row)
        self.session.flush()
        return row


class ManualRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_source(self, source_id: int) -> Sequence[ManualClassification]:
        statement = select(ManualClassification).where(ManualClassification.source_id == source_id)
        return self.session.scalars(statement).all()

    def for_establishment(self, establishment_id: int) -> Sequence[ManualClassification]:
        statement = select(ManualClassification).where(
            ManualClassification.establishment_id == establishment_id
        )
        return self.session.scalars(statement).all()

    def get(self, source_id: int, uid: str, recurrence_id: str) -> ManualClassification | None:
        statement = select(ManualClassification).where(
            ManualClassification.source_id == source_id,
            ManualClassification.uid == uid,
            ManualClassification.recurrence_id == recurrence_id,
        )
        return self.session.scalars(statement).one_or_none()

    def add(self, row: ManualClassification) -> ManualClassification:
        self.session.add(row)
        self.session.flush()
        return row


@dataclass(frozen=True, slots=True)
class CountingFacts:
    """What decides whether one stored session counts, read from the database."""

    session: AgendaSession
    source: Source
    youth: list[tuple[int, Presence]]
    """Each young person's id and presence."""
    pathways: dict[int, list[tuple[PathwayStatus, dt.date, dt.date | None]]]
    """Each young person's pathway periods covering the session's start day."""


class CountingFactsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, session_id: int, day: dt.date | None = None) -> CountingFacts | None:
        row = self.session.execute(
            select(AgendaSession, Source)
            .join(Source, Source.id == AgendaSession.source_id)
            .where(AgendaSession.id == session_id)
        ).one_or_none()
        if row is None:
            return None
        stored, source = row
        youth = [
            (person_id, presence)
            for person_id, presence in self.session.execute(
                select(SessionParticipant.person_id, SessionParticipant.presence)
                .where(
                    SessionParticipant.session_id == session_id,
                    SessionParticipant.kind == PersonKind.YOUTH,
                )
                .order_by(SessionParticipant.person_id)
            ).all()
        ]
        pathways: dict[int, list[tuple[PathwayStatus, dt.date, dt.date | None]]] = {
            person_id: [] for person_id, _presence in youth
        }
        if youth and day is not None:
            for person_id, status, start, end in self.session.execute(
                select(
                    PathwayPeriod.person_id,
                    PathwayPeriod.status,
                    PathwayPeriod.start_date,
                    PathwayPeriod.end_date,
                )
                .where(
                    PathwayPeriod.person_id.in_(list(pathways)),
                    PathwayPeriod.start_date <= day,
                    or_(PathwayPeriod.end_date.is_(None), PathwayPeriod.end_date >= day),
                )
                .order_by(PathwayPeriod.start_date)
            ).all():
                pathways[person_id].append((status, start, end))
        return CountingFacts(stored, source, youth, pathways)

    def pathway_spans(self, establishment_id: int) -> list[PathwaySpan]:
        """Every pathway period of the establishment's young people, for the counting."""
        rows = self.session.execute(
            select(
                PathwayPeriod.person_id,
                PathwayPeriod.status,
                PathwayPeriod.start_date,
                PathwayPeriod.end_date,
            )
            .join(Person, Person.id == PathwayPeriod.person_id)
            .where(Person.establishment_id == establishment_id)
        ).all()
        return [
            PathwaySpan(person_id, status, start, end) for person_id, status, start, end in rows
        ]

    def complexity_spans(
        self, establishment_id: int, start: dt.date, end: dt.date
    ) -> list[ComplexitySpan]:
        """The complex-situation flags overlapping [start, end), a week either side."""
        rows = self.session.execute(
            select(ComplexityFlag.person_id, ComplexityFlag.start_date, ComplexityFlag.end_date)
            .join(Person, Person.id == ComplexityFlag.person_id)
            .where(
                Person.establishment_id == establishment_id,
                ComplexityFlag.start_date < end + dt.timedelta(days=7),
                or_(
                    ComplexityFlag.end_date.is_(None),
                    ComplexityFlag.end_date >= start - dt.timedelta(days=7),
                ),
            )
        ).all()
        return [ComplexitySpan(person_id, first, last) for person_id, first, last in rows]
