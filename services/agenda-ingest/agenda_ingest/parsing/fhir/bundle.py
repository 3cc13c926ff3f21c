"""From the body to the resources it holds, each with its JSON path, and references between them.

Accepted shapes: a ``Bundle`` of any type (``collection``, ``searchset``,
``transaction``, ``batch``...; a Bundle inside a Bundle is read too), a bare
array of resources, or one Encounter or Appointment. A body that is not JSON,
JSON that holds no FHIR resource at all, or a resource that is not a feed (an
``OperationOutcome``, a lone ``Patient``...) is unreadable, and so is a
transaction or batch with an entry whose ``request.method`` is not ``POST`` or
``PUT`` (a feed is a snapshot, not a diff: a ``DELETE`` or ``PATCH`` would be
silently misread). A snapshot must hold at least one Encounter or Appointment
(``check_feed``): an empty one would delete every session of its source. A
single entry that is not a resource is reported with its path and the others
are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agenda_ingest.parsing.fhir.values import JsonObject
from agenda_ingest.parsing.limits import DEFAULT_LIMITS, FeedLimits, too_many_events
from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable, not_utf8

_MAX_NESTING = 4
FEED_TYPES = ("Encounter", "Appointment")
"""What a feed must hold at least one of (sessions, stays)."""
_UPSERTS = frozenset({"POST", "PUT"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the body; ``path`` is where it is (``entry[3].resource``, ``""`` alone)."""

    resource: JsonObject
    path: str
    full_url: str | None = None


def child(path: str, key: str) -> str:
    """``path`` + ``.key``, or ``key`` at the root."""
    return f"{path}.{key}" if path else key


def decode_json(data: bytes) -> Any:
    """The decoded body; FeedUnreadable (with the line and column) when it is not JSON.

    The decoder is the one recursive step of reading a body (what follows walks
    it without recursion, Bundles in Bundles at most 4 deep): JSON nested deeper
    than it reads (Python's recursion limit, about 1000 levels) is unreadable.
    """
    try:
        body = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        where, line, column = not_utf8(data, error)
        raise FeedUnreadable(
            [FeedError(f"the body is not UTF-8 text: {where}", line=line, column=column)]
        ) from error
    if not body.strip():
        raise FeedUnreadable([FeedError("the body is empty: expected FHIR JSON")])
    try:
        document = json.loads(body)
    except RecursionError as error:
        raise FeedUnreadable(
            [
                FeedError(
                    "JSON arrays and objects are nested deeper than the decoder reads "
                    "(about 1000 levels; a FHIR body needs about 10)",
                    path="$",
                )
            ]
        ) from error
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(body.rstrip()) or error.msg.startswith("Unterminated")
        what = (
            f"truncated: the body ends before the JSON is complete ({error.msg}; received "
            f"{len(data)} bytes, was the upload cut?)"
            if truncated
            else error.msg
        )
        raise FeedUnreadable(
            [
                FeedError(
                    f"not JSON: {what} (line {error.lineno}, column {error.colno})",
                    line=error.lineno,
                    column=error.colno,
                    path="$",
                )
            ]
        ) from error
    return document


DOCUMENTED_BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "searchset"})


def bundle_type_warning(document: Any) -> FeedError | None:
    """A note when the body is a Bundle of a type the guide does not document (read anyway)."""
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        return None
    bundle_type = document.get("type")
    if isinstance(bundle_type, str) and bundle_type in DOCUMENTED_BUNDLE_TYPES:
        return None
    shown = f"'{bundle_type[:64]}'" if isinstance(bundle_type, str) else "missing"
    return FeedError(
        f"warning: the Bundle's type is {shown}, not one of those documented "
        f"({', '.join(sorted(DOCUMENTED_BUNDLE_TYPES))}): its entries were read as a "
        "collection",
        path="type",
        resource_type="Bundle",
    )


def collect_entries(
    document: Any, limits: FeedLimits = DEFAULT_LIMITS
) -> tuple[list[Entry], list[FeedError]]:
    """The resources of the body and the entries that are not resources.

    Raises FeedUnreadable when nothing in the body looks like FHIR, or when it
    holds more than ``limits.max_events`` entries (with the path of the first
    one past the limit).
    """
    entries: list[Entry] = []
    rejected: list[FeedError] = []
    if not isinstance(document, (dict, list)):
        raise FeedUnreadable(
            [
                FeedError(
                    f"not FHIR: the JSON body is a {type(document).__name__}, "
                    "expected a Bundle, a resource or an array of resources",
                    path="$",
                )
            ]
        )
    if isinstance(document, list):
        _collect_items(document, "", entries, rejected, limits)
    elif isinstance(document, dict):
        resource_type = document.get("resourceType")
        if not isinstance(resource_type, str) or not resource_type:
            raise FeedUnreadable(
                [
                    FeedError(
                        "not FHIR: a JSON object without 'resourceType' (expected a Bundle, "
                        "a resource or an array of resources)",
                        path="resourceType",
                    )
                ]
            )
        if resource_type == "Bundle":
            _collect_bundle(document, "", entries, rejected, limits, depth=0)
        elif resource_type in FEED_TYPES:
            entries.append(Entry(document, ""))
        else:
            raise FeedUnreadable([_not_a_feed(document, resource_type)])
    if not entries and rejected:
        # Items were there and not one of them is a resource: this is not a FHIR body.
        raise FeedUnreadable(
            [FeedError(f"not FHIR: {error.message}", path=error.path) for error in rejected[:20]]
        )
    return entries, rejected


