"""The web app's user on an audit row: pages read by a person, not a key.

Revision ID: 0020
Revises: 0019

Adds ``audit_event.user_id`` (nullable, no foreign key: the log outlives accounts, as it
outlives keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("user_id")
