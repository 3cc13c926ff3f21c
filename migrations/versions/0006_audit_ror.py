"""Audit log of route calls and admin actions; keys bound to departments (issue 7).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("departments", JSON_TYPE, server_default=sa.text("'[]'"), nullable=False)
        )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=True),
        sa.Column("scope_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"])
        batch_op.create_index(
            batch_op.f("ix_audit_event_client_id_occurred_at"), ["client_id", "occurred_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_client_id_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))
    op.drop_table("audit_event")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_column("departments")
