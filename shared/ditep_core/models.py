"""ORM models of the shared schema (SQLAlchemy 2, typed).

Conventions: every datetime is stored as naive UTC and returned as aware UTC
(``UTCDateTime``); enums are stored as their string codes; relationships are
``lazy="raise"`` so that every load is explicit, in a repository.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    ImportStatus,
    Nature,
    PathwayStatus,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
    SourceMode,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database.

    SQLite has no time zone type and PostgreSQL's ``timestamptz`` converts on
    the connection's zone: naive UTC behaves the same on both.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")


def code_enum(enum: type[StrEnum], length: int = 32) -> Enum:
    """A string column holding an enum's codes (no native type: adding a code needs no DDL)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class Establishment(Base):
    __tablename__ = "establishment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finess: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(3), index=True)
    department_code: Mapped[str] = mapped_column(String(3), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # INSEE (COG) code of the commune, e.g. 31555: the ROR's ``ror-commune-cog``.
    commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # Declared for the ROR's HealthcareService (not sent until declared): the age range
    # the establishment is authorised for (ror-healthcareservice-patient-type ageRange)
    # and whether its offer is a sensitive unit (ror-healthcareservice-sensitive-unit).
    ror_age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ror_age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ror_sensitive_unit: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    capacities: Mapped[list[EstablishmentCapacity]] = relationship(
        back_populates="establishment", lazy="raise", cascade="all, delete-orphan"
    )


class EstablishmentCapacity(Base):
    """Authorised places of one modality."""

    __tablename__ = "establishment_capacity"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    modality: Mapped[Activity] = mapped_column(code_enum(Activity), primary_key=True)
    places: Mapped[int] = mapped_column(Integer)

    establishment: Mapped[Establishment] = relationship(back_populates="capacities", lazy="raise")


class Source(Base):
    """One agenda feed of an establishment, pushed to us or pulled by us."""

    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("establishment_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[FeedFormat] = mapped_column(code_enum(FeedFormat))
    mode: Mapped[SourceMode] = mapped_column(code_enum(SourceMode))
    url: Mapped[str | None] = mapped_column(String(2000))
    agenda_kind: Mapped[AgendaKind] = mapped_column(code_enum(AgendaKind))
    # Recurring events are expanded inside [window_start, window_end); an open
    # bound defaults to the previous school year's start / today + horizon_days.
    window_start: Mapped[dt.date | None] = mapped_column(Date)
    window_end: Mapped[dt.date | None] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer, default=180)
    count_validated_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Mass-deletion guard: a snapshot deleting more than this share of the source's
    # sessions in its window (or all of them) waits for a confirmation.
    mass_delete_share: Mapped[float] = mapped_column(Float, default=0.5, server_default=text("0.5"))
    # How participants are recognised (URI prefixes, vendor parameters...).
    participant_options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # Pulling (agenda_ingest.pull): due when last_pulled_at + interval has passed.
    pull_interval_minutes: Mapped[int] = mapped_column(
        Integer, default=60, server_default=text("60")
    )
    # The name of a credential set in settings (DITEP_PULL_CREDENTIALS), never a secret.
    credentials_name: Mapped[str | None] = mapped_column(String(100))
    # Validators of the last fetched response, sent back for a conditional GET.
    http_etag: Mapped[str | None] = mapped_column(String(500))
    http_last_modified: Mapped[str | None] = mapped_column(String(100))
    last_pulled_at: Mapped[dt.datetime | None]
    # "fetched", "not_modified" or "failed" (agenda_ingest.pull.service.PullStatus).
    last_pull_status: Mapped[str | None] = mapped_column(String(32))
    last_pull_error: Mapped[str | None] = mapped_column(Text)
    # FHIR pulls (agenda_ingest.pull.service): whether the server has _history ("supported",
    # "unsupported", None: not known yet), when a full pull was last applied, and how many
    # incremental pulls were applied since; they decide when the next pull is a full one.
    fhir_history: Mapped[str | None] = mapped_column(String(16))
    last_full_pull_at: Mapped[dt.datetime | None]
    pulls_since_full: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Who is pulling the source now, until when: two replicas never pull one source at once.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    # Set when an admin disables the source: pushes are refused, pulls skip it.
    disabled_at: Mapped[dt.datetime | None]

    establishment: Mapped[Establishment] = relationship(lazy="raise")


class FeedImport(Base):
    """One received (or fetched) payload, kept compressed so it can be replayed."""

    __tablename__ = "feed_import"
    __table_args__ = (Index("ix_feed_import_source_id_status", "source_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    processed_at: Mapped[dt.datetime | None]
    content_type: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ImportStatus] = mapped_column(code_enum(ImportStatus))
    received_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    # The feed's own time stamp (FHIR Bundle meta.lastUpdated or timestamp, an iCal
    # export's common DTSTAMP): an older stamp never overwrites a newer snapshot.
    feed_stamp: Mapped[dt.datetime | None]
    # The import applied after this one was received, which made it obsolete.
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[dt.date | None] = mapped_column(Date)
    window_end: Mapped[dt.date | None] = mapped_column(Date)
    outside_window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Stored sessions kept although absent, because their event was rejected in this feed.
    kept_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    periods_created_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    periods_updated_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    periods_deleted_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # needs_confirmation: what confirming would delete ({"uid", "recurrence_id", "start"}).
    pending_deletions: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)
    # Sessions of the feed that no rule classified (activity "unclassified").
    unclassified_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Warnings alone (they are listed in ``errors`` too, after the rejections).
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)
    # gzip then AES-256-GCM (ditep_core.payloads): never readable from the database alone.
    # Emptied by the retention task (agenda_ingest.feeds.tasks) past the profile's
    # payload_retention_months, which sets payload_purged_at.
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    payload_purged_at: Mapped[dt.datetime | None]


