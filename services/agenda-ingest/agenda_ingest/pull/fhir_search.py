"""Searching a FHIR server for a source's agenda: the query, and reading the pages (pure).

A FHIR source's URL is the server's base (``https://dui.example/fhir``). A pull
searches ``Encounter`` (TDDUI events and stays) or ``Appointment`` (GAP, R4)
over the source's window, with the people and places they point to included,
and, once a pull has succeeded, only what changed since (``_lastUpdated``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx

SEARCHABLE = ("Encounter", "Appointment")
DEFAULT_RESOURCE = "Encounter"
RESOURCE_OPTION = "fhir_resource"
"""The key of ``source.participant_options`` naming what a FHIR source's pull searches."""
# Resources a session points to, returned in the same pages (identifiers, functions, names).
_INCLUDES = {
    "Encounter": (
        "Encounter:subject",
        "Encounter:participant",
        "Encounter:part-of",
        "Encounter:location",
    ),
    "Appointment": ("Appointment:actor",),
}
SINCE_MARGIN = dt.timedelta(minutes=5)
"""Taken off the next ``_lastUpdated`` bound: clocks differ, and reading a change twice is free."""


def search_url(
    base_url: str,
    resource_type: str,
    *,
    window: tuple[dt.date, dt.date],
    since: str | None,
    page_size: int,
) -> str:
    """The first page's URL: date bounds from the window, ``_lastUpdated`` when incremental."""
    if resource_type not in SEARCHABLE:
        raise ValueError(f"a FHIR pull searches {' or '.join(SEARCHABLE)}, not {resource_type}")
    start, end = window
    params: list[tuple[str, str]] = [
        ("date", f"ge{start.isoformat()}"),
        ("date", f"lt{end.isoformat()}"),
    ]
    if since:
        params.append(("_lastUpdated", f"ge{since}"))
    params += [("_include", include) for include in _INCLUDES[resource_type]]
    params.append(("_count", str(page_size)))
    return str(httpx.URL(f"{base_url.rstrip('/')}/{resource_type}", params=params))


@dataclass(frozen=True, slots=True)
class Page:
    """What a pull needs from one page of a search."""

    entries: list[Any]
    next_url: str | None
    last_updated: str | None


def read_page(body: bytes) -> Page | None:
    """The entries and ``next`` link of a searchset page; None if the body is not a Bundle."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        return None
    entries = document.get("entry")
    next_url: str | None = None
    links = document.get("link")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            next_url = url if isinstance(url, str) and url else None
    meta = document.get("meta")
    last_updated = meta.get("lastUpdated") if isinstance(meta, dict) else None
    return Page(
        entries=entries if isinstance(entries, list) else [],
        next_url=next_url,
        last_updated=last_updated if isinstance(last_updated, str) else None,
    )


def combined_bundle(entries: list[Any], last_updated: str | None) -> bytes:
    """The pages of one search as one searchset Bundle: what the import stores and ingests."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if last_updated:
        bundle["meta"] = {"lastUpdated": last_updated}
    bundle["total"] = len(entries)
    bundle["entry"] = entries
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def next_since(server_time: str | None, started: dt.datetime) -> str:
    """The ``_lastUpdated`` lower bound of the next pull, from the server's clock if it gave it."""
    moment = started
    if server_time:
        try:
            parsed = dt.datetime.fromisoformat(server_time)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            moment = parsed
    return (moment.astimezone(dt.UTC) - SINCE_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_origin(first: str, other: str) -> bool:
    a, b = httpx.URL(first), httpx.URL(other)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)