def _collect_bundle(
    bundle: JsonObject,
    path: str,
    entries: list[Entry],
    rejected: list[FeedError],
    limits: FeedLimits,
    *,
    depth: int,
) -> None:
    items = bundle.get("entry")
    if items is None:
        return
    if not isinstance(items, list):
        error = FeedError("a Bundle's 'entry' must be an array", path=child(path, "entry"))
        if depth == 0:
            raise FeedUnreadable([error])
        rejected.append(error)
        return
    changes = [
        _change(item, child(path, f"entry[{index}]"))
        for index, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("request"), dict)
    ]
    refused = [error for error in changes if error is not None]
    if refused:
        raise FeedUnreadable(refused[:20])
    for index, item in enumerate(items):
        entry_path = child(path, f"entry[{index}]")
        _count(entries, rejected, limits, entry_path)
        if not isinstance(item, dict):
            rejected.append(FeedError("an entry must be a JSON object", path=entry_path))
            continue
        resource = item.get("resource")
        if resource is None:
            rejected.append(FeedError("the entry has no 'resource'", path=entry_path))
            continue
        resource_path = f"{entry_path}.resource"
        full_url = item.get("fullUrl")
        _collect_resource(
            resource,
            resource_path,
            full_url if isinstance(full_url, str) else None,
            entries,
            rejected,
            limits,
            depth=depth,
        )


def _change(entry: JsonObject, path: str) -> FeedError | None:
    """Why an entry's ``request`` makes the body a diff rather than a snapshot, if it does."""
    request = entry["request"]
    method = request.get("method")
    if isinstance(method, str) and method.strip().upper() in _UPSERTS:
        return None  # a full export written as a transaction: plain upserts
    url = request.get("url")
    target = f" {url}" if isinstance(url, str) and url else ""
    shown = method.strip().upper() if isinstance(method, str) and method.strip() else "no method"
    return FeedError(
        f"a {shown}{target} entry: a feed is a snapshot of the source's agenda, not a "
        "transaction of changes; send every session of the window (POST or PUT entries "
        "only): what the feed does not hold is deleted",
        path=f"{path}.request.method",
    )


def _not_a_feed(resource: JsonObject, resource_type: str) -> FeedError:
    if resource_type == "OperationOutcome":
        said = ""
        for issue in resource.get("issue") or ():
            if isinstance(issue, dict):
                details = issue.get("details")
                words = issue.get("diagnostics") or (
                    details.get("text") if isinstance(details, dict) else None
                )
                if isinstance(words, str) and words.strip():
                    said = f" (it says: {words.strip()[:200]})"
                    break
        return FeedError(
            f"an OperationOutcome is not a feed{said}: expected a Bundle of Encounters or "
            "Appointments",
            path="resourceType",
        )
    return FeedError(
        f"a {resource_type[:64]} is not a feed: expected a Bundle (or an array) of Encounters "
        "or Appointments, or one of them",
        path="resourceType",
    )


def check_feed(document: Any, entries: list[Entry]) -> None:
    """A snapshot must hold at least one Encounter or Appointment, else it is unreadable.

    An empty snapshot would delete every session of its source (an export that failed
    upstream, a server's empty answer): a source is emptied by an admin, not by a feed.
    """
    if any(entry.resource["resourceType"] in FEED_TYPES for entry in entries):
        return
    if isinstance(document, dict):
        items = document.get("entry")
        what = "the Bundle holds no Encounter or Appointment" + (
            " (it is empty)" if not items else ""
        )
        path = "entry"
    else:
        what, path = "the array holds no Encounter or Appointment", "$"
    raise FeedUnreadable(
        [
            FeedError(
                f"{what}: not an agenda feed. A feed is a snapshot and this one would delete "
                "every session of the source (a source is emptied by an admin, not by a feed)",
                path=path,
            )
        ]
    )


def _count(entries: list[Entry], rejected: list[FeedError], limits: FeedLimits, path: str) -> None:
    """Refuse the feed at the first entry past ``limits.max_events`` (read or not)."""
    if len(entries) + len(rejected) >= limits.max_events:
        raise FeedUnreadable([FeedError(too_many_events(limits, "entries (resources)"), path=path)])


