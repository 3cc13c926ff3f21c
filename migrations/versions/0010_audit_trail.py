"""Audit trail: query string, our request id, source address, summaries of unauthenticated calls.

Revision ID: 0010
Revises: 0009

Touches only ``audit_event``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUMMARY_INDEX = "ix_audit_event_service_source_address_summary_minute"


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("query", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("source_address", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("request_count", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("summary_minute", sa.DateTime(), nullable=True))
        batch_op.create_index(
            _SUMMARY_INDEX, ["service", "source_address", "summary_minute"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(_SUMMARY_INDEX)
        batch_op.drop_column("summary_minute")
        batch_op.drop_column("request_count")
        batch_op.drop_column("source_address")
        batch_op.drop_column("query")
        batch_op.drop_column("request_id")
