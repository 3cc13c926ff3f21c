"""Fetching a source's URL over HTTP: conditional, bounded, retried with backoff.

No database here: the caller fetches with no transaction open, then writes.
Retried: timeouts, connection failures and 5xx answers. Everything else
(4xx, too many redirects, a body over the limit) fails at once.

A FHIR source is searched instead (``fetch_fhir``): the pages of the search
(and of the source's other searches, its Slots) are followed through their
``next`` links (a bounded number, each page under the size limit, never to
another origin) and returned as one Bundle. Its history (``fetch_fhir_history``)
is read the same way, and the server's CapabilityStatement
(``fetch_capabilities``). An OAuth2 client-credentials token is asked for when
needed, kept until it expires, and asked for again once if the server answers 401.

TLS: a credential set may have a client certificate and CA bundle
(``DITEP_PULL_TLS``, the same name; ``ditep_core.tls``). A TLS failure (no client
certificate when the server requires one, an untrusted server) is never retried
and its message says what to set.

Every request (each redirect hop, each FHIR page, each token request) goes
through ``addresses.GuardedTransport``: an address that is not public and not in
``DITEP_PULL_ALLOWED_HOSTS`` is refused before anything is sent, and the request
is sent to the address that was checked. A refusal is never retried and its
message says "address not allowed", nothing about the target.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote_plus

import httpx

from agenda_ingest.pull.addresses import (
    AddressNotAllowed,
    Allowlist,
    GuardedTransport,
    Resolver,
    system_resolver,
)
from agenda_ingest.pull.fhir_search import (
    HISTORY_UNSUPPORTED_STATUSES,
    Page,
    combined_bundle,
    read_page,
    same_origin,
)
from ditep_core.settings import (
    BasicCredential,
    BearerCredential,
    OAuth2Credential,
    PullCredential,
    Settings,
)
from ditep_core.tls import ClientTls, TlsConfigurationError, client_ssl_context, tls_failure

USER_AGENT = "ditep-activity (agenda pull)"
MAX_BACKOFF_SECONDS = 60.0
ICAL_ACCEPT = "text/calendar, */*;q=0.5"
FHIR_ACCEPT = "application/fhir+json, application/json;q=0.9"
DEFAULT_TOKEN_SECONDS = 300.0
"""How long a token without ``expires_in`` is kept."""


class FetchFailed(Exception):
    """A fetch that brought nothing usable; the message names no secret."""

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.attempts = attempts


class FeedTooLarge(FetchFailed):
    """The response is over ``DITEP_MAX_FEED_BYTES``."""


class AddressRefused(FetchFailed):
    """The URL, a redirect or a FHIR page leads to an address that is not allowed."""

    def __init__(self, error: AddressNotAllowed) -> None:
        super().__init__(str(error))


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A 304 (``not_modified``) or a body with the validators to send next time."""

    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    attempts: int = 1
    pages: int = 1
    server_time: str | None = None
    """FHIR: the first page's ``Bundle.meta.lastUpdated`` (when the server ran the search)."""


@dataclass(frozen=True, slots=True)
class HistoryResult:
    """The entries of a FHIR history (every page), or ``supported=False`` when the server
    answered that it has none (404, 405, 501...)."""

    supported: bool
    entries: list[Any] = field(default_factory=list)
    attempts: int = 1
    pages: int = 1


@dataclass(slots=True)
class _Call:
    """What every request of one fetch shares."""

    client: httpx.Client
    headers: Mapping[str, str]
    started: float
    tokens: _TokenSource | None
    client_certificate: bool
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout_seconds: float = 30.0
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    max_redirects: int = 5
    max_bytes: int = 50 * 1024 * 1024
    # The whole fetch, retries included, must end before this (the lease's end).
    deadline_seconds: float | None = None
    # Not public addresses a pull may reach all the same (DITEP_PULL_ALLOWED_HOSTS).
    allowlist: Allowlist = field(default_factory=Allowlist)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            timeout_seconds=settings.pull_timeout_seconds,
            max_attempts=settings.pull_max_attempts,
            backoff_seconds=settings.pull_backoff_seconds,
            max_redirects=settings.pull_max_redirects,
            max_bytes=settings.max_feed_bytes,
            # Leave a margin to write the result while the lease still holds.
            deadline_seconds=settings.pull_lease_seconds * 0.8,
            allowlist=Allowlist.from_entries(settings.pull_allowed_hosts),
        )

    def backoff(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1-based): 1, 2, 4… capped."""
        return float(min(self.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def auth_for(credential: PullCredential | None) -> httpx.Auth | None:
    """httpx drops the header on a redirect to another origin, so it never leaks there.

    OAuth2 tokens are set per request by the Fetcher (it caches and refreshes them).
    """
    if isinstance(credential, BasicCredential):
        return httpx.BasicAuth(credential.username, credential.password.get_secret_value())
    if isinstance(credential, BearerCredential):
        return BearerAuth(credential.token.get_secret_value())
    return None


def redact_url(url: str | httpx.URL) -> str:
    """The URL for messages and logs: no user info, no query string (tokens live there)."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL:
        return "<invalid URL>"
    shown = parsed.copy_with(userinfo=b"", query=None, fragment=None)
    return str(shown) + ("?…" if parsed.query else "")


