"""Deployment settings, read from ``DITEP_*`` environment variables when built.

Nothing here runs at import time: callers build ``Settings()`` explicitly (the
app factories, the CLI, the tests).
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ditep_core.db import DatabaseTimeouts
from ditep_core.tls import ClientTls

DEFAULT_PSEUDONYM_SECRET = "development-only-pseudonym-secret-change-me"  # noqa: S105
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
_HOST_NAME = re.compile(r"^\.?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$")


def parse_allowed_host(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    """One ``DITEP_PULL_ALLOWED_HOSTS`` entry: a network (``10.20.0.0/16``, or one
    address), a host name (``dav.hopital.local``), or ``.domain`` (every host under it).
    Host names come back lower-cased without a final dot. Raises ValueError otherwise."""
    text = entry.strip().lower().rstrip(".")
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        pass
    if len(text) > 253 or ".." in text or not _HOST_NAME.match(text):
        raise ValueError(f"{entry!r} is neither a network (CIDR), an address nor a host name")
    return text


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ApiDocs(StrEnum):
    """Who may read the OpenAPI pages (/docs, /redoc, /openapi.json)."""

    PUBLIC = "public"
    ADMIN = "admin"  # an admin key is needed (tools fetching /openapi.json with a key)
    OFF = "off"


class BasicCredential(BaseModel):
    """HTTP basic credentials for pulling a source (e.g. a CalDAV account)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["basic"]
    username: str
    password: SecretStr


class BearerCredential(BaseModel):
    """A bearer token for pulling a source (e.g. a DUI vendor's export API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["bearer"]
    token: SecretStr


class OAuth2Credential(BaseModel):
    """OAuth2 client credentials (RFC 6749 §4.4) for a FHIR server: a token is asked for,
    cached until it expires, and asked for again once when the server answers 401."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["oauth2"]
    token_url: str
    client_id: str
    client_secret: SecretStr
    scope: str | None = None
    # How the client authenticates to the token endpoint: HTTP basic (RFC 6749's default)
    # or client_id / client_secret in the form body.
    client_auth: Literal["basic", "post"] = "basic"


