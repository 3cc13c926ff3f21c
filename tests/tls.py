"""Certificates for tests of TLS: a CA, a server certificate for 127.0.0.1 and a client
certificate (mTLS), made by trustme; a server context that requires the client's."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True, slots=True)
class Certificates:
    ca_file: Path
    """The CA that signed both certificates (PEM)."""
    client_file: Path
    """The client's key and certificate, in one PEM file."""
    client_cert_file: Path
    client_key_file: Path
    server: ssl.SSLContext
    """A server context for 127.0.0.1 that requires a client certificate of the CA."""


def mtls_certificates(folder: Path) -> Certificates:
    ca = trustme.CA(organization_name="DITEP tests")
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    client_cert = ca.issue_cert("ditep-pull@ditep.example")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server)
    ca.configure_trust(server)
    server.verify_mode = ssl.CERT_REQUIRED
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client_file = folder / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_file))
    client_cert_file = folder / "client-cert.pem"
    client_cert_file.write_bytes(b"".join(blob.bytes() for blob in client_cert.cert_chain_pems))
    client_key_file = folder / "client-key.pem"
    client_cert.private_key_pem.write_to_path(str(client_key_file))
    return Certificates(
        ca_file=ca_file,
        client_file=client_file,
        client_cert_file=client_cert_file,
        client_key_file=client_key_file,
        server=server,
    )
