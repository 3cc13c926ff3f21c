"""Client TLS of outgoing HTTPS calls: the CA bundle to trust and a client certificate (mTLS).

FHIR pulls (``DITEP_PULL_TLS``, one entry per credential set name) and ROR
pushes (``DITEP_ROR_TLS``) build their ``ssl.SSLContext`` here, the one way of
doing it: a ``ClientTls`` from settings gives the context handed to httpx
(``verify=``). The certificate and key are file paths (a mounted secret) or
PEM values (an environment secret); a PEM value is written to a private
temporary file only for the time ``ssl`` needs to load it.

``tls_failure`` tells, from an httpx transport error, whether TLS failed and
why, in words an operator can act on (no client certificate, an untrusted
server certificate...).
"""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path
from typing import Self

import certifi
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator


class TlsConfigurationError(Exception):
    """A TLS setting that cannot be used; the message names the setting, never a secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientTls(BaseModel):
    """What a client presents and trusts. Every field is optional; each pair is one way.

    ``cert_file`` / ``cert_pem``: the client certificate (PEM, its chain after it);
    ``key_file`` / ``key_pem``: its private key (else it is read from the certificate's
    file); ``key_password``: the key's passphrase; ``ca_file`` / ``ca_pem``: the
    certificate authorities trusted for the server (else the public ones, certifi's).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cert_file: Path | None = None
    cert_pem: SecretStr | None = None
    key_file: Path | None = None
    key_pem: SecretStr | None = None
    key_password: SecretStr | None = None
    ca_file: Path | None = None
    ca_pem: str | None = None

    @model_validator(mode="after")
    def _one_way_each(self) -> Self:
        for first, second in (
            ("cert_file", "cert_pem"),
            ("key_file", "key_pem"),
            ("ca_file", "ca_pem"),
        ):
            if getattr(self, first) is not None and getattr(self, second) is not None:
                raise ValueError(f"give {first} or {second}, not both")
        has_cert = self.cert_file is not None or self.cert_pem is not None
        has_key = self.key_file is not None or self.key_pem is not None
        if has_key and not has_cert:
            raise ValueError("a client key (key_file or key_pem) needs its certificate")
        if (
            self.cert_pem is not None
            and self.key_pem is None
            and self.key_file is None
            and "PRIVATE KEY" not in self.cert_pem.get_secret_value()
        ):
            raise ValueError("cert_pem holds no private key: give key_pem or key_file")
        return self

    @property
    def has_client_certificate(self) -> bool:
        return self.cert_file is not None or self.cert_pem is not None


def client_ssl_context(tls: ClientTls | None, *, setting: str) -> ssl.SSLContext:
    """The context of a client: server verified (its CA or the public ones), a client
    certificate loaded when one is set. Raises TlsConfigurationError naming ``setting``."""
    tls = tls or ClientTls()
    try:
        if tls.ca_file is not None:
            context = ssl.create_default_context(cafile=str(tls.ca_file))
        elif tls.ca_pem is not None:
            context = ssl.create_default_context(cadata=tls.ca_pem)
        else:
            context = ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError, ValueError) as error:
        where = tls.ca_file if tls.ca_file is not None else "ca_pem"
        raise TlsConfigurationError(
            f"{setting}: the CA bundle ({where}) cannot be read ({_reason(error)})"
        ) from error
    if tls.has_client_certificate:
        _load_client_certificate(context, tls, setting)
    return context


def httpx_verify(tls: ClientTls | None, *, setting: str) -> ssl.SSLContext | bool:
    """httpx's ``verify=``: its default (True) when nothing is set, else the context."""
    if tls is None or tls == ClientTls():
        return True
    return client_ssl_context(tls, setting=setting)


def _load_client_certificate(context: ssl.SSLContext, tls: ClientTls, setting: str) -> None:
    password = tls.key_password.get_secret_value() if tls.key_password is not None else None
    try:
        if tls.cert_pem is None and tls.key_pem is None:
            assert tls.cert_file is not None
            context.load_cert_chain(
                str(tls.cert_file),
                str(tls.key_file) if tls.key_file is not None else None,
                password,
            )
            return
        # A PEM value: written where only this process may read it, for the time of loading.
        with tempfile.TemporaryDirectory(prefix="ditep-tls-") as folder:
            cert_path = _pem_path(tls.cert_file, tls.cert_pem, Path(folder) / "cert.pem")
            key_path = (
                _pem_path(tls.key_file, tls.key_pem, Path(folder) / "key.pem")
                if tls.key_file is not None or tls.key_pem is not None
                else None
            )
            context.load_cert_chain(str(cert_path), str(key_path) if key_path else None, password)
    except (OSError, ssl.SSLError, ValueError) as error:
        where = tls.cert_file if tls.cert_file is not None else "cert_pem"
        raise TlsConfigurationError(
            f"{setting}: the client certificate ({where}) and its key cannot be loaded "
            f"({_reason(error)})"
        ) from error


def _pem_path(path: Path | None, pem: SecretStr | None, spare: Path) -> Path:
    if path is not None:
        return path
    assert pem is not None
    descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(pem.get_secret_value())
    return spare


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return f"no file {error.filename}"
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    return type(error).__name__ if not str(error) else str(error)


def tls_failure(error: BaseException, *, client_certificate: bool) -> str | None:
    """Why TLS failed, if ``error`` (an httpx error) comes from TLS; None otherwise.

    ``client_certificate``: whether one was presented, to tell the fix.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            detail = current.verify_message or _reason(current)
            return f"the server's certificate is not trusted ({detail}); set its CA bundle"
        if isinstance(current, ssl.SSLError):
            reason = (current.reason or "").upper()
            if "CERTIFICATE_REQUIRED" in reason or (
                "HANDSHAKE_FAILURE" in reason and not client_certificate
            ):
                if client_certificate:
                    return "the server refused the client certificate"
                return "the server requires a client certificate and none is set"
            if "UNKNOWN_CA" in reason or "BAD_CERTIFICATE" in reason:
                return "the server refused the client certificate (" + _reason(current) + ")"
            return f"TLS error ({_reason(current)})"
        current = current.__cause__ or current.__context__
    return None
