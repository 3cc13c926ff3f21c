"""Pulls never reach an address that is not public unless DITEP_PULL_ALLOWED_HOSTS allows it.

respx stands for the network and a dict for DNS in the first half; the second half
pulls from a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import respx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr, ValidationError
from typer.testing import CliRunner

from agenda_ingest.main import create_app as create_ingest_app
from agenda_ingest.pull.addresses import (
    Allowlist,
    IPAddress,
    check_configured_url,
    is_public,
)
from agenda_ingest.pull.fetcher import AddressRefused, Fetcher, FetchFailed, FetchPolicy
from agenda_ingest.pull.service import PullStatus, configure_source, pull_source
from agenda_ingest.sources.service import add_source
from ditep_cli.main import app as cli_app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.models import Source
from ditep_core.nomenclatures import FeedFormat, Scope
from ditep_core.protection import DataProtection
from ditep_core.settings import OAuth2Credential, Settings
from ditep_core.web.problems import InvalidRequest
from tests.conftest import (
    MIGRATIONS_DIR,
    SAMPLE_FINESS,
    TEST_SECRET,
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
    make_settings,
)
from tests.http import app_client
from tests.local_http import QuietHandler, serving

PUBLIC_IP = "93.184.215.14"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
SECRET_BODY = "internal-admin-secret-4711"


class Dns:
    """A resolver: host → addresses, each call recorded."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, _port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"no address for {host}")
        return [ipaddress.ip_address(a) for a in self.answers[host]]


def fetcher(dns: Dns, *allowed: str, **credentials: Any) -> Fetcher:
    return Fetcher(
        FetchPolicy(backoff_seconds=0, allowlist=Allowlist.from_entries(allowed)),
        credentials=credentials,
        resolver=dns,
        sleep=lambda _s: None,
    )


# -- which addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "100.64.0.1",  # CGNAT
        "0.0.0.0",  # noqa: S104
        "::",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "198.18.0.1",
        "192.0.2.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:db8::1",
    ],
)
def test_addresses_that_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    assert not Allowlist().allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_the_allowlist_names_networks_addresses_hosts_and_domains() -> None:
    allowlist = Allowlist.from_entries(
        ["10.20.0.0/16", "127.0.0.1", "dav.hopital.local", ".dui.lan"]
    )
    assert allowlist.allows(ipaddress.ip_address("10.20.3.4"))
    assert allowlist.allows(ipaddress.ip_address("::ffff:10.20.3.4"))
    assert not allowlist.allows(ipaddress.ip_address("10.21.0.1"))
    assert allowlist.allows(ipaddress.ip_address("127.0.0.1"))
    assert not allowlist.allows(ipaddress.ip_address("127.0.0.2"))
    assert allowlist.names("DAV.hopital.local.")
    assert allowlist.names("fhir.dui.lan")
    assert allowlist.names("dui.lan")
    assert not allowlist.names("evil-dui.lan")
    assert not allowlist.names("hopital.local")


@pytest.mark.parametrize("entry", ["not a host", "10.0.0.0/33", "http://x", ""])
def test_a_bad_allowlist_entry_is_refused_by_the_settings(entry: str) -> None:
    with pytest.raises(ValidationError, match=r"neither"):
        make_settings(pull_allowed_hosts=[entry])


def test_the_allowlist_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DITEP_PULL_ALLOWED_HOSTS", '["10.20.0.0/16", "dav.hopital.local"]')
    settings = Settings()
    assert settings.pull_allowed_hosts == ["10.20.0.0/16", "dav.hopital.local"]
    monkeypatch.delenv("DITEP_PULL_ALLOWED_HOSTS")
    assert Settings().pull_allowed_hosts == []
    allowlist = FetchPolicy.from_settings(
        make_settings(pull_allowed_hosts=["10.0.0.0/8"])
    ).allowlist
    assert allowlist.networks == (ipaddress.ip_network("10.0.0.0/8"),)


# -- each request, with respx --------------------------------------------------------


def test_a_host_resolving_to_a_private_address_is_refused_before_any_request(
    mock: respx.MockRouter,
) -> None:
    route = mock.route().mock(return_value=httpx.Response(200, text=SECRET_BODY))
    dns = Dns({"agenda.vendor.test": ["10.0.0.7"]})
    with pytest.raises(AddressRefused) as refused:
        fetcher(dns).fetch("https://agenda.vendor.test/export.ics")
    assert refused.value.message.startswith("address not allowed")
    assert "10.0.0.7" not in refused.value.message
    assert refused.value.attempts == 1  # never retried
    assert refused.value.status_code is None
    assert not route.called


