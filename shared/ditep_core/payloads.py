"""Raw feed payloads at rest: gzip-compressed, then sealed with AES-256-GCM.

A payload is the DUI's own export, with names and clear identifiers: it is kept
only so that an import can be replayed, and never readable from the database
alone. The key is derived (HKDF) from the deployment secret, separate from the
pseudonymisation key by its ``info`` label.
"""

from __future__ import annotations

import gzip
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FORMAT = b"D1"  # format marker, so a later scheme can be told apart
_NONCE_BYTES = 12


class PayloadUnreadable(Exception):
    """A stored payload cannot be opened (another secret, or damaged)."""


class PayloadVault:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the deployment secret must not be empty")
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"ditep payload encryption v1"
        ).derive(secret.encode("utf-8"))
        self._aead = AESGCM(key)

    def seal(self, payload: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        # Level 1: several times faster than the default on tens of megabytes,
        # for a few percent more bytes of an archive that is rarely read.
        compressed = gzip.compress(payload, compresslevel=1)
        return _FORMAT + nonce + self._aead.encrypt(nonce, compressed, _FORMAT)

    def open(self, sealed: bytes) -> bytes:
        if not sealed.startswith(_FORMAT):
            raise PayloadUnreadable("unknown payload format")
        nonce = sealed[len(_FORMAT) : len(_FORMAT) + _NONCE_BYTES]
        try:
            compressed = self._aead.decrypt(nonce, sealed[len(_FORMAT) + _NONCE_BYTES :], _FORMAT)
        except InvalidTag as error:
            raise PayloadUnreadable("the payload was sealed with another secret") from error
        return gzip.decompress(compressed)
