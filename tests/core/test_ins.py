"""The INS: one canonical spelling (13 characters), the NIR key checked, Corsica included."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

import pytest

from agenda_ingest.parsing.ical.parser import parse_ical
from ditep_core.ins import InvalidIns, canonical_ins, canonical_ins_uri, nir_key
from ditep_core.nomenclatures import PersonKind
from ditep_core.pseudonyms import Pseudonymiser

NIR = "urn:oid:1.2.250.1.213.1.4.8"
NIA = "urn:oid:1.2.250.1.213.1.4.10"


@pytest.mark.parametrize(
    ("nir", "key"),
    [
        ("1090375123456", 79),
        ("2550599012345", 97 - 2550599012345 % 97),
        # Corsica: 2A is read as 19, 2B as 18.
        ("185072A123456", 97 - 1850719123456 % 97),
        ("285072B123456", 97 - 2850718123456 % 97),
    ],
)
def test_the_key_is_97_minus_the_number_modulo_97(nir: str, key: int) -> None:
    assert nir_key(nir) == key
    assert canonical_ins(f"{nir}{key:02d}") == nir


def test_a_known_corsican_nir_and_its_key() -> None:
    # 2A: 1 85 07 2A 123 456 → 1850719123456 mod 97 = 32, key 65.
    assert nir_key("185072A123456") == 65
    assert canonical_ins("1 85 07 2a 123 456 65") == "185072A123456"
    with pytest.raises(InvalidIns, match="the INS key 66 is wrong"):
        canonical_ins("185072A12345666")
    # The same digits in Haute-Corse have another key.
    assert nir_key("185072B123456") != 65


@pytest.mark.parametrize(
    "spelling",
    [
        "1090375123456",
        "109037512345679",
        "1 09 03 75 123 456 79",
        "1.09.03.75.123.456",
        " 1090375123456 ",
    ],
)
def test_spellings_of_one_ins_are_one_value(spelling: str) -> None:
    assert canonical_ins(spelling) == "1090375123456"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("109037512345678", "the INS key 78 is wrong"),
        ("109037512345600", "the INS key 00 is wrong"),
        ("10903751234", "13 characters \\(15 with its key\\), not 11"),
        ("1090375123456789", "not 16"),
        ("10903X5123456", "an INS is 13 digits"),
        ("1090375123456AB", "must be digits"),
        ("", "not 0"),
    ],
)
def test_a_wrong_key_or_shape_is_refused(value: str, why: str) -> None:
    with pytest.raises(InvalidIns, match=why):
        canonical_ins(value)


def test_ins_uris_and_other_identifiers() -> None:
    assert canonical_ins_uri(f"{NIR}:109037512345679") == f"{NIR}:1090375123456"
    assert canonical_ins_uri("URN:OID:1.2.250.1.213.1.4.10:3 77 77 77 777 777") == (
        "urn:oid:1.2.250.1.213.1.4.10:3777777777777"
    )
    assert canonical_ins_uri("urn:ins:109037512345679") == "urn:ins:1090375123456"
    assert canonical_ins_uri("mailto:a@b.fr") is None
    assert canonical_ins_uri("urn:oid:1.2.250.1.71.4.2.1:10001234567") is None
    with pytest.raises(InvalidIns):
        canonical_ins_uri(f"{NIR}:109037512345678")


def test_the_pseudonym_of_an_ins_is_the_same_whatever_the_spelling_and_as_before() -> None:
    pseudonymiser = Pseudonymiser("secret")
    thirteen = pseudonymiser.link_key(PersonKind.YOUTH, f"{NIR}:1090375123456")
    # Continuity: 13 digits give the pseudonym they always gave (the HMAC of that URI).
    before = hmac.new(b"secret", f"youth|{NIR}:1090375123456".encode(), hashlib.sha256).hexdigest()
    assert thirteen == before
    for spelling in ("109037512345679", "1 09 03 75 123 456 79", "1.09.03.75.123.456"):
        assert pseudonymiser.link_key(PersonKind.YOUTH, f"{NIR}:{spelling}") == thirteen
    assert pseudonymiser.link_key(PersonKind.YOUTH, f"{NIA}:3777777777777") != thirteen


def _ical(*events: str) -> bytes:
    body = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\n"
        "DTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\nSUMMARY:SESSAD\r\n"
        f"ATTENDEE:{attendee}\r\n"
        "END:VEVENT\r\n"
        for uid, attendee in (event.split(" ", 1) for event in events)
    )
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\n{body}END:VCALENDAR\r\n".encode()
    )


@pytest.mark.parametrize("fast", [True, False])
def test_ical_attendees_get_the_canonical_ins_and_a_wrong_key_rejects_the_event(
    fast: bool,
) -> None:
    data = _ical(
        f"a {NIR}:1090375123456",
        f"b {NIR}:109037512345679",
        "c urn:ins:1 09 03 75 123 456",
        f"d {NIR}:109037512345678",
    )
    feed = parse_ical(
        data,
        window_start=dt.date(2025, 1, 1),
        window_end=dt.date(2026, 1, 1),
        default_tz=ZoneInfo("Europe/Paris"),
        fast=fast,
    )
    assert {o.uid: o.participants[0].identifier for o in feed.occurrences} == {
        "a": f"{NIR}:1090375123456",
        "b": f"{NIR}:1090375123456",
        "c": "urn:ins:1090375123456",
    }
    [error] = feed.rejected
    assert (error.uid, error.line) == ("d", 25)  # the line of its BEGIN:VEVENT
    assert error.message == (
        f"ATTENDEE {NIR}:…: the INS key 78 is wrong (the 13 characters give 79): "
        "a mistyped INS would count one young person twice"
    )
