"""ROR guide (issue 20 part 3): the establishment's commune, the ROR's ids, push answers.

Revision ID: 0016
Revises: 0015

Adds ``establishment.commune_code``, ``ror_resource_id`` and ``ror_push_result``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_code", sa.String(length=5), nullable=True))
    op.create_table(
        "ror_resource_id",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("ror_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_ror_resource_id_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("establishment_id", "resource", name=op.f("pk_ror_resource_id")),
    )
    op.create_table(
        "ror_push_result",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("messages", JSON_TYPE, nullable=False),
        sa.Column("outcome", JSON_TYPE, nullable=True),
        sa.Column("pushed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_ror_push_result_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("establishment_id", "location", name=op.f("pk_ror_push_result")),
    )


def downgrade() -> None:
    op.drop_table("ror_push_result")
    op.drop_table("ror_resource_id")
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_column("commune_code")
