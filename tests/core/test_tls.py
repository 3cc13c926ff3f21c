"""Client TLS settings (ditep_core.tls): read from the environment, checked, loaded."""

from __future__ import annotations

import ssl
import tempfile
from pathlib import Path

import pytest
import trustme
from pydantic import SecretStr, ValidationError

from ditep_core.observability import settings_secrets
from ditep_core.settings import Settings
from ditep_core.tls import ClientTls, TlsConfigurationError, client_ssl_context, httpx_verify
from tests.tls import mtls_certificates


def test_client_tls_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "DITEP_PULL_TLS",
        '{"dui": {"cert_file": "/run/secrets/dui.crt", "key_file": "/run/secrets/dui.key",'
        ' "ca_file": "/run/secrets/ca.pem"}}',
    )
    monkeypatch.setenv("DITEP_ROR_TLS", '{"cert_pem": "-----BEGIN PRIVATE KEY-----…"}')
    settings = Settings()
    assert settings.pull_tls["dui"].cert_file == Path("/run/secrets/dui.crt")
    assert settings.pull_tls["dui"].has_client_certificate
    assert settings.ror_tls is not None
    assert "PRIVATE KEY" not in repr(settings.ror_tls)  # a secret value is never shown
    assert "-----BEGIN PRIVATE KEY-----…" in settings_secrets(settings)  # nor logged


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cert_file": "a.pem", "cert_pem": "x"}, "cert_file or cert_pem, not both"),
        ({"ca_file": "a.pem", "ca_pem": "x"}, "ca_file or ca_pem, not both"),
        ({"key_file": "k.pem"}, "needs its certificate"),
        ({"cert_pem": "-----BEGIN CERTIFICATE-----"}, "holds no private key"),
        ({"cert_file": "a.pem", "password": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_a_client_tls_setting_says_what_is_wrong(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ClientTls.model_validate(values)


def test_pem_values_and_files_give_the_same_context(tmp_path: Path) -> None:
    certificates = mtls_certificates(tmp_path)
    left_before = set(Path(tempfile.gettempdir()).glob("ditep-tls-*"))
    from_files = client_ssl_context(
        ClientTls(
            cert_file=certificates.client_cert_file,
            key_file=certificates.client_key_file,
            ca_file=certificates.ca_file,
        ),
        setting="S",
    )
    from_values = client_ssl_context(
        ClientTls(
            cert_pem=SecretStr(certificates.client_cert_file.read_text()),
            key_pem=SecretStr(certificates.client_key_file.read_text()),
            ca_pem=certificates.ca_file.read_text(),
        ),
        setting="S",
    )
    for context in (from_files, from_values):
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname
        assert [c["subject"] for c in context.get_ca_certs()] == [
            c["subject"] for c in from_files.get_ca_certs()
        ]
    # No temporary file of a PEM value is left behind.
    assert set(Path(tempfile.gettempdir()).glob("ditep-tls-*")) <= left_before
    assert httpx_verify(None, setting="S") is True
    assert httpx_verify(ClientTls(), setting="S") is True
    assert isinstance(
        httpx_verify(ClientTls(ca_file=certificates.ca_file), setting="S"), ssl.SSLContext
    )


def test_a_key_that_is_not_the_certificates_is_refused_naming_the_setting(
    tmp_path: Path,
) -> None:
    certificates = mtls_certificates(tmp_path)
    other = trustme.CA().issue_cert("someone-else.example")
    with pytest.raises(TlsConfigurationError) as raised:
        client_ssl_context(
            ClientTls(
                cert_file=certificates.client_cert_file,
                key_pem=SecretStr(other.private_key_pem.bytes().decode()),
            ),
            setting="DITEP_PULL_TLS['dui']",
        )
    assert raised.value.message.startswith(
        f"DITEP_PULL_TLS['dui']: the client certificate ({certificates.client_cert_file}) "
        "and its key cannot be loaded"
    )
    assert "PRIVATE KEY" not in raised.value.message
