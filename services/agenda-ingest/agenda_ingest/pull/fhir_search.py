"""Searching a FHIR server for a source's agenda: the queries, and reading the pages (pure).

A FHIR source's URL is the server's base (``https://dui.example/fhir``). A pull
searches ``Encounter`` (TDDUI events and stays) or ``Appointment`` (GAP, R4)
over the source's window, with the people and places they point to included
(a PractitionerRole's Practitioner too), and, once a pull has succeeded, only
what changed since (``_lastUpdated``). A source may also have its ``Slot``s
searched (``fhir_slots``: TDDUI presence/absence slots, with their
``Schedule`` and its young person), in the same feed.

A search by ``_lastUpdated`` cannot see a deleted resource: the history of
each searched type (``/Appointment/_history?_since=``) tells whether one was
deleted since (``deleted_references``), when the server has it
(``history_supported``: its CapabilityStatement's ``history-type``
interaction); the service then makes the pull a full one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx

SEARCHABLE = ("Encounter", "Appointment")
DEFAULT_RESOURCE = "Encounter"
SLOT = "Slot"
RESOURCE_OPTION = "fhir_resource"
"""The key of ``source.participant_options`` naming what a FHIR source's pull searches."""
SLOTS_OPTION = "fhir_slots"
"""``source.participant_options``: true when the pull searches the source's Slots too."""
FULL_EVERY_PULLS_OPTION = "fhir_full_every_pulls"
FULL_EVERY_DAYS_OPTION = "fhir_full_every_days"
"""``source.participant_options``: a full pull (a snapshot, which deletes what the server no
longer has) after this many incremental pulls, or once this many days have passed since
the last full one."""
DEFAULT_FULL_EVERY_DAYS = 1
"""Without ``_history`` and without a setting, a full pull at least once a day."""
HISTORY_UNSUPPORTED_STATUSES = frozenset({400, 403, 404, 405, 501})
"""Answers to ``_history`` that mean the server does not offer it (not a failure)."""
# Resources a session points to, returned in the same pages (identifiers, functions, names).
_INCLUDES = {
    "Encounter": (
        "Encounter:subject",
        "Encounter:participant",
        "Encounter:part-of",
        "Encounter:location",
    ),
    "Appointment": ("Appointment:actor",),
    SLOT: ("Slot:schedule",),
}
# Followed from what was included: a PractitionerRole's Practitioner (their identifier), a
# presence/absence Schedule's actor (the young person).
_ITERATES = {
    "Encounter": ("PractitionerRole:practitioner",),
    "Appointment": ("PractitionerRole:practitioner",),
    SLOT: ("Schedule:actor",),
}
_DATE_PARAMETER = {"Encounter": "date", "Appointment": "date", SLOT: "start"}
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
    if resource_type not in _INCLUDES:
        raise ValueError(f"a FHIR pull searches {' or '.join(SEARCHABLE)}, not {resource_type}")
    start, end = window
    date = _DATE_PARAMETER[resource_type]
    params: list[tuple[str, str]] = [
        (date, f"ge{start.isoformat()}"),
        (date, f"lt{end.isoformat()}"),
    ]
    if since:
        params.append(("_lastUpdated", f"ge{since}"))
    params += [("_include", include) for include in _INCLUDES[resource_type]]
    params += [("_include:iterate", include) for include in _ITERATES[resource_type]]
    params.append(("_count", str(page_size)))
    return str(httpx.URL(f"{base_url.rstrip('/')}/{resource_type}", params=params))


def history_url(base_url: str, resource_type: str, *, since: str, page_size: int) -> str:
    """The first page of a type's history since ``since`` (deletions included)."""
    params = [("_since", since), ("_count", str(page_size))]
    return str(httpx.URL(f"{base_url.rstrip('/')}/{resource_type}/_history", params=params))


def metadata_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/metadata"


def history_supported(body: bytes, resource_type: str) -> bool | None:
    """Whether a CapabilityStatement offers ``history-type`` on ``resource_type``.

    None when the body is not a CapabilityStatement, or does not list the type: then
    only asking for the history tells.
    """
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or document.get("resourceType") != "CapabilityStatement":
        return None
    listed = False
    for rest in _objects(document.get("rest")):
        for resource in _objects(rest.get("resource")):
            if resource.get("type") != resource_type:
                continue
            listed = True
            for interaction in _objects(resource.get("interaction")):
                if interaction.get("code") == "history-type":
                    return True
    return False if listed else None


def deleted_references(entries: list[Any], resource_type: str) -> list[str]:
    """``Type/id`` of the resources whose latest version in a history is a deletion.

    A history lists the newest versions first: the first entry of an id is its latest.
    """
    latest: dict[str, bool] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        reference = _entry_reference(entry, resource_type)
        if reference is None or reference in latest:
            continue
        request = entry.get("request")
        method = request.get("method") if isinstance(request, dict) else None
        response = entry.get("response")
        status = response.get("status") if isinstance(response, dict) else None
        gone = entry.get("resource") is None and isinstance(status, str) and status[:3] == "410"
        latest[reference] = method == "DELETE" or gone
    return sorted(reference for reference, deleted in latest.items() if deleted)


def _entry_reference(entry: dict[str, Any], resource_type: str) -> str | None:
    resource = entry.get("resource")
    if isinstance(resource, dict):
        if resource.get("resourceType") != resource_type:
            return None
        identifier = resource.get("id")
        if isinstance(identifier, str) and identifier:
            return f"{resource_type}/{identifier}"
    request = entry.get("request")
    candidates = (request.get("url") if isinstance(request, dict) else None, entry.get("fullUrl"))
    for candidate in candidates:
        if not isinstance(candidate, str):
            continue
        parts = candidate.split("?", 1)[0].split("/")
        for index, part in enumerate(parts[:-1]):
            if part == resource_type and parts[index + 1]:
                return f"{resource_type}/{parts[index + 1]}"
    return None


def _objects(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


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
    """The pages of a pull's searches as one searchset Bundle: what the import stores and
    ingests. A resource met twice (included by two pages or two searches) is kept once."""
    entries = _unique_entries(entries)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if last_updated:
        bundle["meta"] = {"lastUpdated": last_updated}
    bundle["total"] = len(entries)
    bundle["entry"] = entries
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def _unique_entries(entries: list[Any]) -> list[Any]:
    seen: set[str] = set()
    kept: list[Any] = []
    for entry in entries:
        key: str | None = None
        if isinstance(entry, dict):
            resource = entry.get("resource")
            if isinstance(resource, dict) and isinstance(resource.get("id"), str):
                key = f"{resource.get('resourceType')}/{resource['id']}"
            elif isinstance(entry.get("fullUrl"), str):
                key = entry["fullUrl"]
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        kept.append(entry)
    return kept


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
