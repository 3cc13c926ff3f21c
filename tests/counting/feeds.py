"""iCal feeds of counting.md's worked example, as a DUI would push them."""

from __future__ import annotations

YOUTH_A_INS = "urn:oid:1.2.250.1.213.1.4.8:1090375999999"
EDUCATOR = "mailto:k.benali@ditep-cedres.example"


def _event(
    uid: str,
    start: str,
    end: str,
    summary: str,
    *,
    location: str = "DITEP Les Cèdres",
    youth_role: str = "REQ-PARTICIPANT",
    status: str = "X-DUI-STATUT:REALISE",
    with_youth: bool = True,
) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20250331T180000Z",
        f"DTSTART;TZID=Europe/Paris:{start}",
        f"DTEND;TZID=Europe/Paris:{end}",
        f"SUMMARY:{summary}",
        f"LOCATION:{location}",
        status,
        f"ORGANIZER;CN=Karim Benali;X-DUI-FONCTION=educateur:{EDUCATOR}",
    ]
    if with_youth:
        lines.append(f"ATTENDEE;ROLE={youth_role};X-DUI-TYPE=USAGER;CN=A.:{YOUTH_A_INS}")
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def calendar(*events: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events])
    return (body + "\r\nEND:VCALENDAR\r\n").encode()


SESSAD = _event(
    "a-sessad@test",
    "20250313T100000",
    "20250313T110000",
    "SESSAD – accompagnement en classe",
    location="Collège Jean Moulin",
)

# The youth's side (establishment export): all four sessions.
EXPORT_EVENTS = (
    _event("a-semi@test", "20250310T090000", "20250310T163000", "Semi-internat"),
    _event("a-internat@test", "20250311T180000", "20250312T080000", "Internat"),
    SESSAD,
    _event(
        "a-synthese@test",
        "20250314T140000",
        "20250314T150000",
        "Synthèse PPA de A",
        youth_role="NON-PARTICIPANT",
    ),
)
# The educator's agenda: the same SESSAD hour (same UID).
EDUCATOR_EVENTS = (SESSAD,)


def export_feed() -> bytes:
    return calendar(*EXPORT_EVENTS)


def educator_feed() -> bytes:
    return calendar(*EDUCATOR_EVENTS)
