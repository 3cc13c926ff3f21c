"""Counting profile, complexity flags, rollups, frozen periods (issue 6).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "counting_profile",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("parameters", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_counting_profile")),
    )
    op.create_table(
        "frozen_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("profile_version", sa.String(length=64), nullable=False),
        sa.Column("rule_set_versions", JSON_TYPE, nullable=False),
        sa.Column("import_ids", JSON_TYPE, nullable=False),
        sa.Column("body", JSON_TYPE, nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=False),
        sa.Column("frozen_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_frozen_period_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_period")),
        sa.UniqueConstraint(
            "establishment_id",
            "period_code",
            name=op.f("uq_frozen_period_establishment_id_period_code"),
        ),
    )
    with op.batch_alter_table("frozen_period", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_frozen_period_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "rollup_appui_day",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("setting", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_appui_day_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "day", "setting", name=op.f("pk_rollup_appui_day")
        ),
    )
    op.create_table(
        "rollup_state",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("profile_fingerprint", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.Column("stale_after", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_state_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("establishment_id", "week_start", name=op.f("pk_rollup_state")),
    )
    op.create_table(
        "complexity_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("criteria", JSON_TYPE, nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_complexity_flag_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complexity_flag")),
    )
    with op.batch_alter_table("complexity_flag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complexity_flag_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "rollup_quality_day",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("unclassified", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("absent", sa.Integer(), nullable=False),
        sa.Column("not_validated", sa.Integer(), nullable=False),
        sa.Column("overlaps", sa.Integer(), nullable=False),
        sa.Column("without_participants", sa.Integer(), nullable=False),
        sa.Column("duplicates_merged", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_quality_day_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_rollup_quality_day_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id",
            "day",
            "source_id",
            "rule_set_version",
            name=op.f("pk_rollup_quality_day"),
        ),
    )
    with op.batch_alter_table("rollup_quality_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_quality_day_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "rollup_youth_day",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("mod_accueil_nuit", sa.Integer(), nullable=False),
        sa.Column("mod_accueil_jour", sa.Integer(), nullable=False),
        sa.Column("mod_ambulatoire", sa.Integer(), nullable=False),
        sa.Column("min_accueil_nuit", sa.Double(), nullable=False),
        sa.Column("min_accueil_jour", sa.Double(), nullable=False),
        sa.Column("min_ambulatoire", sa.Double(), nullable=False),
        sa.Column("half_days", sa.Integer(), nullable=False),
        sa.Column("hd_accueil_nuit", sa.Integer(), nullable=False),
        sa.Column("hd_accueil_jour", sa.Integer(), nullable=False),
        sa.Column("hd_ambulatoire", sa.Integer(), nullable=False),
        sa.Column("night", sa.Integer(), nullable=False),
        sa.Column("actes", sa.Integer(), nullable=False),
        sa.Column("seances", sa.Integer(), nullable=False),
        sa.Column("absent_sessions", sa.Integer(), nullable=False),
        sa.Column("absent_day", sa.Integer(), nullable=False),
        sa.Column("st_pre_admission", sa.Integer(), nullable=False),
        sa.Column("st_accompagnement", sa.Integer(), nullable=False),
        sa.Column("st_suivi_post_sortie", sa.Integer(), nullable=False),
        sa.Column("st_ponctuel", sa.Integer(), nullable=False),
        sa.Column("st_none", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_youth_day_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_rollup_youth_day_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "day", "person_id", name=op.f("pk_rollup_youth_day")
        ),
    )
    with op.batch_alter_table("rollup_youth_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_youth_day_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "rollup_youth_month",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("mod_accueil_nuit", sa.Integer(), nullable=False),
        sa.Column("mod_accueil_jour", sa.Integer(), nullable=False),
        sa.Column("mod_ambulatoire", sa.Integer(), nullable=False),
        sa.Column("st_pre_admission", sa.Integer(), nullable=False),
        sa.Column("st_accompagnement", sa.Integer(), nullable=False),
        sa.Column("st_suivi_post_sortie", sa.Integer(), nullable=False),
        sa.Column("st_ponctuel", sa.Integer(), nullable=False),
        sa.Column("st_none", sa.Integer(), nullable=False),
        sa.Column("min_accueil_nuit", sa.Double(), nullable=False),
        sa.Column("min_accueil_jour", sa.Double(), nullable=False),
        sa.Column("min_ambulatoire", sa.Double(), nullable=False),
        sa.Column("half_days", sa.Integer(), nullable=False),
        sa.Column("hd_accueil_nuit", sa.Integer(), nullable=False),
        sa.Column("hd_accueil_jour", sa.Integer(), nullable=False),
        sa.Column("hd_ambulatoire", sa.Integer(), nullable=False),
        sa.Column("night", sa.Integer(), nullable=False),
        sa.Column("actes", sa.Integer(), nullable=False),
        sa.Column("seances", sa.Integer(), nullable=False),
        sa.Column("absent_sessions", sa.Integer(), nullable=False),
        sa.Column("absent_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_youth_month_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_rollup_youth_month_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "month_start", "person_id", name=op.f("pk_rollup_youth_month")
        ),
    )
    with op.batch_alter_table("rollup_youth_month", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_youth_month_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "rollup_youth_week",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week_end", sa.Date(), nullable=False),
        sa.Column("minutes_direct", sa.Double(), nullable=False),
        sa.Column("minutes_indirect", sa.Double(), nullable=False),
        sa.Column("minutes_total", sa.Double(), nullable=False),
        sa.Column("m_accueil_nuit", sa.Double(), nullable=False),
        sa.Column("m_accueil_jour", sa.Double(), nullable=False),
        sa.Column("m_ambulatoire", sa.Double(), nullable=False),
        sa.Column("m_coordination", sa.Double(), nullable=False),
        sa.Column("m_appui_ressources", sa.Double(), nullable=False),
        sa.Column("s_site", sa.Double(), nullable=False),
        sa.Column("s_domicile", sa.Double(), nullable=False),
        sa.Column("s_ecole", sa.Double(), nullable=False),
        sa.Column("s_exterieur", sa.Double(), nullable=False),
        sa.Column("s_soins", sa.Double(), nullable=False),
        sa.Column("s_distance", sa.Double(), nullable=False),
        sa.Column("s_inconnu", sa.Double(), nullable=False),
        sa.Column("has_appui", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_rollup_youth_week_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_rollup_youth_week_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "week_start", "person_id", name=op.f("pk_rollup_youth_week")
        ),
    )
    with op.batch_alter_table("rollup_youth_week", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_youth_week_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rollup_youth_week", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_youth_week_person_id"))

    op.drop_table("rollup_youth_week")
    with op.batch_alter_table("rollup_youth_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_youth_month_person_id"))

    op.drop_table("rollup_youth_month")
    with op.batch_alter_table("rollup_youth_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_youth_day_person_id"))

    op.drop_table("rollup_youth_day")
    with op.batch_alter_table("rollup_quality_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_quality_day_source_id"))

    op.drop_table("rollup_quality_day")
    with op.batch_alter_table("complexity_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complexity_flag_person_id"))

    op.drop_table("complexity_flag")
    op.drop_table("rollup_state")
    op.drop_table("rollup_appui_day")
    with op.batch_alter_table("frozen_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frozen_period_establishment_id"))

    op.drop_table("frozen_period")
    op.drop_table("counting_profile")
