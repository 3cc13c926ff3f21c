"""The HTTP side of pulling, one case per behaviour, with respx (no network)."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from agenda_ingest.pull.addresses import Allowlist
from agenda_ingest.pull.fetcher import (
    FeedTooLarge,
    Fetcher,
    FetchFailed,
    FetchPolicy,
    redact_url,
)
from ditep_core.settings import BasicCredential, BearerCredential, PullCredential
from tests.conftest import TEST_PULL_ALLOWED_HOSTS, make_settings

URL = "https://dui.example/export/agenda.ics"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
CREDENTIALS: dict[str, PullCredential] = {
    "vendor": BearerCredential(kind="bearer", token=SecretStr("vendor-token-123")),
    "caldav": BasicCredential(kind="basic", username="ditep", password=SecretStr("s3cret")),
}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetcher(sleeps: Sleeps | None = None, **policy: Any) -> Fetcher:
    values: dict[str, Any] = {
        "max_attempts": 4,
        "backoff_seconds": 1.0,
        "allowlist": Allowlist.from_entries(TEST_PULL_ALLOWED_HOSTS),
        **policy,
    }
    return Fetcher(
        FetchPolicy(**values),
        credentials=CREDENTIALS,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def test_200_gives_body_and_validators_then_304_with_if_none_match(
    mock: respx.MockRouter,
) -> None:
    route = mock.get(URL).mock(
        side_effect=[
            httpx.Response(
                200,
                content=CALENDAR,
                headers={"ETag": '"v1"', "Content-Type": "text/calendar; charset=utf-8"},
            ),
            httpx.Response(304, headers={"ETag": '"v1"'}),
        ]
    )
    first = fetcher().fetch(URL)
    assert (first.not_modified, first.body, first.etag) == (False, CALENDAR, '"v1"')
    assert first.content_type == "text/calendar; charset=utf-8"
    assert "If-None-Match" not in route.calls[0].request.headers

    second = fetcher().fetch(URL, etag=first.etag)
    assert second.not_modified
    assert second.body == b""
    assert route.calls[1].request.headers["If-None-Match"] == '"v1"'


def test_last_modified_is_kept_and_sent_back_as_if_modified_since(
    mock: respx.MockRouter,
) -> None:
    stamp = "Wed, 05 Mar 2025 10:00:00 GMT"
    route = mock.get(URL).mock(
        side_effect=[
            httpx.Response(200, content=CALENDAR, headers={"Last-Modified": stamp}),
            httpx.Response(304),
        ]
    )
    first = fetcher().fetch(URL)
    assert (first.etag, first.last_modified) == (None, stamp)
    second = fetcher().fetch(URL, last_modified=first.last_modified)
    assert second.not_modified
    assert route.calls[1].request.headers["If-Modified-Since"] == stamp
    assert "If-None-Match" not in route.calls[1].request.headers


def test_503_is_retried_with_exponential_backoff(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(502),
            httpx.Response(200, content=CALENDAR),
        ]
    )
    sleeps = Sleeps()
    result = fetcher(sleeps).fetch(URL)
    assert result.body == CALENDAR
    assert result.attempts == 3
    assert route.call_count == 3
    assert sleeps == [1.0, 2.0]


def test_5xx_every_time_gives_up_after_max_attempts(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(500))
    sleeps = Sleeps()
    with pytest.raises(FetchFailed) as failed:
        fetcher(sleeps).fetch(URL)
    assert route.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert failed.value.status_code == 500
    assert failed.value.attempts == 4
    assert "HTTP 500" in failed.value.message
    assert "4 attempts" in failed.value.message


def test_backoff_is_capped() -> None:
    policy = FetchPolicy(backoff_seconds=10.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [10.0, 20.0, 40.0, 60.0, 60.0]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
    ],
)
def test_timeouts_and_connection_errors_are_retried(
    mock: respx.MockRouter, error: httpx.TransportError
) -> None:
    route = mock.get(URL).mock(side_effect=[error, httpx.Response(200, content=CALENDAR)])
    sleeps = Sleeps()
    result = fetcher(sleeps).fetch(URL)
    assert result.body == CALENDAR
    assert route.call_count == 2
    assert sleeps == [1.0]


def test_a_timeout_every_time_fails_with_a_clear_message(mock: respx.MockRouter) -> None:
    mock.get(URL).mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(FetchFailed, match=r"timed out \(ReadTimeout\) from https://dui.example"):
        fetcher(max_attempts=2).fetch(URL)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_4xx_is_not_retried(mock: respx.MockRouter, status: int) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(status))
    sleeps = Sleeps()
    with pytest.raises(FetchFailed) as failed:
        fetcher(sleeps).fetch(URL)
    assert route.call_count == 1
    assert sleeps == []
    assert failed.value.status_code == status
    assert failed.value.message.startswith(f"HTTP {status} ")
    assert URL in failed.value.message


def test_other_transport_errors_are_not_retried(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(side_effect=httpx.RemoteProtocolError("peer closed"))
    with pytest.raises(FetchFailed, match="RemoteProtocolError"):
        fetcher().fetch(URL)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://dui.example/agenda.ics", "UnsupportedProtocol fetching ftp://dui.example"),
        ("http://[::1/agenda.ics", "the source's URL is invalid: <invalid URL>"),
    ],
)
def test_unusable_urls_fail_clearly(url: str, message: str) -> None:
    # No mock: httpx refuses both before opening any connection.
    with pytest.raises(FetchFailed, match=message):
        fetcher().fetch(url)


def test_redirects_are_followed_up_to_the_limit(mock: respx.MockRouter) -> None:
    mock.get(URL).mock(
        return_value=httpx.Response(301, headers={"Location": "https://dui.example/moved.ics"})
    )
    mock.get("https://dui.example/moved.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    assert fetcher().fetch(URL).body == CALENDAR


def test_a_redirect_loop_fails_past_the_limit_without_retrying(mock: respx.MockRouter) -> None:
    a = mock.get("https://dui.example/a").mock(
        return_value=httpx.Response(302, headers={"Location": "/b"})
    )
    b = mock.get("https://dui.example/b").mock(
        return_value=httpx.Response(302, headers={"Location": "/a"})
    )
    with pytest.raises(FetchFailed, match="more than 3 redirects"):
        fetcher(max_redirects=3).fetch("https://dui.example/a")
    # The first request and 3 redirects were sent; the 4th redirect was refused. No retry.
    assert a.call_count + b.call_count == 4


def test_a_body_over_the_limit_is_refused_by_its_content_length(mock: respx.MockRouter) -> None:
    mock.get(URL).mock(return_value=httpx.Response(200, content=b"x" * 101))
    with pytest.raises(FeedTooLarge, match="101 bytes; the limit is 100 bytes"):
        fetcher(max_bytes=100).fetch(URL)


def test_a_streamed_body_over_the_limit_is_refused_while_reading(mock: respx.MockRouter) -> None:
    chunks = [b"x" * 60, b"x" * 60, b"x" * 60]
    mock.get(URL).mock(return_value=httpx.Response(200, content=iter(chunks)))
    with pytest.raises(FeedTooLarge, match="over the limit of 100 bytes"):
        fetcher(max_bytes=100).fetch(URL)


def test_the_limit_applies_to_the_decoded_body(mock: respx.MockRouter) -> None:
    compressed = gzip.compress(b"x" * 1000)
    assert len(compressed) < 100
    mock.get(URL).mock(
        return_value=httpx.Response(200, content=compressed, headers={"Content-Encoding": "gzip"})
    )
    with pytest.raises(FeedTooLarge):
        fetcher(max_bytes=500).fetch(URL)
    assert fetcher(max_bytes=1000).fetch(URL).body == b"x" * 1000


def test_a_body_at_the_limit_is_accepted(mock: respx.MockRouter) -> None:
    mock.get(URL).mock(return_value=httpx.Response(200, content=b"x" * 100))
    assert len(fetcher(max_bytes=100).fetch(URL).body) == 100


def test_bearer_credentials_are_sent_from_their_name(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=CALENDAR))
    fetcher().fetch(URL, credentials_name="vendor")
    assert route.calls.last.request.headers["Authorization"] == "Bearer vendor-token-123"


def test_basic_credentials_are_sent_from_their_name(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=CALENDAR))
    fetcher().fetch(URL, credentials_name="caldav")
    expected = "Basic " + base64.b64encode(b"ditep:s3cret").decode()
    assert route.calls.last.request.headers["Authorization"] == expected


def test_no_credentials_means_no_authorization_header(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=CALENDAR))
    fetcher().fetch(URL)
    assert "Authorization" not in route.calls.last.request.headers


def test_an_unknown_credential_name_fails_before_any_request(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(200, content=CALENDAR))
    with pytest.raises(FetchFailed, match="no credential set named 'nope'"):
        fetcher().fetch(URL, credentials_name="nope")
    assert route.call_count == 0


def test_credentials_are_not_forwarded_to_another_origin(mock: respx.MockRouter) -> None:
    mock.get(URL).mock(
        return_value=httpx.Response(302, headers={"Location": "https://elsewhere.example/a.ics"})
    )
    elsewhere = mock.get("https://elsewhere.example/a.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    fetcher().fetch(URL, credentials_name="vendor")
    assert "Authorization" not in elsewhere.calls.last.request.headers


def test_messages_never_show_url_credentials_or_query(mock: respx.MockRouter) -> None:
    url = "https://user:hunter2@dui.example/export.ics?token=abcdef"
    mock.get("https://dui.example/export.ics").mock(return_value=httpx.Response(404))
    with pytest.raises(FetchFailed) as failed:
        fetcher().fetch(url)
    message = failed.value.message
    assert "hunter2" not in message
    assert "abcdef" not in message
    assert "https://dui.example/export.ics?…" in message
    assert redact_url("not a url at all\x00") == "<invalid URL>"


def test_the_deadline_stops_retrying(mock: respx.MockRouter) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(503))
    sleeps = Sleeps()
    with pytest.raises(FetchFailed, match="after 1 attempt\\)"):
        fetcher(sleeps, backoff_seconds=10.0, deadline_seconds=5.0).fetch(URL)
    assert route.call_count == 1
    assert sleeps == []


def test_policy_and_credentials_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DITEP_PULL_CREDENTIALS",
        '{"vendor": {"kind": "bearer", "token": "t0k"},'
        ' "caldav": {"kind": "basic", "username": "u", "password": "p"}}',
    )
    monkeypatch.setenv("DITEP_PULL_MAX_REDIRECTS", "2")
    settings = make_settings(max_feed_bytes=1234, pull_lease_seconds=100)
    vendor, caldav = settings.pull_credentials["vendor"], settings.pull_credentials["caldav"]
    assert isinstance(vendor, BearerCredential)
    assert isinstance(caldav, BasicCredential)
    assert vendor.token.get_secret_value() == "t0k"
    assert "t0k" not in repr(settings)
    assert "'p'" not in repr(caldav)
    policy = Fetcher.from_settings(settings).policy
    assert (policy.max_redirects, policy.max_bytes, policy.deadline_seconds) == (2, 1234, 80.0)
    assert (policy.timeout_seconds, policy.max_attempts, policy.backoff_seconds) == (30, 4, 1.0)
