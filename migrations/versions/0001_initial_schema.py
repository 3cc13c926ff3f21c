"""Initial schema: establishments, sources, imports, people, pathways, sessions, API clients.

Datetimes are naive UTC (see ditep_core.models.UTCDateTime); enums are plain strings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 04:49:55.836949
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Written once here so the migration does not import the application's models.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", JSON_TYPE, nullable=False),
        sa.Column("finess", JSON_TYPE, nullable=False),
        sa.Column("regions", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_api_client_key_prefix")),
    )
    op.create_table(
        "establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=3), nullable=False),
        sa.Column("department_code", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishment")),
        sa.UniqueConstraint("finess", name=op.f("uq_establishment_finess")),
    )
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_establishment_department_code"), ["department_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_establishment_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "establishment_capacity",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "accueil_nuit",
                "accueil_jour",
                "ambulatoire",
                "appui_ressources",
                "coordination",
                "transport",
                "hors_prestation",
                "institutionnel",
                "unclassified",
                name="activity",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_establishment_capacity_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "establishment_id", "modality", name=op.f("pk_establishment_capacity")
        ),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("youth", "professional", name="personkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_person_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint(
            "establishment_id",
            "kind",
            "pseudonym",
            name=op.f("uq_person_establishment_id_kind_pseudonym"),
        ),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "format",
            sa.Enum("ical", "fhir", name="feedformat", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum("push", "pull", name="sourcemode", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column(
            "agenda_kind",
            sa.Enum(
                "youth",
                "professional",
                "establishment",
                name="agendakind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("count_validated_only", sa.Boolean(), nullable=False),
        sa.Column("participant_options", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_source_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint(
            "establishment_id", "name", name=op.f("uq_source_establishment_id_name")
        ),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "feed_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received", "processed", "failed", name="importstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("received_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("deleted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("errors", JSON_TYPE, nullable=False),
        sa.Column("payload_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_feed_import_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_import")),
    )
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_import_source_id"), ["source_id"], unique=False)

    op.create_table(
        "agenda_session",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=1024), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "done",
                "cancelled",
                "absent",
                name="sessionstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("categories", JSON_TYPE, nullable=False),
        sa.Column("codes", JSON_TYPE, nullable=False),
        sa.Column(
            "activity",
            sa.Enum(
                "accueil_nuit",
                "accueil_jour",
                "ambulatoire",
                "appui_ressources",
                "coordination",
                "transport",
                "hors_prestation",
                "institutionnel",
                "unclassified",
                name="activity",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "setting",
            sa.Enum(
                "site",
                "domicile",
                "ecole",
                "exterieur",
                "soins",
                "distance",
                "inconnu",
                name="setting",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "nature",
            sa.Enum(
                "direct", "indirect", "institutionnel", name="nature", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("serafin_code", sa.String(length=16), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_agenda_session_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["feed_import.id"],
            name=op.f("fk_agenda_session_import_id_feed_import"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_agenda_session_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_session")),
        sa.UniqueConstraint(
            "source_id",
            "uid",
            "recurrence_id",
            name=op.f("uq_agenda_session_source_id_uid_recurrence_id"),
        ),
    )
    with op.batch_alter_table("agenda_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_session_establishment_id_start_at"),
            ["establishment_id", "start_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_agenda_session_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "pathway_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pre_admission",
                "accompagnement",
                "suivi_post_sortie",
                "ponctuel",
                name="pathwaystatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["feed_import.id"],
            name=op.f("fk_pathway_period_import_id_feed_import"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_pathway_period_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_period")),
    )
    with op.batch_alter_table("pathway_period", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_period_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pathway_period_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "session_participant",
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("youth", "professional", name="personkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "presence",
            sa.Enum(
                "present", "absent", "not_expected", name="presence", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_session_participant_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["agenda_session.id"],
            name=op.f("fk_session_participant_session_id_agenda_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "person_id", name=op.f("pk_session_participant")),
    )
    with op.batch_alter_table("session_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_participant_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("session_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_participant_person_id"))

    op.drop_table("session_participant")
    with op.batch_alter_table("pathway_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_period_person_id"))
        batch_op.drop_index(batch_op.f("ix_pathway_period_import_id"))

    op.drop_table("pathway_period")
    with op.batch_alter_table("agenda_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_session_import_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_session_establishment_id_start_at"))

    op.drop_table("agenda_session")
    with op.batch_alter_table("feed_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_import_source_id"))

    op.drop_table("feed_import")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_establishment_id"))

    op.drop_table("source")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_establishment_id"))

    op.drop_table("person")
    op.drop_table("establishment_capacity")
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_region_code"))
        batch_op.drop_index(batch_op.f("ix_establishment_department_code"))

    op.drop_table("establishment")
    op.drop_table("api_client")