def test_one_private_address_among_public_ones_is_enough_to_refuse(
    mock: respx.MockRouter,
) -> None:
    route = mock.route().mock(return_value=httpx.Response(200, content=CALENDAR))
    dns = Dns({"agenda.vendor.test": [PUBLIC_IP, "127.0.0.1"]})
    with pytest.raises(AddressRefused):
        fetcher(dns).fetch("https://agenda.vendor.test/export.ics")
    assert not route.called


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8002/v1/audit",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.1.1/",
        "http://0.0.0.0:8001/",
    ],
)
def test_address_literals_that_are_not_public_are_refused(mock: respx.MockRouter, url: str) -> None:
    route = mock.route().mock(return_value=httpx.Response(200, text=SECRET_BODY))
    with pytest.raises(FetchFailed) as refused:
        fetcher(Dns({})).fetch(url)
    assert refused.value.message.startswith("address not allowed")
    assert not route.called


def test_names_are_resolved_by_the_system_resolver_by_default(mock: respx.MockRouter) -> None:
    route = mock.route().mock(return_value=httpx.Response(200, text=SECRET_BODY))
    plain = Fetcher(FetchPolicy(), sleep=lambda _s: None)
    for url in ("http://localhost:8002/", "http://2130706433/"):  # 127.0.0.1 as one number
        with pytest.raises(AddressRefused):
            plain.fetch(url)
    assert not route.called


def test_a_public_host_is_fetched_at_the_address_that_was_checked(
    mock: respx.MockRouter,
) -> None:
    """DNS is asked once per request; the connection goes to that answer, never a second one."""
    route = mock.get(f"https://{PUBLIC_IP}/export.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    dns = Dns({"agenda.vendor.test": [PUBLIC_IP]})
    result = fetcher(dns).fetch("https://agenda.vendor.test/export.ics")
    assert result.body == CALENDAR
    assert dns.asked == ["agenda.vendor.test"]
    sent = route.calls.last.request
    assert sent.headers["Host"] == "agenda.vendor.test"
    assert sent.extensions["sni_hostname"] == "agenda.vendor.test"


def test_a_redirect_to_a_private_address_is_refused(mock: respx.MockRouter) -> None:
    mock.get(f"https://{PUBLIC_IP}/export.ics").mock(
        return_value=httpx.Response(302, headers={"Location": "http://intranet.vendor.test/admin"})
    )
    inside = mock.route(host="192.168.1.20").mock(
        return_value=httpx.Response(200, text=SECRET_BODY)
    )
    dns = Dns({"agenda.vendor.test": [PUBLIC_IP], "intranet.vendor.test": ["192.168.1.20"]})
    with pytest.raises(AddressRefused) as refused:
        fetcher(dns).fetch("https://agenda.vendor.test/export.ics")
    assert dns.asked == ["agenda.vendor.test", "intranet.vendor.test"]
    assert not inside.called
    assert "intranet" not in refused.value.message
    assert "302" not in refused.value.message


def test_a_redirect_to_an_address_literal_is_refused(mock: respx.MockRouter) -> None:
    mock.get(f"https://{PUBLIC_IP}/export.ics").mock(
        return_value=httpx.Response(
            301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        )
    )
    metadata = mock.route(host="169.254.169.254").mock(return_value=httpx.Response(200))
    with pytest.raises(AddressRefused):
        fetcher(Dns({"agenda.vendor.test": [PUBLIC_IP]})).fetch(
            "https://agenda.vendor.test/export.ics"
        )
    assert not metadata.called


def test_a_redirect_between_public_hosts_is_followed_and_checked(mock: respx.MockRouter) -> None:
    other_ip = "8.8.4.4"
    mock.get(f"https://{PUBLIC_IP}/export.ics").mock(
        return_value=httpx.Response(302, headers={"Location": "https://cdn.vendor.test/a.ics"})
    )
    moved = mock.get(f"https://{other_ip}/a.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    dns = Dns({"agenda.vendor.test": [PUBLIC_IP], "cdn.vendor.test": [other_ip]})
    assert fetcher(dns).fetch("https://agenda.vendor.test/export.ics").body == CALENDAR
    assert moved.calls.last.request.headers["Host"] == "cdn.vendor.test"


def test_a_token_url_on_a_private_address_is_refused(mock: respx.MockRouter) -> None:
    token = mock.route(host="10.9.9.9").mock(
        return_value=httpx.Response(200, json={"access_token": "t"})
    )
    search = mock.route(host=PUBLIC_IP).mock(return_value=httpx.Response(200, json={}))
    credential = OAuth2Credential(
        kind="oauth2",
        token_url="http://auth.vendor.test/token",
        client_id="ditep",
        client_secret=SecretStr("s"),
    )
    dns = Dns({"fhir.vendor.test": [PUBLIC_IP], "auth.vendor.test": ["10.9.9.9"]})
    with pytest.raises(AddressRefused):
        fetcher(dns, dui=credential).fetch_fhir(
            "https://fhir.vendor.test/Encounter", credentials_name="dui"
        )
    assert not token.called
    assert not search.called


def test_an_allowed_network_or_host_name_is_fetched(mock: respx.MockRouter) -> None:
    by_network = mock.get("http://10.20.0.5/export.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    by_name = mock.get("http://dav.hopital.local/export.ics").mock(
        return_value=httpx.Response(200, content=CALENDAR)
    )
    dns = Dns({"dav.intra.test": ["10.20.0.5"]})
    allowed = fetcher(dns, "10.20.0.0/16", "dav.hopital.local")
    assert allowed.fetch("http://dav.intra.test/export.ics").body == CALENDAR
    # A listed name is sent as it is: no check, no pinning.
    assert allowed.fetch("http://dav.hopital.local/export.ics").body == CALENDAR
    assert by_network.calls.last.request.headers["Host"] == "dav.intra.test"
    assert by_name.called
    assert dns.asked == ["dav.intra.test"]


def test_a_host_that_does_not_resolve_is_a_connection_failure_retried(
    mock: respx.MockRouter,
) -> None:
    with pytest.raises(FetchFailed) as failed:
        fetcher(Dns({})).fetch("https://nowhere.vendor.test/export.ics")
    assert "could not resolve" in failed.value.message
    assert failed.value.attempts == 4


# -- when a URL is configured --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8002/", "http://localhost/x", "https://api.localhost/", "http://[fd00::1]/"],
)
def test_a_configured_url_to_a_refused_address_is_refused_at_once(
    database: Database, sample_ditep: SampleDitep, url: str
) -> None:
    with pytest.raises(InvalidRequest, match=r"^address not allowed"):
        check_pull_url_via_configure(database, sample_ditep.establishment_source_id, url)
    with database.unit_of_work() as session, pytest.raises(InvalidRequest, match="address not"):
        add_source(session, finess=SAMPLE_FINESS, name="loop", feed_format=FeedFormat.ICAL, url=url)


def check_pull_url_via_configure(database: Database, source_id: int, url: str) -> None:
    with database.unit_of_work() as session:
        configure_source(session, source_id, url=url)


def test_a_configured_host_name_or_allowed_address_is_accepted() -> None:
    check_configured_url("https://dav.vendor.test/x", Allowlist())  # checked at each fetch
    check_configured_url("http://127.0.0.1:5232/", Allowlist.from_entries(["127.0.0.1"]))
    check_configured_url("http://localhost:5232/", Allowlist.from_entries(["localhost"]))


# -- a real server on 127.0.0.1 -------------------------------------------------------


class _Handler(QuietHandler):
    paths: ClassVar[list[str]] = []
    redirect_to: ClassVar[str | None] = None

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).paths.append(self.path)
        if self.path.startswith("/redirect") and self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/admin"):
            self.reply(418, SECRET_BODY.encode(), "text/calendar")
        else:
            self.reply(200, CALENDAR, "text/calendar")