class Person(Base):
    """A young person or a professional of one establishment, known only by keyed values.

    ``pseudonym`` is bound to the establishment (``HMAC(K_finess, link_key)``): the value
    feeds are matched on and the only one ever published. ``link_key`` is the same for one
    identifier in every establishment: for joins on the server side (one young person
    followed by two DITEP), never published (docs/pseudonymisation.md).
    """

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("establishment_id", "kind", "pseudonym"),
        Index("ix_person_kind_link_key", "kind", "link_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PersonKind] = mapped_column(code_enum(PersonKind))
    pseudonym: Mapped[str] = mapped_column(String(64))
    link_key: Mapped[str] = mapped_column(String(64))
    function: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class PathwayPeriod(Base):
    """A stretch of a young person's pathway (pre-admission, support, follow-up...)."""

    __tablename__ = "pathway_period"
    # A period from a feed (a TDDUI stay) is keyed on its source and the feed's identifier,
    # and upserted like sessions; periods from elsewhere have neither (NULLs never collide).
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[PathwayStatus] = mapped_column(code_enum(PathwayStatus))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(16))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("feed_import.id", ondelete="SET NULL"), index=True
    )
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(1024))
    # The accommodation modality the feed states (TDDUI stay serviceType), as system|code.
    modality: Mapped[str | None] = mapped_column(String(255))


