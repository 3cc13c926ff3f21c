"""The establishment's declarations for the ROR's HealthcareService (issue 20 part 3).

Revision ID: 0022
Revises: 0021

Adds ``establishment.ror_age_min``, ``ror_age_max`` (the age range the establishment is
authorised for: ``ror-healthcareservice-patient-type`` ``ageRange``) and
``ror_sensitive_unit`` (``ror-healthcareservice-sensitive-unit``), all nullable: not
sent until declared.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("establishment") as batch:
        batch.add_column(sa.Column("ror_age_min", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ror_age_max", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ror_sensitive_unit", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("establishment") as batch:
        batch.drop_column("ror_sensitive_unit")
        batch.drop_column("ror_age_max")
        batch.drop_column("ror_age_min")
