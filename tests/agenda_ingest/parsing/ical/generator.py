"""A realistic DUI export of a fictional DITEP, flat or as weekly RRULEs.

``generate(youth=100, weeks=40)`` gives ≈ 20,000 VEVENTs (five sessions per
young person per week over a school year), TZID Europe/Paris with its
VTIMEZONE, one young person (INS URI) and one professional (mailto) per event,
French summaries. ``recurring=True`` gives the same timetable as 500 weekly
RRULE series. Deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random

FIRST_MONDAY = dt.date(2024, 9, 2)

VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)

# (summary, location, categories, start hour, start minute, minutes, professional function)
SESSIONS = [
    (
        "Semi-internat groupe Les Cèdres",
        "DITEP – bâtiment A",
        "SEMI-INTERNAT",
        9,
        0,
        450,
        "educateur",
    ),
    ("Internat – soirée et coucher", "DITEP – internat", "INTERNAT", 18, 0, 840, "educatrice"),
    ("SESSAD – accompagnement en classe", "Collège Jean Moulin", "SESSAD", 10, 0, 60, "educatrice"),
    ("VAD famille", "Domicile", "SESSAD", 14, 0, 90, "educateur"),
    ("Séance orthophonie", "DITEP – bureau SESSAD", "SOIN", 16, 30, 45, "orthophoniste"),
    ("Psychomotricité", "DITEP – salle de motricité", "SOIN", 17, 0, 45, "psychomotricien"),
    ("Atelier groupe éducatif", "DITEP – atelier", "ACCUEIL-JOUR", 9, 30, 360, "educateur"),
    ("Entretien psychologue", "DITEP – bureau 12", "SOIN", 11, 0, 45, "psychologue"),
]
STAFF = 30


def _fold(line: str) -> str:
    """Fold at 75 octets without cutting a UTF-8 character (RFC 5545 §3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            parts.append(current)
            current = char
            limit = 74
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _timetable(youth: int, rng: random.Random) -> list[tuple[int, int]]:
    """Five (weekday, session kind) pairs for one young person."""
    kinds = rng.sample(range(len(SESSIONS)), 5)
    days = [rng.randrange(5) for _ in kinds]
    return list(zip(days, kinds, strict=True))


def _event(
    uid: str,
    day: dt.date,
    kind: int,
    youth: int,
    staff: int,
    rrule_weeks: int | None,
) -> str:
    summary, location, category, hour, minute, minutes, function = SESSIONS[kind]
    start = dt.datetime.combine(day, dt.time(hour, minute))
    end = start + dt.timedelta(minutes=minutes)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20250831T220000Z",
        f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/Paris:{end:%Y%m%dT%H%M%S}",
    ]
    if rrule_weeks is not None:
        lines.append(f"RRULE:FREQ=WEEKLY;COUNT={rrule_weeks}")
    lines += [
        f"SUMMARY:{summary}",
        f"LOCATION:{location}",
        f"CATEGORIES:{category}",
        "STATUS:CONFIRMED",
        f"ORGANIZER;CN=Professionnel {staff:02d}:mailto:pro{staff:02d}@ditep-bench.example",
        (
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
            f"CN=Jeune {youth:03d}:urn:oid:1.2.250.1.213.1.4.8:{1_000_000_000_000 + youth}"
        ),
        (
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;X-DUI-FONCTION={function};"
            f"CN=Professionnel {staff:02d}:mailto:pro{staff:02d}@ditep-bench.example"
        ),
        "END:VEVENT",
    ]
    return "".join(_fold(line) for line in lines)


def generate(youth: int = 100, weeks: int = 40, *, recurring: bool = False, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    out = [
        "BEGIN:VCALENDAR\r\n",
        "VERSION:2.0\r\n",
        "PRODID:-//Exemple DUI//Export DITEP//FR\r\n",
        "CALSCALE:GREGORIAN\r\n",
        "X-WR-CALNAME:DITEP benchmark\r\n",
        VTIMEZONE,
    ]
    for person in range(youth):
        staff = person % STAFF
        for slot, (weekday, kind) in enumerate(_timetable(person, rng)):
            first_day = FIRST_MONDAY + dt.timedelta(days=weekday)
            if recurring:
                uid = f"y{person:04d}-s{slot}@ditep-bench.example"
                out.append(_event(uid, first_day, kind, person, staff, weeks))
                continue
            for week in range(weeks):
                uid = f"y{person:04d}-s{slot}-w{week:02d}@ditep-bench.example"
                day = first_day + dt.timedelta(weeks=week)
                out.append(_event(uid, day, kind, person, staff, None))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
"""A window holding every generated occurrence."""
