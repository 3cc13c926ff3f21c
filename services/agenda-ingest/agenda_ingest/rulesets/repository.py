"""Queries on rule-set versions and manual classifications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ditep_core.models import ClassificationRuleSet, ManualClassification


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
