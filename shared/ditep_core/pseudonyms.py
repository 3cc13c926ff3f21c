"""Keyed pseudonyms for people's identifiers (HMAC-SHA256 with the deployment's secret).

An identifier (INS, NIR, DUI id, e-mail) is replaced by its pseudonym before
anything is stored; the clear value never reaches the database or the logs.
The same identifier always gives the same pseudonym within one deployment, so
a young person seen in two feeds is one person.
"""

from __future__ import annotations

import hashlib
import hmac

from ditep_core.ins import InvalidIns, canonical_ins_uri
from ditep_core.nomenclatures import PersonKind


def normalise_identifier(identifier: str) -> str:
    """Spellings of one identifier that must give one pseudonym.

    URI schemes are case-insensitive (RFC 3986) and so are e-mail addresses in
    practice; the identifier values themselves are kept as written, except an
    INS, whose 13 characters are its canonical form (``ditep_core.ins``: with or
    without its key, spaces or dots). An INS URI that is not a valid INS is kept
    as written (the parsers reject it before it gets here).
    """
    value = identifier.strip()
    try:
        ins = canonical_ins_uri(value)
    except InvalidIns:
        ins = None
    if ins is not None:
        return ins
    scheme, sep, rest = value.partition(":")
    if not sep:
        return value
    scheme = scheme.lower()
    if scheme == "mailto":
        return f"mailto:{rest.strip().lower()}"
    if scheme == "urn":
        namespace, sep2, specific = rest.partition(":")
        if sep2:
            return f"urn:{namespace.lower()}:{specific}"
    return f"{scheme}:{rest}"


class Pseudonymiser:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the pseudonymisation secret must not be empty")
        self._key = secret.encode("utf-8")

    def pseudonym(self, kind: PersonKind, identifier: str) -> str:
        message = f"{kind.value}|{normalise_identifier(identifier)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
