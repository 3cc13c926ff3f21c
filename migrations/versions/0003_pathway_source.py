"""Pathway periods from feeds: their source, the feed's identifier, the stay's modality.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pathway_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("modality", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pathway_period_source_id_source"),
            "source",
            ["source_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_pathway_period_source_id_external_id"), ["source_id", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("pathway_period", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_pathway_period_source_id_external_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_pathway_period_source_id_source"), type_="foreignkey"
        )
        batch_op.drop_column("modality")
        batch_op.drop_column("external_id")
        batch_op.drop_column("source_id")
