"""Place registry per establishment (issue 20): own places and partners, with aliases.

Revision ID: 0013
Revises: 0012

Adds only ``place_registry``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place_registry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_key_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_place_registry_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_key_id"],
            ["api_client.id"],
            name=op.f("fk_place_registry_updated_by_key_id_api_client"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_registry")),
        sa.UniqueConstraint("establishment_id", name=op.f("uq_place_registry_establishment_id")),
    )
    with op.batch_alter_table("place_registry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_registry_content_sha256"), ["content_sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("place_registry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_registry_content_sha256"))
    op.drop_table("place_registry")
