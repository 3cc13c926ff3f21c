"""ROR pushes over mTLS: the client certificate, key and CA bundle are settings
(DITEP_ROR_TLS); a real local HTTPS server that requires a client certificate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from activity_api.ror.push import RorClient, RorPushError
from ditep_core.settings import Settings
from ditep_core.tls import ClientTls
from tests.conftest import make_settings
from tests.local_http import QuietHandler, serving
from tests.tls import Certificates, mtls_certificates

LOCATION: dict[str, Any] = {"resourceType": "Location", "id": "380000300-accueil-nuit"}


class _Ror(QuietHandler):
    received: ClassVar[dict[str, Any]] = {}

    def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received[self.path] = json.loads(body)
        self.reply(200, body, "application/fhir+json")


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return mtls_certificates(tmp_path)


@pytest.fixture
def ror_server(certificates: Certificates) -> Iterator[tuple[str, type[_Ror]]]:
    handler = type("Ror", (_Ror,), {"received": {}})
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
        refused = without.put_location(LOCATION)
    finally:
        without.close()
    assert not refused.ok
    assert refused.attempts == 1  # not retried: the same handshake fails the same way
    assert refused.messages == [
        f"TLS with {base} failed: the server requires a client certificate and none is set "
        "(DITEP_ROR_TLS)"
    ]
    assert handler.received == {}

    tls = ClientTls(
        cert_file=certificates.client_cert_file,
        key_file=certificates.client_key_file,
        ca_file=certificates.ca_file,
    )
    client = RorClient(_settings(base, tls))
    try:
        pushed = client.put_location(LOCATION)
    finally:
        client.close()
    assert pushed.ok, pushed.messages
    assert handler.received == {f"/fhir/Location/{LOCATION['id']}": LOCATION}


def test_a_ror_tls_setting_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    settings = _settings("https://ror.example.test/fhir", ClientTls(ca_file=tmp_path / "nope.pem"))
    with pytest.raises(RorPushError, match=r"^DITEP_ROR_TLS: the CA bundle .* cannot be read"):
        RorClient(settings)
