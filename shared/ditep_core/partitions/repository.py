"""The catalogue queries and DDL behind month partitions (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

SCHEMA = "ditep_partitions"
"""Partitions live apart from the schema the models describe: reflection and Alembic's
drift check see the partitioned tables only."""
PARTITIONED = {"agenda_session": "start_at", "session_participant": "session_start_at"}
"""Table → partition key (naive UTC start of the session). Sessions first: their
participants reference them."""
LOCK_TIMEOUT = "5s"
"""Creating a partition locks its parent: wait this long at most, rather than queue
every reader of the table behind a long-running read."""


def month_partition_name(table: str, month: dt.date) -> str:
    return f"{table}_{month:%Y_%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


class PartitionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def is_partitioned(self, table: str) -> bool:
        if self.session.get_bind().dialect.name != "postgresql":
            return False
        found = self.session.execute(
            text(
                "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.relname = :table AND c.relnamespace = current_schema()::regnamespace"
            ),
            {"table": table},
        ).first()
        return found is not None

    def partitions(self, table: str) -> set[str]:
        """Names of the partitions attached to ``table``."""
        rows = self.session.execute(
            text(
                "SELECT child.relname FROM pg_inherits i "
                "JOIN pg_class parent ON parent.oid = i.inhparent "
                "JOIN pg_class child ON child.oid = i.inhrelid "
                "WHERE parent.relname = :table "
                "AND parent.relnamespace = current_schema()::regnamespace"
            ),
            {"table": table},
        )
        return {name for (name,) in rows}

    def default_holds_rows(self, table: str, month: dt.date) -> bool:
        """Whether the DEFAULT partition holds rows of ``month``: PostgreSQL refuses to
        create that month's partition then (the rows would have to move first)."""
        key = PARTITIONED[table]
        found = self.session.execute(
            text(
                f'SELECT 1 FROM "{SCHEMA}"."{default_partition_name(table)}" '  # noqa: S608 - our names
                f"WHERE {key} >= :lower AND {key} < :upper LIMIT 1"
            ),
            {
                "lower": dt.datetime.combine(month, dt.time()),
                "upper": dt.datetime.combine(next_month(month), dt.time()),
            },
        ).first()
        return found is not None

    def create_month(self, table: str, month: dt.date) -> None:
        self.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        self.session.execute(
            text(
                f'CREATE TABLE IF NOT EXISTS "{SCHEMA}"."{month_partition_name(table, month)}" '
                f"PARTITION OF \"{table}\" FOR VALUES FROM ('{month:%Y-%m-%d}') "
                f"TO ('{next_month(month):%Y-%m-%d}')"
            )
        )

    def partition_rows(self, table: str) -> dict[str, int]:
        """Rows per partition (exact counts: for tests and the benchmark, not for routes)."""
        counts: dict[str, int] = {}
        for name in sorted(self.partitions(table)):
            counts[name] = int(
                self.session.execute(
                    text(f'SELECT count(*) FROM "{SCHEMA}"."{name}"')  # noqa: S608 - our names
                ).scalar_one()
            )
        return counts
