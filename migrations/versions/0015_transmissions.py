"""Quarterly transmissions: each version of a quarter's figures sent to the ARS (issue 16).

Revision ID: 0015
Revises: 0014

Adds ``transmission`` only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "transmission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("profile_version", sa.String(length=64), nullable=False),
        sa.Column("rule_set_versions", JSON_TYPE, nullable=False),
        sa.Column("import_ids", JSON_TYPE, nullable=False),
        sa.Column("body", JSON_TYPE, nullable=False),
        sa.Column("diff", JSON_TYPE, nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("transmitted_at", sa.DateTime(), nullable=False),
        sa.Column("transmitted_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_transmission_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transmission")),
        sa.UniqueConstraint(
            "establishment_id",
            "period_code",
            "version",
            name=op.f("uq_transmission_establishment_id_period_code_version"),
        ),
    )
    with op.batch_alter_table("transmission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transmission_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transmission_period_code"), ["period_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transmission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transmission_period_code"))
        batch_op.drop_index(batch_op.f("ix_transmission_establishment_id"))
    op.drop_table("transmission")
