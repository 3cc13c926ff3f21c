"""A Location the ROR push created and has not yet added to its HealthcareService.

Revision ID: 0023
Revises: 0022

Adds ``ror_resource_id.attach_pending`` (not null, false): true while a Location the push
created (201) is not known to be in its HealthcareService's ``location`` (the PATCH
failed, or the ROR's id of the HealthcareService is not recorded yet); the next push
tries again, so the attachment is never lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ror_resource_id") as batch:
        batch.add_column(
            sa.Column("attach_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("ror_resource_id") as batch:
        batch.drop_column("attach_pending")
