"""Quality rollups per month (per source and rule-set version), filled from the days.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 08:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "received",
    "counted",
    "unclassified",
    "cancelled",
    "absent",
    "not_validated",
    "overlaps",
    "without_participants",
    "duplicates_merged",
)


def upgrade() -> None:
    op.create_table(
        "rollup_quality_month",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_quality_month_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_rollup_quality_month_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id",
            "month_start",
            "source_id",
            "rule_set_version",
            name=op.f("pk_rollup_quality_month"),
        ),
    )
    with op.batch_alter_table("rollup_quality_month", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_quality_month_source_id"), ["source_id"], unique=False
        )
    # Existing quality days, summed per month (the rollups' own rebuild does the same).
    month = (
        "CAST(date_trunc('month', day) AS date)"
        if op.get_bind().dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    columns = ", ".join(f'"{name}"' for name in COUNTS)
    sums = ", ".join(f'sum("{name}")' for name in COUNTS)
    # Only this module's constants are interpolated.
    statement = (
        "INSERT INTO rollup_quality_month (establishment_id, month_start, source_id, "  # noqa: S608
        f"rule_set_version, {columns}) SELECT establishment_id, {month}, source_id, "
        f"rule_set_version, {sums} FROM rollup_quality_day "
        f"GROUP BY establishment_id, {month}, source_id, rule_set_version"
    )
    op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("rollup_quality_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_quality_month_source_id"))
    op.drop_table("rollup_quality_month")
