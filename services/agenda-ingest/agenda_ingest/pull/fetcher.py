"""Fetching a source's URL over HTTP: conditional, bounded, retried with backoff.

No database here: the caller fetches with no transaction open, then writes.
Retried: timeouts, connection failures and 5xx answers. Everything else
(4xx, too many redirects, a body over the limit) fails at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, replace

import httpx

from ditep_core.settings import BasicCredential, BearerCredential, PullCredential, Settings

USER_AGENT = "ditep-activity (agenda pull)"
MAX_BACKOFF_SECONDS = 60.0


class FetchFailed(Exception):
    """A fetch that brought nothing usable; the message names no secret."""

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.attempts = attempts


class FeedTooLarge(FetchFailed):
    """The response is over ``DITEP_MAX_FEED_BYTES``."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A 304 (``not_modified``) or a body with the validators to send next time."""

    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout_seconds: float = 30.0
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    max_redirects: int = 5
    max_bytes: int = 50 * 1024 * 1024
    # The whole fetch, retries included, must end before this (the lease's end).
    deadline_seconds: float | None = None

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
    """httpx drops the header on a redirect to another origin, so it never leaks there."""
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


class Fetcher:
    """One fetch per call; ``transport`` and ``sleep`` are for tests."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        credentials: Mapping[str, PullCredential] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self.credentials = dict(credentials or {})
        self.sleep = sleep
        self.clock = clock
        self.transport = transport

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
        credential: PullCredential | None = None
        if credentials_name is not None:
            credential = self.credentials.get(credentials_name)
            if credential is None:
                raise FetchFailed(
                    f"no credential set named '{credentials_name}' in DITEP_PULL_CREDENTIALS",
                    attempts=0,
                )
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        policy = self.policy
        started = self.clock()
        with httpx.Client(
            timeout=httpx.Timeout(policy.timeout_seconds),
            follow_redirects=True,
            max_redirects=policy.max_redirects,
            auth=auth_for(credential),
            transport=self.transport,
        ) as client:
            attempt = 1
            while True:
                try:
                    result = self._attempt(client, url, headers, shown, started)
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
    ) -> FetchResult:
        try:
            with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
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
        except httpx.TimeoutException as error:
            raise _Retry(f"timed out ({type(error).__name__})") from error
        except httpx.ConnectError as error:
            raise _Retry(f"could not connect ({error})") from error
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
