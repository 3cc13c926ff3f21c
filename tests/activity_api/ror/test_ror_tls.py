"""ROR pushes over mTLS: the client certificate, key and CA bundle are settings
(DITEP_ROR_TLS); a real local HTTPS server that requires a client certificate, serving
the token endpoint and the ROR's Locations (search, creation and update)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from activity_api.ror.push import RorClient, RorPushError, push_establishments
from ditep_cli.main import app as cli_app
from ditep_core.db import Database
from ditep_core.settings import Settings
from ditep_core.tls import ClientTls
from tests.activity_api.ror.support import (
    FINESS,
    LOCATIONS,
    OAUTH2,
    WEEK,
    LocationStore,
    ror_settings,
)
from tests.conftest import TemporaryDatabase, make_settings
from tests.local_http import QuietHandler, serving
from tests.tls import Certificates, mtls_certificates

LOCATION: dict[str, Any] = {"resourceType": "Location", "id": "380000300-accueil-nuit"}


class _Ror(QuietHandler):
    received: ClassVar[dict[str, Any]] = {}
    store: ClassVar[LocationStore]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name): the search
        self._location(None)

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        content = self.rfile.read(int(self.headers["Content-Length"]))
        if not self.path.startswith("/fhir/"):  # the token endpoint
            self.reply(200, json.dumps({"access_token": "mtls-token"}).encode(), "application/json")
            return
        self._location(json.loads(content))

    def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
        self._location(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def _location(self, body: dict[str, Any] | None) -> None:
        type(self).received[f"{self.command} {self.path}"] = body
        path, _, query = self.path.partition("?")
        status, answer = type(self).store.answer(
            self.command, path, query, body, self.headers.get("If-None-Exist")
        )
        self.reply(status, json.dumps(answer).encode(), "application/fhir+json")


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return mtls_certificates(tmp_path)


@pytest.fixture
def ror_server(certificates: Certificates) -> Iterator[tuple[str, type[_Ror]]]:
    handler = type("Ror", (_Ror,), {"received": {}, "store": LocationStore()})
    with serving(handler, certificates.server) as server:
        yield f"https://127.0.0.1:{server.server_address[1]}/fhir", handler


def _settings(base: str, tls: ClientTls | None) -> Settings:
    return make_settings(ror_base_url=base, ror_tls=tls, ror_backoff_seconds=0)


def test_a_push_with_the_client_certificate_succeeds_without_it_fails_clearly(
    ror_server: tuple[str, type[_Ror]], certificates: Certificates
) -> None:
    base, handler = ror_server
    without = RorClient(_settings(base, ClientTls(ca_file=certificates.ca_file)))
    try:
        refused = without.push_location(LOCATION)
    finally:
        without.close()
    assert not refused.ok
    assert refused.attempts == 1  # not retried: the same handshake fails the same way
    assert refused.messages == [
        f"TLS with {base} failed: the server requires a client certificate and none is set "
        "(DITEP_ROR_TLS)"
    ]
    assert handler.received == {}

    handler.store.locations[LOCATION["id"]] = LOCATION
    client = RorClient(_settings(base, _client_tls(certificates)))
    try:
        pushed = client.push_location(LOCATION)
    finally:
        client.close()
    assert pushed.ok, pushed.messages
    assert handler.received == {f"PUT /fhir/Location/{LOCATION['id']}": LOCATION}


def _client_tls(certificates: Certificates) -> ClientTls:
    return ClientTls(
        cert_file=certificates.client_cert_file,
        key_file=certificates.client_key_file,
        ca_file=certificates.ca_file,
    )


def _push_settings(database_url: str, base: str, tls: ClientTls) -> Settings:
    token_url = base.removesuffix("/fhir") + "/token"
    return ror_settings(
        database_url,
        ror_base_url=base,
        ror_tls=tls,
        ror_oauth2={**OAUTH2, "token_url": token_url, "client_auth": "post"},
    )


@pytest.mark.slow
def test_a_first_push_over_mtls_creates_the_locations_once_and_records_their_ids(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    ror_server: tuple[str, type[_Ror]],
    certificates: Certificates,
) -> None:
    base, handler = ror_server
    settings = _push_settings(fresh_database.url, base, _client_tls(certificates))
    (first,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert first.ok, first.lines()
    assert sorted(handler.store.locations) == ["LOC-1", "LOC-2"]
    assert [call[0] for call in handler.store.calls] == ["GET", "POST", "GET", "POST"]
    (second,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    assert second.ok, second.lines()
    assert [push.url for push in second.locations] == [
        f"{base}/Location/LOC-1",
        f"{base}/Location/LOC-2",
    ]
    assert sorted(handler.store.locations) == ["LOC-1", "LOC-2"]


def test_a_token_endpoint_refusing_the_handshake_is_kept_per_location(
    ror_database: Database,
    fresh_database: TemporaryDatabase,
    ror_server: tuple[str, type[_Ror]],
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, handler = ror_server
    settings = _push_settings(fresh_database.url, base, ClientTls(ca_file=certificates.ca_file))
    (report,) = push_establishments(ror_database, settings, [FINESS], week=WEEK)
    reason = (
        "TLS with the token endpoint failed: the server requires a client certificate and "
        "none is set (DITEP_ROR_TLS)"
    )
    assert report.error == reason
    assert handler.received == {}
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    status = CliRunner().invoke(cli_app, ["ror", "status", "--finess", FINESS])
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    for local_id, line in ((LOCATIONS[1], 1), (LOCATIONS[0], 3)):
        assert lines[line].startswith(f"  {local_id} week 2025-W11: not sent, ")
        assert lines[line + 1] == f"    not sent: {reason}"


def test_a_ror_tls_setting_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    settings = _settings("https://ror.example.test/fhir", ClientTls(ca_file=tmp_path / "nope.pem"))
    with pytest.raises(RorPushError, match=r"^DITEP_ROR_TLS: the CA bundle .* cannot be read"):
        RorClient(settings)
