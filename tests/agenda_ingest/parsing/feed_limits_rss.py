"""Peak memory of parsing the largest feed the default limits accept.

``ical_feed``/``fhir_feed`` build a feed at both the default byte limit
(``DITEP_MAX_FEED_BYTES``) and the default event limit
(``DITEP_MAX_EVENTS_PER_FEED``), every event distinct (its own UID, summary
and young person). ``python -m tests.agenda_ingest.parsing.feed_limits_rss ical|fhir FILE`` reads
such a file, parses it as the ingestion does and prints, as JSON, the peak
resident memory of the process before and after (``ru_maxrss``, KiB). The test
(tests/agenda_ingest/parsing/test_feed_limits.py) runs it in a subprocess, so that nothing else of
the test process counts.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from zoneinfo import ZoneInfo

from agenda_ingest.parsing.fhir.parser import parse_fhir
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import DEFAULT_LIMITS
from ditep_core.settings import Settings

WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
PARIS = ZoneInfo("Europe/Paris")
FIRST_DAY = dt.date(2024, 9, 2)


def _day(number: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=number % 360)


def ical_feed(max_bytes: int, events: int) -> bytes:
    """``events`` VEVENTs, padded (in their SUMMARY) to fill ``max_bytes``."""
    head = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ditep//limits//FR\r\n"
    tail = b"END:VCALENDAR\r\n"
    template = (
        "BEGIN:VEVENT\r\n"
        "UID:limits-{n:07d}@ditep-cedres.example\r\n"
        "DTSTAMP:20250301T080000Z\r\n"
        "DTSTART;TZID=Europe/Paris:{day}T{hour:02d}0000\r\n"
        "DTEND;TZID=Europe/Paris:{day}T{hour:02d}4500\r\n"
        "SUMMARY:Séance {n} {pad}\r\n"
        "LOCATION:DITEP – bureau SESSAD\r\n"
        "CATEGORIES:SOIN\r\n"
        "ATTENDEE;X-DUI-TYPE=USAGER;CN=Jeune:urn:uuid:00000000-0000-4000-8000-{n:012d}\r\n"
        "ATTENDEE;X-DUI-FONCTION=orthophoniste:mailto:pro{staff}@ditep-cedres.example\r\n"
        "X-DUI-STATUT:REALISE\r\n"
        "END:VEVENT\r\n"
    )
    last = events - 1
    bare = len(template.format(n=last, day="20240902", hour=9, pad="", staff=0).encode())
    pad = "x" * max(0, (max_bytes - len(head) - len(tail)) // events - bare - 2)
    body = b"".join(
        template.format(
            n=n, day=_day(n).strftime("%Y%m%d"), hour=8 + n % 10, pad=pad, staff=n % 30
        ).encode()
        for n in range(events)
    )
    return head + body + tail


def fhir_feed(max_bytes: int, events: int) -> bytes:
    """A Bundle of ``events`` Encounters (fewer if they do not fit), padded (in their
    label) to fill ``max_bytes``."""

    def encounter(n: int, pad: str) -> dict[str, object]:
        day = _day(n).isoformat()
        return {
            "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "resource": {
                "resourceType": "Encounter",
                "identifier": [{"system": "https://dui.example/evt", "value": f"EVN-{n}"}],
                "status": "finished",
                "extension": [
                    {
                        "url": "https://interop.esante.gouv.fr/ig/fhir/tddui/"
                        "StructureDefinition/tddui-event-label",
                        "valueString": f"Séance {n} {pad}",
                    }
                ],
                # By identifier alone: no Patient needs to be sent.
                "subject": {"identifier": {"system": "u", "value": f"p{n}"}},
                "participant": [{"individual": {"reference": f"Practitioner/pr{n % 30}"}}],
                "period": {"start": f"{day}T09:00:00+01:00", "end": f"{day}T09:45:00+01:00"},
            },
        }

    bare = len(json.dumps(encounter(events - 1, "")).encode()) + 2
    events = min(events, (max_bytes - 64) // bare)
    pad = "x" * max(0, (max_bytes - 64) // events - bare)
    entries = ",".join(json.dumps(encounter(n, pad)) for n in range(events))
    return f'{{"resourceType":"Bundle","type":"collection","entry":[{entries}]}}'.encode()


def largest_feed(kind: str) -> bytes:
    """The largest feed of ``kind`` the default settings accept."""
    max_bytes, events = Settings().max_feed_bytes, DEFAULT_LIMITS.max_events
    data = ical_feed(max_bytes, events) if kind == "ical" else fhir_feed(max_bytes, events)
    assert len(data) <= max_bytes, len(data)
    return data


def main(kind: str, path: str) -> None:
    with open(path, "rb") as file:
        data = file.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if kind == "ical":
        parsed = parse_ical(data, window_start=WINDOW[0], window_end=WINDOW[1], default_tz=PARIS)
        occurrences, rejected = len(parsed.occurrences), len(parsed.rejected)
        events = parsed.events_read
    else:
        fhir = parse_fhir(data, window_start=WINDOW[0], window_end=WINDOW[1], default_tz=PARIS)
        occurrences, rejected = len(fhir.occurrences), len(fhir.rejected)
        events = fhir.resources_read
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "bytes": len(data),
                "events": events,
                "occurrences": occurrences,
                "rejected": rejected,
                "seconds": round(seconds, 2),
                "peak_kib_before": before,
                "peak_kib": after,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
