"""Deciding the ARS tables' secrecy ahead of the reads (the ``secrecy.decide`` task).

A read of a region's activity or of a quarter's results builds its table and looks the
decision up by the table's digest (``regions.aggregate``): in the process first, then
in ``secrecy_decision`` (``StoredDecisions``), and decides only when neither has it. The
task builds the same tables with the same code (``regions.service.region_activity_table``,
which builds the quarter's national results too) and stores every decision they used:
the decisions are those a read would take, by construction. Data changed since is
another digest: the stored decision is not used, and the read decides as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from activity_api.regions.aggregate import CellKey
from activity_api.regions.results import results_family
from activity_api.regions.service import activity_family, region_activity_table
from activity_api.secrecy.repository import Decision, SecrecyDecisionRepository
from ditep_core.db import Database
from ditep_core.models import utc_now
from ditep_counting.engine.periods import parse_period
from ditep_counting.rollups.service import active_profile


class RecordingDecisions:
    """The task's ``DecisionSource``: stored decisions are looked up as a read does, and
    each decision used that is not stored yet is kept, to be written after the read."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repository = SecrecyDecisionRepository(session)
        self.found: set[str] = set()
        self.decisions: dict[str, Decision] = {}

    def lookup(self, digest: str) -> frozenset[CellKey] | None:
        hidden = self.repository.hidden_cells(digest)
        if hidden is not None:
            self.found.add(digest)
        return hidden

    def before_deciding(self) -> None:
        # A decision may take minutes: no transaction is held open meanwhile (idle in
        # transaction). The next query begins another; its data, if changed, gives
        # another digest, never a wrong decision.
        self.session.commit()

    def used(self, family: str, digest: str, threshold: int, hidden: frozenset[CellKey]) -> None:
        if digest not in self.found:
            self.decisions[digest] = Decision(family, digest, threshold, hidden)


@dataclass(frozen=True, slots=True)
class Decided:
    stored: int  # decisions written
    found: int  # decisions found stored already


def decide_quarter(database: Database, quarter: str, region_code: str | None = None) -> Decided:
    """Decide and store the secrecy of a quarter's published tables: its national
    results and the activity of ``region_code`` (None: of every region with
    establishments). Idempotent: what is stored already is read, not decided again."""
    period = parse_period(quarter)
    started = utc_now()
    with database.unit_of_work() as session:
        recorder = RecordingDecisions(session)
        threshold = active_profile(session).suppression_threshold
        regions = [region_code] if region_code else recorder.repository.regions()
        for code in regions:
            region_activity_table(
                session, code, period, threshold=threshold, now=started, decisions=recorder
            )
        if not regions:  # no establishment: nothing is published
            return Decided(0, 0)
    with database.unit_of_work(write=True) as session:
        # decided_at: before the data was read, so a later change is always newer.
        stored = SecrecyDecisionRepository(session).add(
            recorder.decisions.values(), decided_at=started
        )
    return Decided(stored, len(recorder.found))


def due_quarters(session: Session) -> list[tuple[str, str | None]]:
    """(quarter, region or None for every region) whose data changed after their newest
    stored decision, or that have none: quarters transmitted since their national
    results were decided, region-quarters refreshed since their activity was."""
    repository = SecrecyDecisionRepository(session)
    decided = repository.families()
    due: dict[str, set[str | None]] = {}
    for quarter, transmitted_at in repository.transmitted_quarters().items():
        if _newer(transmitted_at, decided.get(results_family(quarter))):
            due.setdefault(quarter, set()).add(None)
    refreshed: dict[tuple[str, str], dt.datetime] = {}
    for region, week, at in repository.refreshed_weeks():
        for day in (week, week + dt.timedelta(days=6)):
            key = (region, f"{day.year}-Q{(day.month - 1) // 3 + 1}")
            if key not in refreshed or at > refreshed[key]:
                refreshed[key] = at
    for (region, quarter), at in refreshed.items():
        if _newer(at, decided.get(activity_family(region, quarter))):
            due.setdefault(quarter, set()).add(region)
    work: list[tuple[str, str | None]] = []
    for quarter in sorted(due):
        regions = due[quarter]
        if None in regions:  # every region is decided with the quarter's results
            work.append((quarter, None))
        else:
            work += [(quarter, region) for region in sorted(r for r in regions if r is not None)]
    return work


def _newer(changed_at: dt.datetime, decided_at: dt.datetime | None) -> bool:
    return decided_at is None or changed_at >= decided_at
