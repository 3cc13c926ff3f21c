"""Health data: nothing nominative stored; settings refuse unsafe production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ditep_core.models import Base
from ditep_core.nomenclatures import PersonKind, Scope
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.settings import DEFAULT_PSEUDONYM_SECRET, Environment, Settings
from tests.conftest import KeyMaker, SampleDitep, push_both_sample_feeds
from tests.http import AppClient

# Identifiers and names that the sample feeds carry in clear.
CLEAR_VALUES = [
    "1090375123456",
    "2100669123789",
    "3f0c6a52-8a51-4f7e-9a43-1b2c3d4e5f60",
    "9b2d7e14-5c3a-4d8b-b6f1-7a8b9c0d1e2f",
    "Lucas",
    "Inès",
    "Noah P",
    "Jade R",
    "Claire Martin",
    "c.martin@",
]


def test_no_identifier_or_name_is_stored_in_clear(
    ingest_client: AppClient, sample_ditep: SampleDitep, make_key: KeyMaker, session: Session
) -> None:
    key = make_key(Scope.FEEDS_WRITE)
    push_both_sample_feeds(ingest_client, sample_ditep, key)
    dump: list[str] = []
    for table in Base.metadata.sorted_tables:
        for values in session.execute(select(table)):
            for value in values:
                dump.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    text = "\n".join(dump)
    assert "VAD famille" in text  # the dump does contain the sessions
    for clear in CLEAR_VALUES:
        assert clear not in text, f"{clear!r} is stored in clear"


def test_pseudonyms_are_keyed_stable_and_normalised() -> None:
    first = Pseudonymiser("secret-a")
    assert first.link_key(PersonKind.YOUTH, "urn:oid:1.2.250.1.213.1.4.8:1090375123456") == (
        first.link_key(PersonKind.YOUTH, " URN:OID:1.2.250.1.213.1.4.8:1090375123456 ")
    )
    assert first.link_key(PersonKind.PROFESSIONAL, "mailto:A.B@X.FR") == first.link_key(
        PersonKind.PROFESSIONAL, "MAILTO:a.b@x.fr"
    )
    other = Pseudonymiser("secret-b")
    value = "urn:ins:123"
    assert first.link_key(PersonKind.YOUTH, value) != other.link_key(PersonKind.YOUTH, value)
    assert value not in first.link_key(PersonKind.YOUTH, value)


def test_pseudonyms_are_bound_to_the_establishment() -> None:
    root = Pseudonymiser("secret-a")
    here, there = root.for_establishment("690000017"), root.for_establishment("750000001")
    value = "urn:oid:1.2.250.1.213.1.4.8:1090375123456"
    mine, theirs = here.keys(PersonKind.YOUTH, value), there.keys(PersonKind.YOUTH, value)
    # One link key (internal, for joins on the server), two unrelated pseudonyms.
    assert mine.link_key == theirs.link_key == root.link_key(PersonKind.YOUTH, value)
    assert mine.pseudonym != theirs.pseudonym
    assert mine.pseudonym not in (mine.link_key, theirs.link_key)
    # Computed from the link key alone (what lets migration 0009 rewrite stored ones).
    assert here.from_link_key(mine.link_key) == mine.pseudonym
    assert here.pseudonym(PersonKind.YOUTH, " " + value.upper()) == mine.pseudonym
    assert here.keys(PersonKind.PROFESSIONAL, value).pseudonym != mine.pseudonym
    assert "secret-a" not in repr(root)


def test_production_refuses_the_default_or_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="DITEP_PSEUDONYM_SECRET"):
        Settings(environment=Environment.PRODUCTION)
    with pytest.raises(ValidationError, match="DITEP_PSEUDONYM_SECRET"):
        Settings(environment=Environment.PRODUCTION, pseudonym_secret=SecretStr("short"))
    settings = Settings(environment=Environment.PRODUCTION, pseudonym_secret=SecretStr("x" * 40))
    assert settings.pseudonym_secret.get_secret_value() != DEFAULT_PSEUDONYM_SECRET


def test_settings_come_from_the_environment_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("DITEP_MAX_FEED_BYTES", "1234")
    settings = Settings()
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.max_feed_bytes == 1234


def test_pool_must_exceed_worker_threads() -> None:
    with pytest.raises(ValidationError, match="deadlock"):
        Settings(worker_threads=50, database_pool_size=10, database_max_overflow=10)
