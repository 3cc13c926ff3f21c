"""Pseudonyms bound to the establishment; the old ones kept as internal link keys.

Before this revision a person's pseudonym was ``g = HMAC(secret, kind|identifier)``,
the same in every establishment. It becomes the person's ``link_key`` (internal, for
joins on the server side, never published), and the pseudonym becomes
``p = HMAC(K_finess, g)`` with ``K_finess = HMAC(secret, "establishment:" + FINESS)``
(ditep_core.pseudonyms, docs/pseudonymisation.md). A young person's own agenda names
that young person by ``youth_link_key`` (it was ``youth_pseudonym``, the same value).

Computing ``p`` needs the pseudonymisation secret: ``ditep migrate`` passes the
configured one (``config.attributes["pseudonym_secret"]``). Without it, a database
holding people is refused (an empty one needs no secret). Session content hashes are
left as they are: they are computed on link keys, which do not change.

The formulas are written out here, not imported, so that this revision keeps doing
what it did whatever the code becomes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00.000000
"""

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_OLD_OPTION = "youth_pseudonym"
_NEW_OPTION = "youth_link_key"
_BATCH = 1000

_person = sa.table(
    "person",
    sa.column("id", sa.Integer()),
    sa.column("establishment_id", sa.Integer()),
    sa.column("pseudonym", sa.String()),
    sa.column("link_key", sa.String()),
)
_establishment = sa.table(
    "establishment", sa.column("id", sa.Integer()), sa.column("finess", sa.String())
)
_source = sa.table("source", sa.column("id", sa.Integer()), sa.column("participant_options", _JSON))


class MissingPseudonymSecret(RuntimeError):
    pass


def _secret() -> str | None:
    secret = context.config.attributes.get("pseudonym_secret")
    return secret if isinstance(secret, str) and secret else None


def _establishment_key(secret: str, finess: str) -> bytes:
    return hmac.new(
        secret.encode("utf-8"), f"establishment:{finess.strip()}".encode(), hashlib.sha256
    ).digest()


def _rename_option(connection: sa.Connection, old: str, new: str) -> None:
    for source_id, options in connection.execute(
        sa.select(_source.c.id, _source.c.participant_options)
    ):
        if not isinstance(options, dict) or old not in options:
            continue
        renamed: dict[str, Any] = {
            new if key == old else key: value for key, value in options.items()
        }
        connection.execute(
            sa.update(_source).where(_source.c.id == source_id).values(participant_options=renamed)
        )


def upgrade() -> None:
    connection = op.get_bind()
    # Checked before anything changes (SQLite does not roll every DDL statement back).
    count = connection.execute(sa.select(sa.func.count()).select_from(_person)).scalar_one()
    secret = _secret()
    if count and secret is None:
        raise MissingPseudonymSecret(
            f"revision 0009 rewrites the pseudonyms of {count} people with the "
            "pseudonymisation secret, and none was given: run `ditep migrate` with "
            "DITEP_PSEUDONYM_SECRET set as the services have it (docs/operations.md)"
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_key", sa.String(length=64), nullable=True))
    if count and secret is not None:
        keys = {
            establishment_id: _establishment_key(secret, finess)
            for establishment_id, finess in connection.execute(
                sa.select(_establishment.c.id, _establishment.c.finess)
            )
        }
        rows = connection.execute(
            sa.select(_person.c.id, _person.c.establishment_id, _person.c.pseudonym).order_by(
                _person.c.id
            )
        ).all()
        statement = (
            sa.update(_person)
            .where(_person.c.id == sa.bindparam("person_id"))
            .values(pseudonym=sa.bindparam("new_pseudonym"), link_key=sa.bindparam("old_pseudonym"))
        )
        for start in range(0, len(rows), _BATCH):
            connection.execute(
                statement,
                [
                    {
                        "person_id": person_id,
                        "old_pseudonym": old,
                        "new_pseudonym": hmac.new(
                            keys[establishment_id], old.encode("utf-8"), hashlib.sha256
                        ).hexdigest(),
                    }
                    for person_id, establishment_id, old in rows[start : start + _BATCH]
                ],
            )
    _rename_option(connection, _OLD_OPTION, _NEW_OPTION)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.alter_column("link_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_person_kind_link_key", ["kind", "link_key"], unique=False)


def downgrade() -> None:
    # The link keys were the pseudonyms: no secret is needed to go back.
    connection = op.get_bind()
    connection.execute(sa.update(_person).values(pseudonym=_person.c.link_key))
    _rename_option(connection, _NEW_OPTION, _OLD_OPTION)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_kind_link_key")
        batch_op.drop_column("link_key")
