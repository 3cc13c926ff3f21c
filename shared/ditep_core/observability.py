"""Structured logging (structlog): JSON lines in production, readable in development.

No secret reaches a log line (docs/security.md, "Logs, headers, exports and
bodies"):

- tracebacks are rendered **without local variables** (a frame's locals hold the
  request, its headers, the settings...), in JSON and on the console alike;
- one processor, ``Redactor``, rewrites every event before it is rendered: the
  values of fields named like a secret (``authorization``, ``cookie``,
  ``password``, ``token``...), every known secret value (the pseudonym secret,
  pull credentials, the ROR client secret and headers, the database password),
  and whatever looks like one in any text (``ditep_`` API keys, ``Bearer``/``Basic``
  credentials, ``?key=``/``?token=``-like query parameters, a password in a URL);
  the rendered line is checked once more, so that nothing a renderer adds (an
  exception's text) escapes;
- the standard library's records (uvicorn's access and error logs, httpx) go
  through the same rules (``RedactingFilter``).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

if TYPE_CHECKING:
    from ditep_core.settings import Settings

REDACTED = "[REDACTED]"
# Shorter "secrets" would blank ordinary words out of every line.
MIN_SECRET_LENGTH = 6
# Field names (event keys, header names, mapping keys anywhere in an event) whose value
# is a secret whatever it looks like. Compared lower-cased, with "-" read as "_".
SECRET_FIELDS = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "x_api_key",
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "pseudonym_secret",
        "credentials",
        "pull_credentials",
    }
)
# Query parameters (and form fields) whose value is a secret.
SECRET_PARAMETERS = (
    "key",
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
    "secret",
    "client_secret",
    "sig",
    "signature",
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Our API keys: ditep_<prefix>_<secret>. The prefix names the key's row and is kept.
    (re.compile(r"\bditep_([0-9a-f]{12})_[A-Za-z0-9_\-]+"), rf"ditep_\1_{REDACTED}"),
    (re.compile(r"\bditep_[A-Za-z0-9\-]{4,}_[A-Za-z0-9_\-]{8,}"), f"ditep_{REDACTED}"),
    # Authorization header values, wherever they are quoted.
    (re.compile(r"(?i)\b(bearer)(\s+|%20|\+)[A-Za-z0-9._~+/=\-]{4,}"), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(Basic)(\s+|%20|\+)[A-Za-z0-9+/]{8,}={0,2}"), rf"\1\2{REDACTED}"),
    # Query strings and form bodies: ?key=..., &token=..., api_key=...
    (
        re.compile(
            r"(?i)((?:^|[?&;\s\"'(])(?:"
            + "|".join(re.escape(name) for name in SECRET_PARAMETERS)
            + r")=)[^&;#\s\"'<>)]+"
        ),
        rf"\1{REDACTED}",
    ),
    # user:password@ in URLs (database, pull sources).
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
)


def _field_is_secret(name: object) -> bool:
    return isinstance(name, str) and name.lower().replace("-", "_") in SECRET_FIELDS


class Redactor:
    """Replaces secrets in log events (a structlog processor) and in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH}
        # Longest first: a secret that contains another is replaced whole.
        self.secrets = sorted(known, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def value(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if depth > 20:
            return value
        if isinstance(value, Mapping):
            return {
                key: REDACTED if _field_is_secret(key) else self.value(item, depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            # Header lists: [("authorization", "Bearer ..."), ...].
            if len(value) == 2 and _field_is_secret(value[0]):
                return [value[0], REDACTED]
            return [self.value(item, depth + 1) for item in value]
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace"))
        return value

    def __call__(self, _logger: object, _method: str, event_dict: Any) -> Any:
        redacted: dict[str, Any] = self.value(event_dict)
        return redacted


class _RedactedRenderer:
    """The renderer's line, checked once more (what the renderer itself added)."""

    def __init__(
        self, renderer: Callable[[Any, str, Any], str | bytes], redactor: Redactor
    ) -> None:
        self.renderer = renderer
        self.redactor = redactor

    def __call__(self, logger: Any, method: str, event_dict: Any) -> str:
        line = self.renderer(logger, method, event_dict)
        return self.redactor.text(line if isinstance(line, str) else line.decode())


class RedactingFilter(logging.Filter):
    """The same rules for the standard library's records (uvicorn, httpx...).

    Arguments are redacted one by one and keep their places: uvicorn's access
    formatter unpacks them (client, method, path with its query, version, status)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redactor.text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.redactor.text(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, Mapping):
            record.args = self.redactor.value(dict(record.args))
        if record.exc_info and not record.exc_text:
            # Rendered here (no locals in the standard library's tracebacks), then redacted:
            # formatters use exc_text when it is set.
            record.exc_text = self.redactor.text(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


# Loggers of the libraries we run under or call; their handlers get the filter too, so
# records propagated from their children are covered.
_STDLIB_LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "httpx", "httpcore")


def _install_stdlib_filter(redactor: Redactor) -> None:
    for name in _STDLIB_LOGGERS:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            for old in [f for f in target.filters if isinstance(f, RedactingFilter)]:
                target.removeFilter(old)
            target.addFilter(RedactingFilter(redactor))


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold, to be blanked out of any log line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    values = [settings.pseudonym_secret.get_secret_value()]
    for credential in settings.pull_credentials.values():
        if credential.kind == "basic":
            values.append(credential.password.get_secret_value())
        elif credential.kind == "bearer":
            values.append(credential.token.get_secret_value())
        else:
            values.append(credential.client_secret.get_secret_value())
    if settings.ror_oauth2 is not None:
        values.append(settings.ror_oauth2.client_secret.get_secret_value())
    values += settings.ror_headers.values()
    # Client TLS given as values: the private key (and a certificate PEM holding one).
    tls_settings = [*settings.pull_tls.values(), settings.ror_tls]
    for tls in tls_settings:
        if tls is None:
            continue
        for secret in (tls.cert_pem, tls.key_pem, tls.key_password):
            if secret is not None:
                values.append(secret.get_secret_value())
    if settings.otel_exporter_otlp_headers is not None:
        values.append(settings.otel_exporter_otlp_headers.get_secret_value())
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:
        password = None
    if password:
        values.append(str(password))
    return values


def _current_stderr_logger(*_args: object) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


def configure_logging(
    *, level: str = "INFO", json_output: bool = False, secrets: Iterable[str] = ()
) -> None:
    """``secrets``: values never to be written (``settings_secrets(settings)``)."""
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    redactor = Redactor(secrets)
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Callable[[Any, str, Any], str | bytes]
    if json_output:
        # dict_tracebacks without the locals of each frame.
        processors.append(
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        )
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    processors += [redactor, _RedactedRenderer(renderer, redactor)]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Resolve sys.stderr at each log call, not at configuration: whoever
        # swaps it (a test runner capturing a command's output) may close it.
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )
    _install_stdlib_filter(redactor)
