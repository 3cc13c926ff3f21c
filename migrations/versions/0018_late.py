"""Late transmissions: each establishment-quarter whose deadline passed untransmitted.

Revision ID: 0018
Revises: 0017

Adds ``transmission_late`` only (written by the ``transmissions.mark_late`` task, issue 18).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transmission_late",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_transmission_late_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transmission_late")),
        sa.UniqueConstraint(
            "establishment_id",
            "period_code",
            name=op.f("uq_transmission_late_establishment_id_period_code"),
        ),
    )
    with op.batch_alter_table("transmission_late", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transmission_late_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transmission_late_period_code"), ["period_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transmission_late", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transmission_late_period_code"))
        batch_op.drop_index(batch_op.f("ix_transmission_late_establishment_id"))
    op.drop_table("transmission_late")