@pytest.fixture
def local_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"paths": [], "redirect_to": None})
    with serving(handler) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler


def _pull_settings(*allowed: str) -> Settings:
    return make_settings(pull_backoff_seconds=0, pull_allowed_hosts=list(allowed))


def _point_source_at(database: Database, source_id: int, url: str) -> None:
    # As configured where 127.0.0.1 was allowed (or through a name resolving to it).
    with database.unit_of_work() as session:
        configure_source(
            session, source_id, url=url, allowlist=Allowlist.from_entries(["127.0.0.1"])
        )


def test_a_real_local_server_is_refused_by_default_and_nothing_of_it_leaks(
    database: Database,
    sample_ditep: SampleDitep,
    protection: DataProtection,
    local_server: tuple[str, type[_Handler]],
    make_key: KeyMaker,
) -> None:
    base, handler = local_server
    source_id = sample_ditep.establishment_source_id
    _point_source_at(database, source_id, f"{base}/admin")
    outcome = pull_source(
        database,
        source_id,
        settings=_pull_settings(),
        protection=protection,
        owner="test",
        now=dt.datetime(2025, 3, 10, tzinfo=dt.UTC),
    )
    assert outcome.status is PullStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.startswith("address not allowed")
    assert "418" not in outcome.error
    assert SECRET_BODY not in outcome.error
    assert handler.paths == []  # not even connected to
    with database.unit_of_work() as session:
        source = session.get(Source, source_id)
        assert source is not None
        assert source.last_pull_status == "failed"
        assert source.last_pull_error == outcome.error

    # Through the API: the same failure, and nothing of the server either.
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    with app_client(create_ingest_app(_pull_settings(), database=database)) as client:
        response = client.post(f"/v1/sources/{source_id}/pull", headers=key)
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert response.json()["error"].startswith("address not allowed")
    assert "418" not in response.text
    assert SECRET_BODY not in response.text
    assert handler.paths == []