class AgendaSession(Base):
    """One occurrence of an agenda event, normalised and classified.

    On PostgreSQL the table is partitioned by month of ``start_at`` (migration 0014,
    docs/scale.md): there the primary key is ``(id, start_at)`` and the natural key
    ``(source_id, uid, recurrence_id)`` is unique per month only (ingestion diffs a
    source's stored sessions under the source's row lock, so it never inserts a second
    row for a key). The model keeps the logical keys, which SQLite enforces as they are.
    """

    __tablename__ = "agenda_session"
    __table_args__ = (
        UniqueConstraint("source_id", "uid", "recurrence_id"),
        Index(None, "establishment_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE")
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(1024))
    # Original start of the occurrence for recurring events, "" otherwise, so
    # the unique key holds on both databases (NULLs never collide).
    recurrence_id: Mapped[str] = mapped_column(String(32), default="")
    start_at: Mapped[dt.datetime]
    end_at: Mapped[dt.datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[SessionStatus] = mapped_column(code_enum(SessionStatus))
    summary: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(Json, default=list)
    codes: Mapped[list[str]] = mapped_column(Json, default=list)
    activity: Mapped[Activity] = mapped_column(code_enum(Activity))
    setting: Mapped[Setting] = mapped_column(code_enum(Setting))
    nature: Mapped[Nature] = mapped_column(code_enum(Nature))
    serafin_code: Mapped[str | None] = mapped_column(String(16))
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("feed_import.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    participants: Mapped[list[SessionParticipant]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class SessionParticipant(Base):
    __tablename__ = "session_participant"

    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agenda_session.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[PersonKind] = mapped_column(code_enum(PersonKind))
    presence: Mapped[Presence] = mapped_column(code_enum(Presence))
    # The session's start_at, copied: on PostgreSQL participants are partitioned by month
    # like their sessions, and reference them by (id, start_at) (docs/scale.md).
    session_start_at: Mapped[dt.datetime]


class ApiClient(Base):
    """An API key: only its hash is stored, with scopes and tenancy."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(Json, default=list)
    # Empty lists on both mean "every establishment" (a national or admin key).
    finess: Mapped[list[str]] = mapped_column(Json, default=list)
    regions: Mapped[list[str]] = mapped_column(Json, default=list)
    # Issue 7: departments (e.g. an ARS departmental delegation); empty = no restriction.
    departments: Mapped[list[str]] = mapped_column(Json, default=list, server_default=text("'[]'"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    revoked_at: Mapped[dt.datetime | None]


# --- Issue 5: classification rule sets, manual classifications, reclassification runs ---------


class ClassificationRuleSet(Base):
    """One version of an establishment's rule set: the document as written, never changed."""

    __tablename__ = "classification_rule_set"
    __table_args__ = (UniqueConstraint("establishment_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # What sessions store in rule_set_version: names this document exactly.
    version: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    created_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL")
    )


class PlaceRegistryDocument(Base):
    """Issue 20: an establishment's place registry (its own places and its partners'), as
    written; the rules use it for the setting and for nights named by a house or group."""

    __tablename__ = "place_registry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), unique=True
    )
    document: Mapped[str] = mapped_column(Text)
    # The registry's digest (of its parsed content): classifications name it in their version.
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL")
    )


class ManualClassification(Base):
    """A classification set by hand for one session, kept across re-imports."""

    __tablename__ = "manual_classification"
    __table_args__ = (UniqueConstraint("source_id", "uid", "recurrence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(1024))
    recurrence_id: Mapped[str] = mapped_column(String(32), default="")
    activity: Mapped[Activity] = mapped_column(code_enum(Activity))
    setting: Mapped[Setting] = mapped_column(code_enum(Setting))
    nature: Mapped[Nature] = mapped_column(code_enum(Nature))
    serafin_code: Mapped[str | None] = mapped_column(String(16))
    # The review group it was set from (normalised summary), to find it again.
    group_key: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    created_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL")
    )


class ReclassificationRun(Base):
    """One re-run of the rules on an establishment's stored sessions, and what it changed."""

    __tablename__ = "reclassification_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    rule_set_version: Mapped[str] = mapped_column(String(64))
    sessions_examined: Mapped[int] = mapped_column(Integer)
    sessions_changed: Mapped[int] = mapped_column(Integer)
    # Sessions per activity code before and after.
    before: Mapped[dict[str, int]] = mapped_column(Json, default=dict)
    after: Mapped[dict[str, int]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    created_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL")
    )


# --- Issue 7: audit log (ARS, ROR) -------------------------------------------------


class AuditEvent(Base):
    """One call to a route (or one CLI admin action): who, what, on which scope, answer."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index(None, "occurred_at"),
        Index(None, "client_id", "occurred_at"),
        # One summary row per service, source address and minute (NULLs are distinct:
        # the rows of single requests are not constrained).
        Index(None, "service", "source_address", "summary_minute", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # "activity-api", "agenda-ingest", "cli" or "tasks" (a background task's own decision).
    service: Mapped[str] = mapped_column(String(32))
    # No foreign key: the log outlives keys and must never block deleting one.
    client_id: Mapped[int | None] = mapped_column(Integer)
    # A person signed in to the web app (``web_user.id``; pages under /ui/), no foreign key
    # either. None for a key's call.
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    # The route template ("/v1/regions/{code}/activity"), or the CLI command.
    route: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(2000))
    # "establishment", "department", "region" or None, with its code (FINESS, INSEE code).
    scope_kind: Mapped[str | None] = mapped_column(String(16))
    scope_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[int] = mapped_column(Integer)
    # The caller's X-Correlation-ID (well formed, at most 64 characters), or None.
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    # --- issue 14 ---
    # Our own id of the request (X-Request-ID): random, never the caller's. None for CLI.
    request_id: Mapped[str | None] = mapped_column(String(32))
    # The query string, cut to a bounded length, with secret values (key, token...) redacted.
    query: Mapped[str | None] = mapped_column(String(1000))
    # The address the request came from (the ASGI server's client address).
    source_address: Mapped[str | None] = mapped_column(String(64))
    # How many requests the row stands for: 1, or more on a summary row.
    request_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Summary rows only: the minute (UTC, seconds zeroed) whose unauthenticated requests
    # from ``source_address`` the row counts; route, path and query are the first's.
    summary_minute: Mapped[dt.datetime | None] = mapped_column()


# --- issue 6: counting profile, complexity flags, rollups, frozen periods -----------------


class CountingProfileVersion(Base):
    """A stored counting profile (thresholds and windows of counting.md); the newest applies."""

    __tablename__ = "counting_profile"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ComplexityFlag(Base):
    """A young person flagged as a complex situation over a stretch of dates, with criteria."""

    __tablename__ = "complexity_flag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    criteria: Mapped[list[str]] = mapped_column(Json, default=list)
    origin: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class RollupState(Base):
    """When one establishment-week's rollups were computed, under which profile, until when."""

    __tablename__ = "rollup_state"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    profile_fingerprint: Mapped[str] = mapped_column(String(32))
    refreshed_at: Mapped[dt.datetime]
    # A past-planned session ends then: the week's figures change at that time.
    stale_after: Mapped[dt.datetime | None]
    # Sessions of the week changed then (an import, a reclassification): the rollups kept
    # are served as stale until the refresh task recomputes the week. A week written
    # before it was ever computed has the profile fingerprint NEVER_COMPUTED.
    invalidated_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class RollupYouthWeek(Base):
    """One young person's ISO week (ditep_counting.engine.rollups.YouthWeek), summable in SQL."""

    __tablename__ = "rollup_youth_week"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    week_end: Mapped[dt.date] = mapped_column(Date)  # the Sunday, for flag overlaps
    minutes_direct: Mapped[float]
    minutes_indirect: Mapped[float]
    minutes_total: Mapped[float]
    # Merged minutes per activity (m_) and per setting (s_).
    m_accueil_nuit: Mapped[float]
    m_accueil_jour: Mapped[float]
    m_ambulatoire: Mapped[float]
    m_coordination: Mapped[float]
    m_appui_ressources: Mapped[float]
    s_site: Mapped[float]
    s_domicile: Mapped[float]
    s_ecole: Mapped[float]
    s_exterieur: Mapped[float]
    s_soins: Mapped[float]
    s_distance: Mapped[float]
    s_inconnu: Mapped[float]
    has_appui: Mapped[int] = mapped_column(Integer)


class _YouthDayFigures:
    """What one young person's day holds (ditep_counting.engine.rollups.YouthDay), and its
    month: flags are 0/1 (on a month, 1 when any day has them); counts and minutes sum."""

    support: Mapped[int] = mapped_column(Integer)
    mod_accueil_nuit: Mapped[int] = mapped_column(Integer)
    mod_accueil_jour: Mapped[int] = mapped_column(Integer)
    mod_ambulatoire: Mapped[int] = mapped_column(Integer)
    min_accueil_nuit: Mapped[float]
    min_accueil_jour: Mapped[float]
    min_ambulatoire: Mapped[float]
    half_days: Mapped[int] = mapped_column(Integer)
    hd_accueil_nuit: Mapped[int] = mapped_column(Integer)
    hd_accueil_jour: Mapped[int] = mapped_column(Integer)
    hd_ambulatoire: Mapped[int] = mapped_column(Integer)
    night: Mapped[int] = mapped_column(Integer)
    actes: Mapped[int] = mapped_column(Integer)
    seances: Mapped[int] = mapped_column(Integer)
    absent_sessions: Mapped[int] = mapped_column(Integer)
    absent_day: Mapped[int] = mapped_column(Integer)
    # On a support day, the pathway statuses covering it (st_none: no period covers it).
    # Kept current by ditep_counting.rollups.service.refresh_pathway_flags.
    st_pre_admission: Mapped[int] = mapped_column(Integer, default=0)
    st_accompagnement: Mapped[int] = mapped_column(Integer, default=0)
    st_suivi_post_sortie: Mapped[int] = mapped_column(Integer, default=0)
    st_ponctuel: Mapped[int] = mapped_column(Integer, default=0)
    st_none: Mapped[int] = mapped_column(Integer, default=0)


class RollupYouthDay(_YouthDayFigures, Base):
    """One young person's date (ditep_counting.engine.rollups.YouthDay)."""

    __tablename__ = "rollup_youth_day"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RollupYouthMonth(_YouthDayFigures, Base):
    """The youth-days of one month summed (same columns): month-aligned periods read these."""

    __tablename__ = "rollup_youth_month"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class _QualityCounts:
    """The data-quality counts of counting.md §5, summed per day or per month."""

    received: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    unclassified: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[int] = mapped_column(Integer)
    absent: Mapped[int] = mapped_column(Integer)
    not_validated: Mapped[int] = mapped_column(Integer)
    overlaps: Mapped[int] = mapped_column(Integer)
    without_participants: Mapped[int] = mapped_column(Integer)
    duplicates_merged: Mapped[int] = mapped_column(Integer)


class RollupQualityDay(_QualityCounts, Base):
    __tablename__ = "rollup_quality_day"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("source.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rule_set_version: Mapped[str] = mapped_column(String(64), primary_key=True)


class RollupQualityMonth(_QualityCounts, Base):
    """The quality days of one month summed per source and rule-set version: month-aligned
    periods (quarters, years) read these instead of one row per source and day."""

    __tablename__ = "rollup_quality_month"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("source.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rule_set_version: Mapped[str] = mapped_column(String(64), primary_key=True)


class RollupAppuiDay(Base):
    """Appui-ressources minutes linked to no young person, per setting and day."""

    __tablename__ = "rollup_appui_day"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    setting: Mapped[Setting] = mapped_column(code_enum(Setting), primary_key=True)
    minutes: Mapped[float]


class FrozenPeriod(Base):
    """A period's figures as stored at freeze time, served as they are from then on."""

    __tablename__ = "frozen_period"
    __table_args__ = (UniqueConstraint("establishment_id", "period_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    period_code: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    profile_version: Mapped[str] = mapped_column(String(64))
    rule_set_versions: Mapped[list[str]] = mapped_column(Json, default=list)
    import_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    body: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    frozen_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    frozen_by: Mapped[str] = mapped_column(String(200))


class TaskRun(Base):
    """The last run of one background task for one key (ditep_core.tasks.runs)."""

    __tablename__ = "task_run"

    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    # What the run was about: "*" for a sweep of everything, else e.g. an establishment id.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # running, succeeded, failed (after its retries)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    # Runs that ended failed, since the table exists.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PayloadPurge(Base):
    """One run of the payload retention task: which sealed payloads it emptied, and when."""

    __tablename__ = "payload_purge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purged_at: Mapped[dt.datetime]
    received_before: Mapped[dt.datetime]
    retention_months: Mapped[int] = mapped_column(Integer)
    import_count: Mapped[int] = mapped_column(Integer)
    byte_count: Mapped[int] = mapped_column(BigInteger)
    import_ids: Mapped[list[int]] = mapped_column(Json, default=list)


class Transmission(Base):
    """One version of a quarter transmitted to the ARS: its figures as transmitted.

    Version 1 is the first transmission; each later version is a correction, with its
    reason and its diff to the version before. The latest version is what the ARS and
    the national level read; older ones stay readable (``?version=N``).
    """

    __tablename__ = "transmission"
    __table_args__ = (UniqueConstraint("establishment_id", "period_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    period_code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    profile_version: Mapped[str] = mapped_column(String(64))
    rule_set_versions: Mapped[list[str]] = mapped_column(Json, default=list)
    import_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    body: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    diff: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    transmitted_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    transmitted_by: Mapped[str] = mapped_column(String(200))


class RorResourceId(Base):
    """The ROR's own id of one of our ROR resources (``Location/690000017-accueil-nuit``):
    the push sends that resource under the ROR's id."""

    __tablename__ = "ror_resource_id"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    # "Location/690000017-accueil-nuit": our resource type and id.
    resource: Mapped[str] = mapped_column(String(100), primary_key=True)
    ror_id: Mapped[str] = mapped_column(String(64))
    # A Location the push created, not yet known to be in its HealthcareService's
    # ``location`` (the PATCH failed, or that HealthcareService's ROR id was not recorded):
    # the next push tries again.
    attach_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class RorPushResult(Base):
    """The last answer of the ROR to the push of one Location (its OperationOutcome kept)."""

    __tablename__ = "ror_push_result"

    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    )
    # Our Location id (``690000017-accueil-nuit``), whatever id it was sent under.
    location: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    week: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    messages: Mapped[list[str]] = mapped_column(Json, default=list)
    # The OperationOutcome the ROR answered, as received (None when it sent none).
    outcome: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    pushed_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


# --- Issue 19: people who sign in to the web app (API keys stay for machines) ------------------


class WebUser(Base):
    """A person signing in to the web app: a role mapped onto the API scopes and the same
    tenancy as a key (``activity_api.users``); only the argon2 hash of the password."""

    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    finess: Mapped[list[str]] = mapped_column(Json, default=list)
    regions: Mapped[list[str]] = mapped_column(Json, default=list)
    # Repeated failures, per account: after too many, no sign-in until locked_until.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random token, the table its SHA-256 and
    the CSRF token bound to it; gone at sign-out, refused after ``expires_at``."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime]


class TransmissionLate(Base):
    """An establishment-quarter whose deadline passed without a transmission (issue 18).

    Written once by the ``transmissions.mark_late`` task (activity_api.transmissions.tasks)
    and never removed: a quarter transmitted after its deadline keeps the record that it
    came late (the ARS wants to know). ``deadline`` is the one the quarter was marked
    against (the counting profile's setting then).
    """

    __tablename__ = "transmission_late"
    __table_args__ = (UniqueConstraint("establishment_id", "period_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    period_code: Mapped[str] = mapped_column(String(32), index=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    marked_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class SecrecyDecision(Base):
    """The cells statistical secrecy hides in one published table (issues 16 and 18).

    Written by the ``secrecy.decide`` task (activity_api.secrecy.tasks) after a
    transmission or a rollup refresh; read by the ARS and national routes, which look
    their table's decision up by ``digest`` (a sha256 of every cell, equation, threshold
    and forced cell of the table: ``regions.aggregate._decision_digest``) and decide in
    the process only when none is stored. A decision of other data has another digest,
    so a stale one is never used. ``family``: which table it was (``results:2025-Q1``,
    ``activity:84:2025-Q1``), for pruning and ``ditep tasks``.
    """

    __tablename__ = "secrecy_decision"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(100), index=True)
    threshold: Mapped[int] = mapped_column(Integer)
    # The hidden cells: [row, period, figure path] each.
    hidden: Mapped[list[list[str]]] = mapped_column(Json, default=list)
    hidden_count: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime]
