"""Imports that lose nothing: stamps, supersession, mass-deletion guard, fuller results.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_COUNTS = (
    "outside_window_count",
    "kept_count",
    "periods_created_count",
    "periods_updated_count",
    "periods_deleted_count",
)


def upgrade() -> None:
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_stamp", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("window_end", sa.Date(), nullable=True))
        for name in _COUNTS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0"))
            )
        batch_op.add_column(sa.Column("pending_deletions", _JSON, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_feed_import_source_id_status"), ["source_id", "status"], unique=False
        )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mass_delete_share",
                sa.Float(),
                nullable=False,
                server_default=sa.text("0.5"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("mass_delete_share")
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_import_source_id_status"))
        batch_op.drop_column("pending_deletions")
        for name in reversed(_COUNTS):
            batch_op.drop_column(name)
        batch_op.drop_column("window_end")
        batch_op.drop_column("window_start")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("feed_stamp")
