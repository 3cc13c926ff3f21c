"""Background tasks: the task queue (PostgreSQL), task runs, rollup invalidation, payload purges.

Revision ID: 0012
Revises: 0011

- PostgreSQL only: procrastinate's schema (its tables, types, functions and triggers, all
  named ``procrastinate_*``), applied from the SQL the installed procrastinate ships. A
  later minor version of procrastinate needs a migration applying its files of
  ``procrastinate/sql/migrations``. Nothing of it on SQLite (its tasks run in-process).
- ``task_run``: the last run of each background task (per key), with its error: what
  ``ditep tasks`` lists beside the queue, and all it lists on SQLite.
- ``rollup_state.invalidated_at``: a week whose sessions changed keeps its last computed
  rollups (reads serve them, saying ``stale``) until the refresh task recomputes it.
- ``feed_import.payload_purged_at`` and ``payload_purge``: the retention task's record.
"""

from collections.abc import Sequence
from importlib import resources

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Drops every object procrastinate's schema creates: they all carry its prefix.
_DROP_PROCRASTINATE = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT event_object_table AS tab, trigger_name AS name
                FROM information_schema.triggers
                WHERE trigger_schema = current_schema() AND trigger_name LIKE 'procrastinate%'
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', item.name, item.tab);
    END LOOP;
    FOR item IN SELECT tablename AS name FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.name);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure::text AS signature, p.prokind AS kind
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
    LOOP
        IF item.kind = 'p' THEN
            EXECUTE 'DROP PROCEDURE IF EXISTS ' || item.signature || ' CASCADE';
        ELSE
            EXECUTE 'DROP FUNCTION IF EXISTS ' || item.signature || ' CASCADE';
        END IF;
    END LOOP;
    FOR item IN SELECT t.typname AS name FROM pg_type t
                JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                  AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.name);
    END LOOP;
END
$$;
"""


def _procrastinate_schema() -> str:
    return (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The schema is a script of many statements: run it through the driver as it is.
        op.get_bind().exec_driver_sql(_procrastinate_schema().replace("%", "%%"))
    op.create_table(
        "task_run",
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("task", "key", name=op.f("pk_task_run")),
    )
    op.create_table(
        "payload_purge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=False),
        sa.Column("received_before", sa.DateTime(), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("import_count", sa.Integer(), nullable=False),
        sa.Column("byte_count", sa.BigInteger(), nullable=False),
        sa.Column("import_ids", JSON_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payload_purge")),
    )
    with op.batch_alter_table("rollup_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalidated_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_rollup_state_invalidated_at"), ["invalidated_at"], unique=False
        )
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_purged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.drop_column("payload_purged_at")
    with op.batch_alter_table("rollup_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_state_invalidated_at"))
        batch_op.drop_column("invalidated_at")
    op.drop_table("payload_purge")
    op.drop_table("task_run")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_DROP_PROCRASTINATE)