class _Retry(Exception):
    def __init__(self, reason: str, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


def _transient(error: httpx.HTTPError, endpoint: str = "") -> _Retry | None:
    """A timeout or a failed connection is retried; ``endpoint`` names who did not answer
    when it is not the source itself."""
    if isinstance(error, httpx.TimeoutException):
        who = f"{endpoint} " if endpoint else ""
        return _Retry(f"{who}timed out ({type(error).__name__})")
    if isinstance(error, httpx.ConnectError):
        to = f" to {endpoint}" if endpoint else ""
        return _Retry(f"could not connect{to} ({error})")
    return None


def _client_basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: both form-urlencoded, then HTTP basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


class _Unauthorized(Exception):
    """A 401 while an OAuth2 token was sent: the token may have been revoked or expired."""


class _TokenSource:
    """Client-credentials tokens of one credential set, kept until they expire."""

    def __init__(
        self,
        name: str,
        credential: OAuth2Credential,
        cache: dict[str, tuple[str, float]],
        lock: threading.Lock,
        clock: Callable[[], float],
    ) -> None:
        self.name = name
        self.credential = credential
        self._cache = cache
        self._lock = lock
        self._clock = clock

    def header(self, client: httpx.Client) -> str:
        with self._lock:
            cached = self._cache.get(self.name)
        if cached is not None and cached[1] > self._clock():
            return f"Bearer {cached[0]}"
        token, lifetime = self._request(client)
        # Renewed a little before it ends, so that it does not expire on the way.
        keep = max(0.0, lifetime - min(30.0, lifetime * 0.1))
        with self._lock:
            self._cache[self.name] = (token, self._clock() + keep)
        return f"Bearer {token}"

    def forget(self) -> None:
        with self._lock:
            self._cache.pop(self.name, None)

    def _request(self, client: httpx.Client) -> tuple[str, float]:
        credential = self.credential
        secret = credential.client_secret.get_secret_value()
        form = {"grant_type": "client_credentials"}
        if credential.scope:
            form["scope"] = credential.scope
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if credential.client_auth == "basic":
            headers["Authorization"] = _client_basic(credential.client_id, secret)
        else:
            form |= {"client_id": credential.client_id, "client_secret": secret}
        shown = redact_url(credential.token_url)
        try:
            response = client.post(credential.token_url, data=form, headers=headers)
        except AddressNotAllowed as error:
            raise AddressRefused(error) from error
        except httpx.HTTPError as error:
            raise _transient(error, "the token endpoint") or FetchFailed(
                f"{type(error).__name__} asking {shown} for a token"
            ) from error
        if response.status_code >= 500:
            raise _Retry(f"the token endpoint answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise FetchFailed(
                f"the token endpoint {shown} refused the client credentials of "
                f"'{self.name}' (HTTP {response.status_code})",
                status_code=response.status_code,
            )
        try:
            body: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FetchFailed(f"the token endpoint {shown} did not answer JSON") from error
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise FetchFailed(f"the token endpoint {shown} gave no access_token")
        lifetime = body.get("expires_in")
        seconds = (
            float(lifetime)
            if isinstance(lifetime, int | float) and not isinstance(lifetime, bool)
            else DEFAULT_TOKEN_SECONDS
        )
        return token, seconds


class _CallScope:
    """``with``: the call's client, closed at the end."""

    def __init__(self, call: _Call) -> None:
        self.call = call

    def __enter__(self) -> _Call:
        return self.call

    def __exit__(self, *exc: object) -> None:
        self.call.client.close()


class Fetcher:
    """One fetch per call; ``transport``, ``resolver`` and ``sleep`` are for tests.

    ``transport`` receives the requests once their address is checked and pinned
    (``addresses.GuardedTransport``); ``resolver`` stands for DNS.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        credentials: Mapping[str, PullCredential] | None = None,
        tls: Mapping[str, ClientTls] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.credentials = dict(credentials or {})
        self.tls = dict(tls or {})
        # Built once per credential set (loading a key is not free).
        self._contexts: dict[str, ssl.SSLContext] = {}
        self.sleep = sleep
        self.clock = clock
        self.transport = transport
        # OAuth2 tokens by credential set name: (token, clock value until which it is used).
        self._tokens: dict[str, tuple[str, float]] = {}
        self._tokens_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> Fetcher:
        return cls(
            FetchPolicy.from_settings(settings),
            credentials=settings.pull_credentials,
            tls=settings.pull_tls,
            sleep=sleep,
            transport=transport,
        )

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        credentials_name: str | None = None,
    ) -> FetchResult:
        shown = redact_url(url)
        credential = self._credential(credentials_name)
        headers = {"User-Agent": USER_AGENT, "Accept": ICAL_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._call(credentials_name, credential, headers) as call:
            return self._with_retries(call, url, shown)

    def fetch_fhir(
        self,
        url: str,
        *,
        also: Sequence[str] = (),
        credentials_name: str | None = None,
        max_pages: int = 200,
        max_entries: int | None = None,
    ) -> FetchResult:
        """A FHIR search: its first page at ``url``, then every ``next`` page, as one Bundle.

        ``also``: the first pages of other searches of the same pull (the source's
        Slots), whose pages join the same Bundle. One search of one page is returned
        as the server sent it; otherwise the pages are combined into one searchset
        Bundle. More than ``max_pages`` pages in one search, or more than
        ``max_entries`` entries in all pages together (the feed's event limit, which
        the ingestion would refuse), fail the fetch: a partial search must not be
        taken for the whole agenda.
        """
        shown = redact_url(url)
        credential = self._credential(credentials_name)
        headers = {"User-Agent": USER_AGENT, "Accept": FHIR_ACCEPT}
        with self._call(credentials_name, credential, headers) as call:
            first = self._with_retries(call, url, shown)
            call.attempts = first.attempts
            page = read_page(first.body)
            if not also and (page is None or page.next_url is None):
                # One page (or not a Bundle: ingestion says what is wrong with it).
                return replace(
                    first,
                    server_time=page.last_updated if page is not None else None,
                    attempts=call.attempts,
                )
            if page is None:
                raise FetchFailed(f"the search of {shown} is not a FHIR Bundle", attempts=1)
            entries, pages = self._more_pages(call, url, page, max_pages, max_entries, [])
            for other in also:
                other_shown = redact_url(other)
                answer = self._with_retries(call, other, other_shown)
                call.attempts += answer.attempts
                other_page = read_page(answer.body)
                if other_page is None:
                    raise FetchFailed(
                        f"the search of {other_shown} is not a FHIR Bundle",
                        attempts=call.attempts,
                    )
                entries, more = self._more_pages(
                    call, other, other_page, max_pages, max_entries, entries
                )
                pages += more
        return replace(
            first,
            body=combined_bundle(entries, page.last_updated),
            content_type="application/fhir+json",
            attempts=call.attempts,
            pages=pages,
            server_time=page.last_updated,
        )

    def fetch_fhir_history(
        self,
        url: str,
        *,
        credentials_name: str | None = None,
        max_pages: int = 200,
        max_entries: int | None = None,
    ) -> HistoryResult:
        """A type's history (``/Appointment/_history?_since=``), every page of it.

        An answer saying the server has no history (``HISTORY_UNSUPPORTED_STATUSES``,
        or a body that is not a Bundle) is ``supported=False``, not a failure.
        """
        shown = redact_url(url)
        credential = self._credential(credentials_name)
        headers = {"User-Agent": USER_AGENT, "Accept": FHIR_ACCEPT}
        with self._call(credentials_name, credential, headers) as call:
            try:
                first = self._with_retries(call, url, shown)
            except FetchFailed as failed:
                if failed.status_code in HISTORY_UNSUPPORTED_STATUSES:
                    return HistoryResult(supported=False, attempts=failed.attempts)
                raise
            call.attempts = first.attempts
            page = read_page(first.body)
            if page is None:
                return HistoryResult(supported=False, attempts=call.attempts)
            entries, pages = self._more_pages(call, url, page, max_pages, max_entries, [])
        return HistoryResult(supported=True, entries=entries, attempts=call.attempts, pages=pages)

    def fetch_capabilities(self, url: str, *, credentials_name: str | None = None) -> bytes | None:
        """The server's CapabilityStatement (``/metadata``); None when it gives none."""
        credential = self._credential(credentials_name)
        headers = {"User-Agent": USER_AGENT, "Accept": FHIR_ACCEPT}
        with self._call(credentials_name, credential, headers) as call:
            try:
                return self._with_retries(call, url, redact_url(url)).body
            except AddressRefused:
                raise
            except FetchFailed as failed:
                if failed.status_code is None:
                    raise  # the server is unreachable: the pull fails here already
                return None

    def _more_pages(
        self,
        call: _Call,
        url: str,
        page: Page,
        max_pages: int,
        max_entries: int | None,
        entries: list[Any],
    ) -> tuple[list[Any], int]:
        """The entries of ``page`` and of the pages after it, added to ``entries``."""
        shown = redact_url(url)
        entries = entries + page.entries
        next_url = page.next_url
        pages = 1
        while True:
            if max_entries is not None and len(entries) > max_entries:
                raise FetchFailed(
                    f"the search of {shown} gives more than {max_entries} resources "
                    f"in its first {pages} pages (DITEP_MAX_EVENTS_PER_FEED); "
                    "nothing was ingested",
                    attempts=call.attempts,
                )
            if next_url is None:
                return entries, pages
            if pages >= max_pages:
                raise FetchFailed(
                    f"the search of {shown} has more than {max_pages} pages "
                    "(DITEP_PULL_FHIR_MAX_PAGES); nothing was ingested",
                    attempts=call.attempts,
                )
            if not same_origin(url, next_url):
                raise FetchFailed(
                    f"the search of {shown} links its next page to another server "
                    f"({redact_url(next_url)}); not followed",
                    attempts=call.attempts,
                )
            following = self._with_retries(call, next_url, redact_url(next_url))
            call.attempts += following.attempts
            pages += 1
            next_page = read_page(following.body)
            if next_page is None:
                raise FetchFailed(
                    f"page {pages} of the search of {shown} is not a FHIR Bundle",
                    attempts=call.attempts,
                )
            entries += next_page.entries
            next_url = next_page.next_url

    def _credential(self, credentials_name: str | None) -> PullCredential | None:
        if credentials_name is None:
            return None
        credential = self.credentials.get(credentials_name)
        if credential is None and credentials_name not in self.tls:
            raise FetchFailed(
                f"no credential set named '{credentials_name}' in DITEP_PULL_CREDENTIALS "
                "(nor in DITEP_PULL_TLS)",
                attempts=0,
            )
        return credential

    def _verify(self, credentials_name: str | None) -> ssl.SSLContext | bool:
        """The TLS context of a credential set with client TLS; httpx's default otherwise."""
        tls = self.tls.get(credentials_name) if credentials_name is not None else None
        if tls is None or credentials_name is None:
            return True
        context = self._contexts.get(credentials_name)
        if context is None:
            try:
                context = client_ssl_context(tls, setting=f"DITEP_PULL_TLS['{credentials_name}']")
            except TlsConfigurationError as error:
                raise FetchFailed(error.message, attempts=0) from error
            self._contexts[credentials_name] = context
        return context

    def _call(
        self,
        credentials_name: str | None,
        credential: PullCredential | None,
        headers: Mapping[str, str],
    ) -> _CallScope:
        tls = self.tls.get(credentials_name) if credentials_name is not None else None
        policy = self.policy
        client = httpx.Client(
            timeout=httpx.Timeout(policy.timeout_seconds),
            follow_redirects=True,
            max_redirects=policy.max_redirects,
            auth=auth_for(credential),
            transport=GuardedTransport(
                policy.allowlist,
                resolver=self.resolver,
                inner=self.transport,
                verify=self._verify(credentials_name),
            ),
        )
        return _CallScope(
            _Call(
                client=client,
                headers=headers,
                started=self.clock(),
                tokens=self._token_source(credentials_name, credential),
                client_certificate=tls is not None and tls.has_client_certificate,
            )
        )

    def _token_source(
        self, credentials_name: str | None, credential: PullCredential | None
    ) -> _TokenSource | None:
        if credentials_name is None or not isinstance(credential, OAuth2Credential):
            return None
        return _TokenSource(
            credentials_name, credential, self._tokens, self._tokens_lock, self.clock
        )

    def _with_retries(self, call: _Call, url: str, shown: str) -> FetchResult:
        client, headers, started, tokens = call.client, call.headers, call.started, call.tokens
        policy = self.policy
        attempt = 1
        refreshed = False
        while True:
            try:
                sent = dict(headers)
                if tokens is not None:
                    sent["Authorization"] = tokens.header(client)
                result = self._attempt(
                    client,
                    url,
                    sent,
                    shown,
                    started,
                    unauthorized=tokens is not None,
                    client_certificate=call.client_certificate,
                )
            except _Unauthorized as error:
                assert tokens is not None
                if refreshed:
                    raise FetchFailed(
                        f"HTTP 401 Unauthorized from {shown}, with a fresh token",
                        status_code=401,
                        attempts=attempt,
                    ) from error
                # Revoked or expired before its time: one new token, one more try.
                tokens.forget()
                refreshed = True
                attempt += 1
                continue
            except _Retry as retry:
                pause = policy.backoff(attempt)
                out_of_time = (
                    policy.deadline_seconds is not None
                    and self.clock() + pause - started > policy.deadline_seconds
                )
                if attempt >= policy.max_attempts or out_of_time:
                    raise FetchFailed(
                        f"{retry.reason} from {shown} (gave up after {attempt} attempt"
                        f"{'s' if attempt > 1 else ''})",
                        status_code=retry.status_code,
                        attempts=attempt,
                    ) from retry
                self.sleep(pause)
                attempt += 1
                continue
            except FetchFailed as failed:
                failed.attempts = attempt
                raise
            return replace(result, attempts=attempt)

    def _attempt(
        self,
        client: httpx.Client,
        url: str,
        headers: Mapping[str, str],
        shown: str,
        started: float,
        *,
        unauthorized: bool = False,
        client_certificate: bool = False,
    ) -> FetchResult:
        try:
            with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 401 and unauthorized:
                    raise _Unauthorized
                if status >= 500:
                    raise _Retry(f"HTTP {status} {response.reason_phrase}".rstrip(), status)
                if status == 304:
                    return FetchResult(
                        not_modified=True,
                        etag=response.headers.get("ETag"),
                        last_modified=response.headers.get("Last-Modified"),
                    )
                if not 200 <= status < 300:
                    raise FetchFailed(
                        f"HTTP {status} {response.reason_phrase}".rstrip() + f" from {shown}",
                        status_code=status,
                    )
                body = self._read_limited(response, shown, started)
                return FetchResult(
                    not_modified=False,
                    body=body,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=response.headers.get("Content-Type"),
                )
        except AddressNotAllowed as error:
            # Before the TransportError handlers: never retried, and nothing of the target.
            raise AddressRefused(error) from error
        except httpx.TransportError as error:
            failure = tls_failure(error, client_certificate=client_certificate)
            if failure is not None:
                # Never retried: the same handshake fails the same way.
                raise FetchFailed(
                    f"TLS with {shown} failed: {failure} "
                    "(DITEP_PULL_TLS, under the source's credential set name)"
                ) from error
            raise _transient(error) or FetchFailed(
                f"{type(error).__name__} fetching {shown}"
            ) from error
        except httpx.TooManyRedirects as error:
            raise FetchFailed(
                f"more than {self.policy.max_redirects} redirects from {shown}"
            ) from error
        except httpx.HTTPError as error:
            raise FetchFailed(f"{type(error).__name__} fetching {shown}") from error
        except httpx.InvalidURL as error:
            raise FetchFailed(f"the source's URL is invalid: {shown}") from error

    def _read_limited(self, response: httpx.Response, shown: str, started: float) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        # Content-Length counts encoded bytes: only a decoded body can be compared.
        encoded = "Content-Encoding" in response.headers
        if declared.isdigit() and not encoded and int(declared) > limit:
            raise FeedTooLarge(
                f"the response from {shown} is {declared} bytes; the limit is {limit} bytes",
                status_code=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        deadline = self.policy.deadline_seconds
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FeedTooLarge(
                    f"the response from {shown} is over the limit of {limit} bytes",
                    status_code=response.status_code,
                )
            if deadline is not None and self.clock() - started > deadline:
                raise FetchFailed(f"reading {shown} took longer than {deadline:.0f} s")
            chunks.append(chunk)
        return b"".join(chunks)
