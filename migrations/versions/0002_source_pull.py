"""Pulling sources: interval, credentials name, HTTP validators, last result, lease.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        # The server default fills the existing rows: every source is due at once.
        batch_op.add_column(
            sa.Column(
                "pull_interval_minutes", sa.Integer(), server_default=sa.text("60"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("credentials_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("http_etag", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("http_last_modified", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("last_pulled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_pull_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_pull_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("last_pull_error")
        batch_op.drop_column("last_pull_status")
        batch_op.drop_column("last_pulled_at")
        batch_op.drop_column("http_last_modified")
        batch_op.drop_column("http_etag")
        batch_op.drop_column("credentials_name")
        batch_op.drop_column("pull_interval_minutes")
