"""FHIR pulls that see deletions: whether the server has ``_history``, the last full pull.

Revision ID: 0019
Revises: 0018

Adds to ``source``: ``fhir_history`` ("supported", "unsupported", or NULL: not known
yet), ``last_full_pull_at`` (the last full FHIR pull applied) and
``pulls_since_full`` (incremental pulls applied since), which decide when the next pull
is a full one (agenda_ingest.pull.service).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fhir_history", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_full_pull_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("pulls_since_full", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("pulls_since_full")
        batch_op.drop_column("last_full_pull_at")
        batch_op.drop_column("fhir_history")