# A source names one of these (``Source.credentials_name``); the secret stays in settings.
PullCredential = Annotated[
    BasicCredential | BearerCredential | OAuth2Credential, Field(discriminator="kind")
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DITEP_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///var/ditep.sqlite3"
    database_pool_size: int = Field(default=20, ge=1)
    database_max_overflow: int = Field(default=30, ge=0)
    # Sync endpoints run in AnyIO's thread pool; keeping it below the connection
    # pool size means a request never waits for a connection held by a thread
    # that itself waits for a thread slot.
    worker_threads: int = Field(default=40, ge=1)
    # Every wait on the database is bounded (ditep_core.db): past these, the request is
    # answered 503 with Retry-After instead of hanging.
    database_lock_timeout_ms: int = Field(default=10_000, ge=1)
    database_statement_timeout_ms: int = Field(default=300_000, ge=1)
    database_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=1)
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    # SQLite: how long a write waits for this process's other writers.
    database_writer_timeout_seconds: float = Field(default=30.0, gt=0)
    # Feeds parsed and applied at once by one process (each may hold a large feed in
    # memory); a push waits at most ingest_queue_timeout_seconds for a turn, then 503.
    ingest_max_concurrent_feeds: int = Field(default=4, ge=1)
    ingest_queue_timeout_seconds: float = Field(default=60.0, gt=0)
    retry_after_seconds: int = Field(default=5, ge=1)
    # A caller waits at most this long for the start of an answer (then 503).
    request_deadline_seconds: float = Field(default=300.0, gt=0)
    pseudonym_secret: SecretStr = SecretStr(DEFAULT_PSEUDONYM_SECRET)
    max_feed_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # Every other request body (rule sets, pathways, flags, review decisions...): refused
    # with 413 while it is read (ditep_core.web.bodies).
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # The web app (activity_api.ui): a signed-in browser's session ends after this long.
    web_session_minutes: int = Field(default=8 * 60, ge=1)
    # What one feed and one event may claim (agenda_ingest.parsing.limits.FeedLimits; docs/feeds.md,
    # "Limits"): past a per-event limit the event is rejected, past a per-feed one the feed.
    # Per format, below max_feed_bytes (None: max_feed_bytes alone).
    max_ical_feed_bytes: int | None = Field(default=None, ge=1)
    max_fhir_feed_bytes: int | None = Field(default=None, ge=1)
    max_events_per_feed: int = Field(default=100_000, ge=1)
    max_participants_per_event: int = Field(default=200, ge=1)
    max_properties_per_event: int = Field(default=2_000, ge=1)
    max_occurrences_per_feed: int = Field(default=250_000, ge=1)
    max_recurrence_steps_per_series: int = Field(default=100_000, ge=1)
    max_recurrence_steps_per_feed: int = Field(default=1_000_000, ge=1)
    max_component_depth: int = Field(default=10, ge=2)
    max_line_bytes: int = Field(default=1 << 20, ge=80)
    max_listed_dates_per_event: int = Field(default=10_000, ge=1)
    # Unset: public in development and test, off in production.
    api_docs: ApiDocs | None = None
    log_level: str = "INFO"
    log_json: bool = False
    migrations_dir: Path = REPOSITORY_ROOT / "migrations"
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8001
    api_host: str = "127.0.0.1"
    api_port: int = 8002
    # Pulling sources that have a URL (agenda_ingest.pull). DITEP_PULL_CREDENTIALS is
    # JSON: {"vendor": {"kind": "bearer", "token": "…"},
    #        "caldav": {"kind": "basic", "username": "…", "password": "…"},
    #        "dui-fhir": {"kind": "oauth2", "token_url": "…", "client_id": "…",
    #                     "client_secret": "…", "scope": "…"}}.
    pull_credentials: dict[str, PullCredential] = Field(default_factory=dict)
    # Client TLS of a credential set (mTLS, a private CA; ditep_core.tls.ClientTls), by the
    # same name as in DITEP_PULL_CREDENTIALS (or alone): JSON like
    # {"dui-fhir": {"cert_file": "/run/secrets/dui.crt", "key_file": "/run/secrets/dui.key",
    #               "ca_file": "/run/secrets/dui-ca.pem"}} (or cert_pem / key_pem / ca_pem).
    pull_tls: dict[str, ClientTls] = Field(default_factory=dict)
    pull_timeout_seconds: float = Field(default=30, gt=0)
    pull_max_attempts: int = Field(default=4, ge=1)
    # Exponential: 1, 2, 4… seconds between attempts (capped by the fetcher).
    pull_backoff_seconds: float = Field(default=1.0, ge=0)
    pull_max_redirects: int = Field(default=5, ge=0)
    pull_lease_seconds: int = Field(default=600, ge=1)
    pull_loop_enabled: bool = False
    pull_loop_interval_seconds: int = Field(default=60, ge=1)
    # What a pull may reach although it is not a public address (loopback, RFC 1918,
    # ULA, link-local...): JSON list of networks, addresses, host names or ".domain".
    # Empty: only public addresses (agenda_ingest.pull.addresses).
    pull_allowed_hosts: list[str] = Field(default_factory=list)
    # FHIR sources: searches follow Bundle "next" links up to this many pages (each page
    # bounded by max_feed_bytes), asking the server for this many resources per page.
    pull_fhir_max_pages: int = Field(default=200, ge=1)
    pull_fhir_page_size: int = Field(default=500, ge=1)
    # ROR synchronisation (activity_api.ror): each Location sent to this FHIR base with
    # an OAuth2 client-credentials token, plus ror_headers on every call.
    # DITEP_ROR_OAUTH2 is JSON like one pull credential set: {"kind": "oauth2",
    # "token_url": "…", "client_id": "…", "client_secret": "…", "scope": "…"}.
    ror_base_url: str | None = None
    ror_oauth2: OAuth2Credential | None = None
    ror_headers: dict[str, str] = Field(default_factory=dict)
    # Client TLS of the ROR calls (mTLS: the establishment's certificate), same JSON as one
    # DITEP_PULL_TLS entry: {"cert_file": "…", "key_file": "…", "ca_file": "…"}.
    ror_tls: ClientTls | None = None
    ror_timeout_seconds: float = Field(default=30, gt=0)
    ror_max_attempts: int = Field(default=4, ge=1)
    ror_backoff_seconds: float = Field(default=1.0, ge=0)
    # Scheduled push (activity-api background task): every interval, the current ISO
    # week of each FINESS listed (all establishments with a capacity when empty).
    ror_push_enabled: bool = False
    ror_push_interval_seconds: int = Field(default=3600, ge=60)
    ror_push_finess: list[str] = Field(default_factory=list)

    # The review-queue page of activity-api (activity_api.ui.ingest) reads and sets the
    # queue through agenda-ingest's API: its base URL (e.g. http://agenda-ingest:8000) and
    # a service key (admin scope, all establishments: `ditep keys create --scope admin`).
    # The page checks the signed-in user's own access first. Unset: the page says so.
    ingest_base_url: str | None = None
    ingest_service_key: SecretStr | None = None
    ingest_timeout_seconds: float = Field(default=10, gt=0)

    # GET /metrics (ditep_core.web.metrics): never routed by the Ingress
    # (docs/operations.md, "Metrics"). The database gauges are computed at most once per
    # metrics_cache_seconds per process, in their own short read-only transaction.
    metrics_enabled: bool = True
    metrics_cache_seconds: float = Field(default=60.0, ge=0)
    metrics_query_timeout_ms: int = Field(default=5_000, ge=1)
    # prometheus-client's multiprocess mode (uvicorn --workers N behind one port): a
    # folder the processes share, emptied before they start. The library reads this
    # variable itself when imported; it is read here too so that /metrics serves the sum.
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("prometheus_multiproc_dir", "PROMETHEUS_MULTIPROC_DIR"),
    )
    # OpenTelemetry tracing (ditep_core.tracing), read from the standard OTEL_* variables:
    # on when an OTLP endpoint is set, unless OTEL_SDK_DISABLED=true.
    otel_sdk_disabled: bool = Field(
        default=False, validation_alias=AliasChoices("otel_sdk_disabled", "OTEL_SDK_DISABLED")
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("otel_exporter_otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "otel_exporter_otlp_traces_endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        ),
    )
    # "key=value,key2=value2" (e.g. an Authorization header for a hosted collector).
    otel_exporter_otlp_headers: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("otel_exporter_otlp_headers", "OTEL_EXPORTER_OTLP_HEADERS"),
    )
    # None: the service's own name (agenda-ingest, activity-api).
    otel_service_name: str | None = Field(
        default=None, validation_alias=AliasChoices("otel_service_name", "OTEL_SERVICE_NAME")
    )
    # Share of traces kept (parent-based ratio sampler), 1.0 keeps all.
    otel_traces_sampler_arg: float = Field(
        default=1.0,
        ge=0,
        le=1,
        validation_alias=AliasChoices("otel_traces_sampler_arg", "OTEL_TRACES_SAMPLER_ARG"),
    )
    # Background tasks (ditep_core.tasks; docs/operations.md, "Background tasks").
    # In-process runner: None (default) runs them inside each service on SQLite only; on
    # PostgreSQL `ditep worker` runs them from the queue.
    tasks_in_process: bool | None = None
    # Attempts of one run, with exponential backoff from the initial wait up to the max.
    task_max_attempts: int = Field(default=3, ge=1)
    task_retry_initial_seconds: float = Field(default=1.0, ge=0)
    task_retry_max_seconds: float = Field(default=30.0, ge=0)
    # The sweep refreshing every stale rollup (also deferred after each import).
    rollup_refresh_interval_seconds: int = Field(default=60, ge=1)
    # The payload retention sweep (the retention itself is the counting profile's).
    payload_retention_interval_seconds: int = Field(default=86_400, ge=60)
    # The late-transmission marking sweep (the deadline itself is the counting profile's).
    transmission_late_interval_seconds: int = Field(default=86_400, ge=60)
    # The sweep deciding the statistical secrecy of the ARS tables whose data changed
    # since their last stored decision (also deferred after transmissions and refreshes).
    secrecy_decision_interval_seconds: int = Field(default=300, ge=60)
    # `ditep worker` on PostgreSQL: heartbeat, and after how long without one a worker's
    # running jobs are taken as lost and queued again.
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    worker_stalled_seconds: float = Field(default=60.0, gt=0)
    # Touched at every heartbeat of `ditep worker` (PostgreSQL): a liveness probe checks
    # its age (deploy/k8s/base/worker.yaml). None: not written.
    worker_alive_file: Path | None = None

    @field_validator("pull_allowed_hosts")
    @classmethod
    def _check_allowed_hosts(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            parse_allowed_host(entry)
        return entries

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            secret = self.pseudonym_secret.get_secret_value()
            if secret == DEFAULT_PSEUDONYM_SECRET or len(secret) < 32:
                raise ValueError(
                    "DITEP_PSEUDONYM_SECRET must be set to a random secret of at least "
                    "32 characters in production (the default is for development only)"
                )
        if self.database_pool_size + self.database_max_overflow <= self.worker_threads:
            raise ValueError(
                "database_pool_size + database_max_overflow must exceed worker_threads, "
                "or sync requests can deadlock waiting for connections"
            )
        return self

    @property
    def effective_api_docs(self) -> ApiDocs:
        if self.api_docs is not None:
            return self.api_docs
        return ApiDocs.OFF if self.environment is Environment.PRODUCTION else ApiDocs.PUBLIC

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        return DatabaseTimeouts(
            lock_ms=self.database_lock_timeout_ms,
            statement_ms=self.database_statement_timeout_ms,
            idle_in_transaction_ms=self.database_idle_in_transaction_timeout_ms,
            pool_seconds=self.database_pool_timeout_seconds,
            writer_seconds=self.database_writer_timeout_seconds,
        )

    @property
    def tracing_enabled(self) -> bool:
        endpoint = self.otel_exporter_otlp_traces_endpoint or self.otel_exporter_otlp_endpoint
        return not self.otel_sdk_disabled and bool(endpoint)

    @property
    def runs_tasks_in_process(self) -> bool:
        """Whether each service runs the background tasks itself (``LocalRunner``)."""
        return self.is_sqlite if self.tasks_in_process is None else self.tasks_in_process

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(ValueError):
    """Invalid settings, described without the values given (they may be secrets)."""


def load_settings() -> Settings:
    """``Settings()`` from the environment; an invalid one raises ``SettingsError``
    naming each field and the problem, never its value: pydantic's own message repeats
    the input (for a model check, every setting, the pseudonym secret among them), and
    it would end up in the log of whoever starts the service."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
            for item in error.errors(include_input=False, include_url=False)
        )
        raise SettingsError(f"invalid DITEP_* settings: {problems}") from None
