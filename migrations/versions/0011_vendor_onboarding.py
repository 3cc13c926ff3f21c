"""Vendor onboarding: a source can be disabled; imports keep their unclassified count and
their warnings apart.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unclassified_count", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )
        batch_op.add_column(sa.Column("warnings", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.drop_column("warnings")
        batch_op.drop_column("unclassified_count")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
