"""Keeping month partitions ahead of the data: ``ensure_partitions``.

Called by ``ditep partitions ensure`` and meant for the background worker (once a
day is plenty: it creates months ahead). Idempotent. A month whose rows already sit in
the DEFAULT partition is not created (PostgreSQL would refuse): it is reported, and
those rows stay in DEFAULT, where they are counted all the same (docs/scale.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ditep_core.partitions.repository import (
    PARTITIONED,
    PartitionRepository,
    month_partition_name,
    next_month,
)


@dataclass(slots=True)
class PartitionReport:
    partitioned: bool
    """False on SQLite (nothing is partitioned there) or before migration 0014."""
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    # Months left to the DEFAULT partition because it already holds rows of theirs.
    held_by_default: list[str] = field(default_factory=list)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s to ``last``'s, both included."""
    month = first.replace(day=1)
    months: list[dt.date] = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def ensure_partitions(
    session: Session,
    *,
    months_ahead: int = 12,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> PartitionReport:
    """Create the month partitions from ``since``'s month (default: this month) to
    ``months_ahead`` months after this one, for every partitioned table. Never commits."""
    if months_ahead < 0:
        raise ValueError("months_ahead must be 0 or more")
    repository = PartitionRepository(session)
    if not all(repository.is_partitioned(table) for table in PARTITIONED):
        return PartitionReport(partitioned=False)
    current = (today or dt.datetime.now(dt.UTC).date()).replace(day=1)
    months = months_between(since or current, add_months(current, months_ahead))
    report = PartitionReport(partitioned=True)
    for table in PARTITIONED:
        present = repository.partitions(table)
        for month in months:
            name = month_partition_name(table, month)
            if name in present:
                report.existing.append(name)
            elif repository.default_holds_rows(table, month):
                report.held_by_default.append(name)
            else:
                repository.create_month(table, month)
                report.created.append(name)
    return report