def test_a_real_local_server_is_pulled_when_the_allowlist_names_127_0_0_1(
    database: Database,
    sample_ditep: SampleDitep,
    protection: DataProtection,
    local_server: tuple[str, type[_Handler]],
) -> None:
    base, handler = local_server
    source_id = sample_ditep.establishment_source_id
    _point_source_at(database, source_id, f"{base}/export.ics")
    outcome = pull_source(
        database,
        source_id,
        settings=_pull_settings("127.0.0.1"),
        protection=protection,
        owner="test",
    )
    assert outcome.status is PullStatus.FETCHED, outcome.error
    assert handler.paths == ["/export.ics"]


def test_a_real_redirect_from_an_allowed_name_to_a_refused_address_is_not_followed(
    protection: DataProtection,
    local_server: tuple[str, type[_Handler]],
) -> None:
    base, handler = local_server
    port = base.rsplit(":", 1)[1]
    handler.redirect_to = f"{base}/admin"
    # "localhost" is allowed by name; where it redirects (127.0.0.1) is not.
    fetcher_ = Fetcher.from_settings(_pull_settings("localhost"))
    with pytest.raises(AddressRefused) as refused:
        fetcher_.fetch(f"http://localhost:{port}/redirect")
    assert handler.paths == ["/redirect"]
    assert "418" not in refused.value.message
    assert SECRET_BODY not in refused.value.message


def test_the_cli_refuses_to_configure_a_url_to_a_refused_address(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    monkeypatch.delenv("DITEP_PULL_ALLOWED_HOSTS", raising=False)
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli_app, list(args))
        return result.exit_code, result.output

    assert (
        invoke("establishment", "add", "--finess", SAMPLE_FINESS, "--name", "D", "--region", "84")[
            0
        ]
        == 0
    )
    add = ("source", "add", "--finess", SAMPLE_FINESS, "--format", "ical", "--name")
    code, output = invoke(*add, "Loop", "--url", "http://127.0.0.1:8002/v1/audit")
    assert code == 1
    assert "address not allowed" in output
    code, output = invoke(*add, "Pushed")
    assert code == 0, output
    source_id = output.strip().splitlines()[-1]
    code, output = invoke("pull", "configure", source_id, "--url", "http://169.254.169.254/")
    assert code == 1
    assert "address not allowed" in output
    monkeypatch.setenv("DITEP_PULL_ALLOWED_HOSTS", '["127.0.0.1"]')
    code, output = invoke("pull", "configure", source_id, "--url", "http://127.0.0.1:5232/x/")
    assert code == 0, output


def _self_signed(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, type[_Handler]]]:
    """HTTPS on 127.0.0.1 with a certificate for agenda.pinned.test only."""
    cert_path, key_path = _self_signed(tmp_path, "agenda.pinned.test")
    handler = type("Handler", (_Handler,), {"paths": [], "redirect_to": None})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with serving(handler, context) as server:
        yield server.server_address[1], cert_path, handler


def test_a_pinned_https_request_keeps_the_host_name_for_tls(
    tls_server: tuple[int, Path, type[_Handler]],
) -> None:
    """Sent to the checked address, with SNI and the certificate check on the host name."""
    port, cert_path, handler = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_path))
    dns = Dns({"agenda.pinned.test": ["127.0.0.1"], "other.pinned.test": ["127.0.0.1"]})
    pinned = Fetcher(
        FetchPolicy(backoff_seconds=0, allowlist=Allowlist.from_entries(["127.0.0.0/8"])),
        resolver=dns,
        sleep=lambda _s: None,
        transport=httpx.HTTPTransport(verify=trusting),
    )
    result = pinned.fetch(f"https://agenda.pinned.test:{port}/export.ics")
    assert result.body == CALENDAR
    assert handler.paths == ["/export.ics"]
    # Another name on the same address: its certificate does not match, refused by TLS.
    with pytest.raises(FetchFailed, match=r"CERTIFICATE_VERIFY_FAILED|Hostname mismatch"):
        Fetcher(
            FetchPolicy(max_attempts=1, allowlist=Allowlist.from_entries(["127.0.0.0/8"])),
            resolver=dns,
            transport=httpx.HTTPTransport(verify=trusting),
        ).fetch(f"https://other.pinned.test:{port}/export.ics")
    assert handler.paths == ["/export.ics"]
