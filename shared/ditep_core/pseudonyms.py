"""Keyed pseudonyms for people's identifiers (HMAC-SHA256 with the deployment's secret).

An identifier (INS, NIR, DUI id, e-mail) is replaced by pseudonyms before
anything is stored; the clear value never reaches the database or the logs.
Two values are derived (docs/pseudonymisation.md):

- the **link key** ``g = HMAC(secret, kind|identifier)``, the same in every
  establishment of the deployment. It is internal: stored (``person.link_key``)
  so that the server can join one person's records across establishments, and
  never published by any route or command;
- the **pseudonym** ``p = HMAC(K_finess, g)`` with
  ``K_finess = HMAC(secret, "establishment:" + FINESS)``: the one published
  (weekly detail) and the one feeds are matched on within an establishment.
  The same young person has unrelated pseudonyms in two establishments, so a
  tenant that learns the pseudonym of an identifier it chose (by pushing it into
  its own establishment) cannot recognise that person elsewhere.

Within one establishment, one identifier always gives one pseudonym, so a young
person seen in two feeds (iCalendar and FHIR) is one person. The pseudonym is
computed from the link key alone, which is what lets migration 0009 rewrite the
pseudonyms stored before it without the clear identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

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


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def establishment_key(secret: str, finess: str) -> bytes:
    """``K_finess``: the key of one establishment's pseudonyms."""
    if not secret:
        raise ValueError("the pseudonymisation secret must not be empty")
    return hmac.new(
        secret.encode("utf-8"), f"establishment:{finess.strip()}".encode(), hashlib.sha256
    ).digest()


def pseudonym_from_link_key(key: bytes, link_key: str) -> str:
    """``p = HMAC(K_finess, g)`` (``key`` from :func:`establishment_key`)."""
    return _hmac(key, link_key)


@dataclass(frozen=True, slots=True)
class PersonKeys:
    """What is stored for one person: the published pseudonym and the internal link key."""

    pseudonym: str
    link_key: str


class Pseudonymiser:
    """The deployment's pseudonymisation: link keys, and one pseudonymiser per establishment."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the pseudonymisation secret must not be empty")
        self._secret = secret
        self._key = secret.encode("utf-8")

    def __repr__(self) -> str:
        return "Pseudonymiser(<secret>)"

    def link_key(self, kind: PersonKind, identifier: str) -> str:
        """``g``: internal, the same in every establishment; never publish it."""
        return _hmac(self._key, f"{kind.value}|{normalise_identifier(identifier)}")

    def for_establishment(self, finess: str) -> EstablishmentPseudonymiser:
        if not finess.strip():
            raise ValueError("an establishment's pseudonyms need its FINESS")
        return EstablishmentPseudonymiser(self, establishment_key(self._secret, finess))


class EstablishmentPseudonymiser:
    """The pseudonyms of one establishment (by its FINESS)."""

    def __init__(self, pseudonymiser: Pseudonymiser, key: bytes) -> None:
        self._root = pseudonymiser
        self._key = key

    def keys(self, kind: PersonKind, identifier: str) -> PersonKeys:
        link_key = self._root.link_key(kind, identifier)
        return PersonKeys(self.from_link_key(link_key), link_key)

    def pseudonym(self, kind: PersonKind, identifier: str) -> str:
        return self.keys(kind, identifier).pseudonym

    def from_link_key(self, link_key: str) -> str:
        return pseudonym_from_link_key(self._key, link_key)
