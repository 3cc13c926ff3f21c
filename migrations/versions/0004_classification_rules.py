"""Classification rule sets, manual classifications, reclassification runs (issue 5).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ACTIVITIES = (
    "accueil_nuit",
    "accueil_jour",
    "ambulatoire",
    "appui_ressources",
    "coordination",
    "transport",
    "hors_prestation",
    "institutionnel",
    "unclassified",
)
SETTINGS = ("site", "domicile", "ecole", "exterieur", "soins", "distance", "inconnu")
NATURES = ("direct", "indirect", "institutionnel")


def _created_by(table: str) -> list[sa.Column[object] | sa.Constraint]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_key_id"],
            ["api_client.id"],
            name=op.f(f"fk_{table}_created_by_key_id_api_client"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f(f"fk_{table}_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "classification_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        *_created_by("classification_rule_set"),
        sa.UniqueConstraint(
            "establishment_id",
            "number",
            name=op.f("uq_classification_rule_set_establishment_id_number"),
        ),
        sa.UniqueConstraint("version", name=op.f("uq_classification_rule_set_version")),
    )
    with op.batch_alter_table("classification_rule_set", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classification_rule_set_establishment_id"),
            ["establishment_id"],
            unique=False,
        )

    op.create_table(
        "manual_classification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=1024), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=False),
        sa.Column(
            "activity",
            sa.Enum(*ACTIVITIES, name="activity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "setting",
            sa.Enum(*SETTINGS, name="setting", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "nature", sa.Enum(*NATURES, name="nature", native_enum=False, length=32), nullable=False
        ),
        sa.Column("serafin_code", sa.String(length=16), nullable=True),
        sa.Column("group_key", sa.String(length=500), nullable=False),
        *_created_by("manual_classification"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_manual_classification_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "source_id",
            "uid",
            "recurrence_id",
            name=op.f("uq_manual_classification_source_id_uid_recurrence_id"),
        ),
    )
    with op.batch_alter_table("manual_classification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_manual_classification_establishment_id"),
            ["establishment_id"],
            unique=False,
        )

    op.create_table(
        "reclassification_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=False),
        sa.Column("sessions_examined", sa.Integer(), nullable=False),
        sa.Column("sessions_changed", sa.Integer(), nullable=False),
        sa.Column("before", JSON_TYPE, nullable=False),
        sa.Column("after", JSON_TYPE, nullable=False),
        *_created_by("reclassification_run"),
    )
    with op.batch_alter_table("reclassification_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reclassification_run_establishment_id"),
            ["establishment_id"],
            unique=False,
        )


def downgrade() -> None:
    for table in ("reclassification_run", "manual_classification", "classification_rule_set"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_establishment_id"))
        op.drop_table(table)
