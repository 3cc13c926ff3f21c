"""Sessions and their participants partitioned by month of the session's start (PostgreSQL).

Revision ID: 0014
Revises: 0013

Both databases: ``session_participant.session_start_at`` (the session's ``start_at``,
copied), backfilled from the sessions.

PostgreSQL only: ``agenda_session`` becomes ``PARTITION BY RANGE (start_at)`` and
``session_participant`` ``PARTITION BY RANGE (session_start_at)``, one partition per
month (UTC) in the schema ``ditep_partitions``, from twelve months before this one (or the
month of the oldest stored session, up to ten years back) to twelve months after, plus
a DEFAULT partition each that takes any other row, so that nothing is ever refused.
``ditep partitions ensure`` creates later months (ditep_core.partitions.service).

A partitioned table's primary key and unique constraints must hold its partition key:
``agenda_session`` keys on ``(id, start_at)``, its natural key becomes
``(source_id, uid, recurrence_id, start_at)``, and participants reference sessions by
``(session_id, session_start_at)`` (ON UPDATE CASCADE follows a session that moves to
another month). The tables are rebuilt and the rows copied: a long lock on a large
database (docs/scale.md says how to plan it). SQLite keeps plain tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ditep_partitions"
MONTHS_BACK = 12
MONTHS_AHEAD = 12
OLDEST_MONTHS_BACK = 120
# Created on the partitioned parents, with the names the plain tables had.
_SESSION_INDEXES = (
    "CREATE INDEX ix_agenda_session_establishment_id_start_at "
    "ON agenda_session (establishment_id, start_at)",
    "CREATE INDEX ix_agenda_session_import_id ON agenda_session (import_id)",
)
_SESSION_FOREIGN_KEYS = (
    "ALTER TABLE agenda_session ADD CONSTRAINT fk_agenda_session_establishment_id_establishment "
    "FOREIGN KEY (establishment_id) REFERENCES establishment (id) ON DELETE CASCADE",
    "ALTER TABLE agenda_session ADD CONSTRAINT fk_agenda_session_import_id_feed_import "
    "FOREIGN KEY (import_id) REFERENCES feed_import (id) ON DELETE SET NULL",
    "ALTER TABLE agenda_session ADD CONSTRAINT fk_agenda_session_source_id_source "
    "FOREIGN KEY (source_id) REFERENCES source (id) ON DELETE CASCADE",
)
_PARTICIPANT_INDEX = (
    "CREATE INDEX ix_session_participant_person_id ON session_participant (person_id)"
)
_PARTICIPANT_PERSON_FK = (
    "ALTER TABLE session_participant ADD CONSTRAINT fk_session_participant_person_id_person "
    "FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE"
)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months = [first]
    while months[-1] < last:
        months.append(_add_months(months[-1], 1))
    return months


def _partition(table: str, month: dt.date) -> str:
    return (
        f'CREATE TABLE "{SCHEMA}"."{table}_{month:%Y_%m}" PARTITION OF {table} '
        f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{_add_months(month, 1):%Y-%m-%d}')"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("session_participant", schema=None) as batch_op:
            batch_op.add_column(sa.Column("session_start_at", sa.DateTime(), nullable=True))
        op.execute(
            "UPDATE session_participant SET session_start_at = (SELECT start_at FROM "
            "agenda_session WHERE agenda_session.id = session_participant.session_id)"
        )
        with op.batch_alter_table("session_participant", schema=None) as batch_op:
            batch_op.alter_column("session_start_at", existing_type=sa.DateTime(), nullable=False)
        return
    _upgrade_postgresql()


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    oldest = bind.execute(sa.text("SELECT min(start_at) FROM agenda_session")).scalar()
    first = _add_months(this_month, -MONTHS_BACK)
    if oldest is not None:
        first = max(
            min(first, oldest.date().replace(day=1)), _add_months(this_month, -OLDEST_MONTHS_BACK)
        )
    months = _months(first, _add_months(this_month, MONTHS_AHEAD))

    # The plain tables step aside (their keys and indexes dropped: the names are reused).
    op.execute("ALTER TABLE session_participant RENAME TO session_participant_plain")
    op.execute("ALTER TABLE agenda_session RENAME TO agenda_session_plain")
    for table, constraints in (
        (
            "session_participant_plain",
            (
                "fk_session_participant_session_id_agenda_session",
                "fk_session_participant_person_id_person",
                "pk_session_participant",
            ),
        ),
        (
            "agenda_session_plain",
            (
                "uq_agenda_session_source_id_uid_recurrence_id",
                "fk_agenda_session_establishment_id_establishment",
                "fk_agenda_session_import_id_feed_import",
                "fk_agenda_session_source_id_source",
                "pk_agenda_session",
            ),
        ),
    ):
        for name in constraints:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for index in (
        "ix_session_participant_person_id",
        "ix_agenda_session_establishment_id_start_at",
        "ix_agenda_session_import_id",
    ):
        op.execute(f"DROP INDEX {index}")

    op.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
    op.execute(
        "CREATE TABLE agenda_session (LIKE agenda_session_plain INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (start_at)"
    )
    op.execute("ALTER SEQUENCE agenda_session_id_seq OWNED BY agenda_session.id")
    op.execute(
        "ALTER TABLE agenda_session ADD CONSTRAINT pk_agenda_session PRIMARY KEY (id, start_at)"
    )
    op.execute(
        "ALTER TABLE agenda_session ADD CONSTRAINT uq_agenda_session_source_id_uid_recurrence_id "
        "UNIQUE (source_id, uid, recurrence_id, start_at)"
    )
    op.execute(
        "CREATE TABLE session_participant (LIKE session_participant_plain, "
        "session_start_at timestamp without time zone NOT NULL) "
        "PARTITION BY RANGE (session_start_at)"
    )
    op.execute(
        "ALTER TABLE session_participant ADD CONSTRAINT pk_session_participant "
        "PRIMARY KEY (session_id, person_id, session_start_at)"
    )
    for table in ("agenda_session", "session_participant"):
        for month in months:
            op.execute(_partition(table, month))
        op.execute(f'CREATE TABLE "{SCHEMA}"."{table}_default" PARTITION OF {table} DEFAULT')

    # Rows are copied before the secondary indexes and foreign keys exist (faster).
    op.execute("INSERT INTO agenda_session SELECT * FROM agenda_session_plain")
    op.execute(
        "INSERT INTO session_participant (session_id, person_id, kind, presence, "
        "session_start_at) SELECT p.session_id, p.person_id, p.kind, p.presence, s.start_at "
        "FROM session_participant_plain p JOIN agenda_session_plain s ON s.id = p.session_id"
    )
    op.execute("DROP TABLE session_participant_plain")
    op.execute("DROP TABLE agenda_session_plain")
    for statement in (*_SESSION_INDEXES, *_SESSION_FOREIGN_KEYS, _PARTICIPANT_INDEX):
        op.execute(statement)
    op.execute(_PARTICIPANT_PERSON_FK)
    op.execute(
        "ALTER TABLE session_participant ADD CONSTRAINT "
        "fk_session_participant_session_id_agenda_session "
        "FOREIGN KEY (session_id, session_start_at) REFERENCES agenda_session (id, start_at) "
        "ON DELETE CASCADE ON UPDATE CASCADE"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("session_participant", schema=None) as batch_op:
            batch_op.drop_column("session_start_at")
        return
    op.execute("CREATE TABLE agenda_session_plain (LIKE agenda_session INCLUDING DEFAULTS)")
    op.execute("ALTER SEQUENCE agenda_session_id_seq OWNED BY agenda_session_plain.id")
    op.execute("INSERT INTO agenda_session_plain SELECT * FROM agenda_session")
    op.execute(
        "CREATE TABLE session_participant_plain AS SELECT session_id, person_id, kind, presence "
        "FROM session_participant"
    )
    for column in ("session_id", "person_id", "kind", "presence"):
        op.execute(f"ALTER TABLE session_participant_plain ALTER COLUMN {column} SET NOT NULL")
    op.execute("DROP TABLE session_participant")
    op.execute("DROP TABLE agenda_session")
    op.execute(f'DROP SCHEMA "{SCHEMA}" CASCADE')
    op.execute("ALTER TABLE agenda_session_plain RENAME TO agenda_session")
    op.execute("ALTER TABLE session_participant_plain RENAME TO session_participant")
    op.execute("ALTER TABLE agenda_session ADD CONSTRAINT pk_agenda_session PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE agenda_session ADD CONSTRAINT uq_agenda_session_source_id_uid_recurrence_id "
        "UNIQUE (source_id, uid, recurrence_id)"
    )
    op.execute(
        "ALTER TABLE session_participant ADD CONSTRAINT pk_session_participant "
        "PRIMARY KEY (session_id, person_id)"
    )
    for statement in (*_SESSION_INDEXES, *_SESSION_FOREIGN_KEYS, _PARTICIPANT_INDEX):
        op.execute(statement)
    op.execute(_PARTICIPANT_PERSON_FK)
    op.execute(
        "ALTER TABLE session_participant ADD CONSTRAINT "
        "fk_session_participant_session_id_agenda_session "
        "FOREIGN KEY (session_id) REFERENCES agenda_session (id) ON DELETE CASCADE"
    )