def _collect_items(
    items: list[Any],
    path: str,
    entries: list[Entry],
    rejected: list[FeedError],
    limits: FeedLimits,
) -> None:
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        _count(entries, rejected, limits, item_path)
        _collect_resource(item, item_path, None, entries, rejected, limits, depth=0)


def _collect_resource(
    resource: Any,
    path: str,
    full_url: str | None,
    entries: list[Entry],
    rejected: list[FeedError],
    limits: FeedLimits,
    *,
    depth: int,
) -> None:
    if not isinstance(resource, dict):
        rejected.append(FeedError("expected a FHIR resource (a JSON object)", path=path))
        return
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        rejected.append(
            FeedError("the resource has no 'resourceType'", path=child(path, "resourceType"))
        )
        return
    if resource_type == "Bundle":
        if depth >= _MAX_NESTING:
            rejected.append(FeedError("Bundles nested too deep", path=path))
            return
        _collect_bundle(resource, path, entries, rejected, limits, depth=depth + 1)
        return
    if resource_type == "OperationOutcome":
        return  # a server's remark on a search, not agenda content
    entries.append(Entry(resource, path, full_url))


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a Reference points: the resource when the body holds it, else what it says."""

    resource_type: str | None
    resource: JsonObject | None
    reference: str | None
    identifier: JsonObject | None = None
    display: str = ""


class References:
    """Resolves references inside one body: relative, absolute, ``urn:uuid:`` or contained."""

    def __init__(self, entries: list[Entry]) -> None:
        known: dict[str, JsonObject] = {}
        self._paths: dict[int, str] = {}
        for entry in entries:
            resource = entry.resource
            self._paths[id(resource)] = entry.path
            resource_id = resource.get("id")
            if isinstance(resource_id, str) and resource_id:
                known.setdefault(f"{resource['resourceType']}/{resource_id}", resource)
            if entry.full_url:
                known[entry.full_url] = resource
                tail = _type_and_id(entry.full_url)
                if tail is not None:
                    known.setdefault(tail, resource)
        self._known = known
        # A feed points to the same few people thousands of times: plain references
        # (``{"reference": "..."}`` and nothing else) are resolved once.
        self._plain: dict[str, Resolved | None] = {}

    def path_of(self, resource: JsonObject) -> str | None:
        """The JSON path of a resource of the body (None for a contained one)."""
        return self._paths.get(id(resource))

    def resolve(self, reference: object, container: JsonObject) -> Resolved | None:
        """``reference`` (a FHIR Reference object) seen from ``container`` (for ``#id``)."""
        if not isinstance(reference, dict):
            return None
        target = reference.get("reference")
        if len(reference) == 1 and isinstance(target, str) and not target.startswith("#"):
            try:
                return self._plain[target]
            except KeyError:
                resolved = self._plain[target] = self._resolve(reference, container)
                return resolved
        return self._resolve(reference, container)

    def _resolve(self, reference: JsonObject, container: JsonObject) -> Resolved | None:
        target = reference.get("reference")
        stated_type = reference.get("type")
        display = reference.get("display")
        identifier = reference.get("identifier")
        shown = display.strip() if isinstance(display, str) else ""
        logical = identifier if isinstance(identifier, dict) else None
        if not isinstance(target, str) or not target.strip():
            if logical is None and not shown:
                return None
            return Resolved(
                stated_type if isinstance(stated_type, str) else None, None, None, logical, shown
            )
        target = target.strip()
        resource: JsonObject | None
        if target.startswith("#"):
            resource = _contained(container, target[1:])
        else:
            resource = self._known.get(target)
            if resource is None:
                tail = _type_and_id(target)
                resource = self._known.get(tail) if tail is not None else None
        if resource is not None:
            resolved_type = resource.get("resourceType")
            return Resolved(
                resolved_type if isinstance(resolved_type, str) else None,
                resource,
                target,
                logical,
                shown,
            )
        if isinstance(stated_type, str) and stated_type:
            resource_type: str | None = stated_type
        else:
            tail = _type_and_id(target)
            resource_type = tail.split("/", 1)[0] if tail is not None else None
        return Resolved(resource_type, None, target, logical, shown)


def _contained(container: JsonObject, wanted: str) -> JsonObject | None:
    contained = container.get("contained")
    if isinstance(contained, list):
        for item in contained:
            if isinstance(item, dict) and item.get("id") == wanted:
                return item
    return None


def _type_and_id(reference: str) -> str | None:
    """``Type/id`` at the end of a relative or absolute reference (``_history`` dropped)."""
    if reference.startswith(("urn:", "#")):
        return None
    parts = [part for part in reference.split("?", 1)[0].split("/") if part]
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) < 2:
        return None
    resource_type, resource_id = parts[-2], parts[-1]
    if not resource_type[:1].isupper() or not resource_type.isalpha():
        return None
    return f"{resource_type}/{resource_id}"
