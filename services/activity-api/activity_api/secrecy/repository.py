"""Stored secrecy decisions (``secrecy_decision``): looked up by the reads, written by the
``secrecy.decide`` task (``secrecy.tasks``), and the data times that say which are due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from activity_api.regions.aggregate import CellKey
from ditep_core.models import (
    Establishment,
    RollupState,
    SecrecyDecision,
    Transmission,
)

# Decisions kept per family (the newest): enough for a read still running on the data
# of a moment ago, and a bounded table.
KEPT_PER_FAMILY = 3


@dataclass(frozen=True, slots=True)
class Decision:
    family: str
    digest: str
    threshold: int
    hidden: frozenset[CellKey]


class SecrecyDecisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hidden_cells(self, digest: str) -> frozenset[CellKey] | None:
        hidden = self.session.scalar(
            select(SecrecyDecision.hidden).where(SecrecyDecision.digest == digest)
        )
        if hidden is None:
            return None
        return frozenset((row, period, path) for row, period, path in hidden)

    def add(self, decisions: Iterable[Decision], decided_at: dt.datetime) -> int:
        """Store the decisions not stored yet (a digest stored already is the same
        decision: kept), then keep the newest ``KEPT_PER_FAMILY`` of each family;
        how many were stored."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stored = 0
        families: set[str] = set()
        for decision in decisions:
            families.add(decision.family)
            inserted = self.session.scalar(
                insert(SecrecyDecision)
                .values(
                    digest=decision.digest,
                    family=decision.family,
                    threshold=decision.threshold,
                    hidden=[list(key) for key in sorted(decision.hidden)],
                    hidden_count=len(decision.hidden),
                    decided_at=decided_at,
                )
                .on_conflict_do_nothing(index_elements=["digest"])
                .returning(SecrecyDecision.digest)
            )
            stored += inserted is not None
        for family in sorted(families):
            kept = (
                select(SecrecyDecision.digest)
                .where(SecrecyDecision.family == family)
                .order_by(SecrecyDecision.decided_at.desc(), SecrecyDecision.digest)
                .limit(KEPT_PER_FAMILY)
            )
            self.session.execute(
                delete(SecrecyDecision).where(
                    SecrecyDecision.family == family,
                    SecrecyDecision.digest.not_in(kept.scalar_subquery()),
                )
            )
        self.session.flush()
        return stored

    def families(self) -> dict[str, dt.datetime]:
        """Each family's newest decision time."""
        rows = self.session.execute(
            select(SecrecyDecision.family, func.max(SecrecyDecision.decided_at)).group_by(
                SecrecyDecision.family
            )
        )
        return {family: _aware(at) for family, at in rows}

    def transmitted_quarters(self) -> dict[str, dt.datetime]:
        """Each transmitted quarter and its latest transmission."""
        rows = self.session.execute(
            select(Transmission.period_code, func.max(Transmission.transmitted_at)).group_by(
                Transmission.period_code
            )
        )
        return {period: _aware(at) for period, at in rows}

    def refreshed_weeks(self) -> list[tuple[str, dt.date, dt.datetime]]:
        """(region, week, its latest refresh over the region's establishments)."""
        rows = self.session.execute(
            select(
                Establishment.region_code,
                RollupState.week_start,
                func.max(RollupState.refreshed_at),
            )
            .join(Establishment, Establishment.id == RollupState.establishment_id)
            .group_by(Establishment.region_code, RollupState.week_start)
        )
        return [(region, week, _aware(at)) for region, week, at in rows]

    def regions(self) -> list[str]:
        """The regions with establishments."""
        return list(
            self.session.scalars(
                select(Establishment.region_code).distinct().order_by(Establishment.region_code)
            )
        )


def _aware(value: dt.datetime) -> dt.datetime:
    """An aggregate (max) skips the column's type: naive UTC from the database."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class StoredDecisions:
    """The reads' ``DecisionSource``: the stored decision of a table, looked up by its
    digest; reads only read (a decision taken in the process is not stored)."""

    def __init__(self, session: Session) -> None:
        self.repository = SecrecyDecisionRepository(session)

    def lookup(self, digest: str) -> frozenset[CellKey] | None:
        return self.repository.hidden_cells(digest)

    def before_deciding(self) -> None:
        return None

    def used(self, family: str, digest: str, threshold: int, hidden: frozenset[CellKey]) -> None:
        return None
