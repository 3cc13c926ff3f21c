"""Statistical secrecy decisions, stored by a background task (issues 16 and 18).

Revision ID: 0021
Revises: 0020

Adds ``secrecy_decision`` only (written by the ``secrecy.decide`` task, read by the ARS
and national routes by the digest of their table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secrecy_decision",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=100), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column(
            "hidden",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("hidden_count", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_secrecy_decision")),
    )
    with op.batch_alter_table("secrecy_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_secrecy_decision_family"), ["family"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("secrecy_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secrecy_decision_family"))
    op.drop_table("secrecy_decision")
