"""The INS (identifiant national de santé): one canonical spelling, the NIR key checked.

An INS is a NIR (``urn:oid:1.2.250.1.213.1.4.8``) or a NIA
(``urn:oid:1.2.250.1.213.1.4.10``): 13 characters (sex, year, month,
department (``2A``/``2B`` in Corsica), commune, order), often written with its
2-digit key (15 characters), with spaces or dots. Feeds write it as a URI,
``urn:oid:<oid>:<value>`` or ``urn:ins:<value>``. The canonical form is the 13
characters alone (upper case), so that the same person sent with and without
the key, or with spaces, gets one pseudonym, and a value already sent as 13
digits keeps the pseudonym it had. Pure: no I/O.
"""

from __future__ import annotations

import re

INS_NIR_OID = "1.2.250.1.213.1.4.8"
INS_NIA_OID = "1.2.250.1.213.1.4.10"
INS_OIDS = frozenset({INS_NIR_OID, INS_NIA_OID})
INS_SYSTEMS = frozenset(f"urn:oid:{oid}" for oid in INS_OIDS)
"""A FHIR ``Identifier.system`` that holds an INS."""

_SEPARATORS = re.compile(r"[\s.\-]+")
_SHAPE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
_CORSICA = {"2A": "19", "2B": "18"}


class InvalidIns(ValueError):
    """The value cannot be an INS; the message says why (without repeating the value)."""


def nir_key(nir: str) -> int:
    """The key of a 13-character NIR: 97 - (number mod 97), 2A read as 19 and 2B as 18."""
    digits = nir[:5] + _CORSICA.get(nir[5:7], nir[5:7]) + nir[7:]
    return 97 - int(digits) % 97


def canonical_ins(value: str) -> str:
    """The 13 characters of an INS written with or without its key, spaces or dots.

    Raises InvalidIns when the value has not the shape of an INS or its key is wrong.
    """
    compact = _SEPARATORS.sub("", value).upper()
    if len(compact) not in (13, 15):
        raise InvalidIns(f"an INS has 13 characters (15 with its key), not {len(compact)}")
    nir, key = compact[:13], compact[13:]
    if not _SHAPE.fullmatch(nir):
        raise InvalidIns(
            "an INS is 13 digits (2A or 2B at positions 6-7 for Corsica), then its 2-digit key"
        )
    if key:
        if not key.isdigit():
            raise InvalidIns("the INS key (its last 2 characters) must be digits")
        expected = nir_key(nir)
        if int(key) != expected:
            raise InvalidIns(
                f"the INS key {key} is wrong (the 13 characters give {expected:02d}): "
                "a mistyped INS would count one young person twice"
            )
    return nir


def ins_uri_parts(identifier: str) -> tuple[str, str] | None:
    """(``urn:oid:<oid>:`` or ``urn:ins:``, value) when ``identifier`` is an INS URI."""
    value = identifier.strip()
    lowered = value.lower()
    if lowered.startswith("urn:ins:"):
        return "urn:ins:", value[8:]
    if lowered.startswith("urn:oid:"):
        oid, sep, rest = value[8:].partition(":")
        if sep and oid in INS_OIDS:
            return f"urn:oid:{oid}:", rest
    return None


def canonical_ins_uri(identifier: str) -> str | None:
    """The identifier with its INS in canonical form; None when it is not an INS URI.

    Raises InvalidIns when it is an INS URI whose value is not a valid INS.
    """
    parts = ins_uri_parts(identifier)
    if parts is None:
        return None
    prefix, value = parts
    return prefix + canonical_ins(value)
