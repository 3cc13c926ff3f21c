"""Reading FHIR JSON values leniently: dates and times, codes, extensions, durations.

Pure functions on the decoded JSON (dicts, lists, strings). Anything of the
wrong shape reads as absent, never as an exception: the mapper decides whether
an absent value makes a resource unusable, and says where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

JsonObject = dict[str, Any]

_DURATION_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}


class BadValue(ValueError):
    """A value that is there but cannot be read; the message says why."""


def parse_moment(value: object, timezone: ZoneInfo) -> dt.datetime | dt.date:
    """A FHIR ``dateTime``/``instant``: aware UTC for a time, a ``date`` for a day.

    Lenient: a time without an offset is read in ``timezone`` (the
    establishment's), seconds and fractions are optional. A year or a month
    alone is refused: it says nothing about when a session happens.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadValue(f"expected a date or date-time string, got {_shown(value)}")
    text = value.strip()
    if "T" not in text and " " not in text:
        if len(text) < 8:
            raise BadValue(f"'{text}' is a year or a month, not a day or a time")
        try:
            return dt.date.fromisoformat(text)
        except ValueError as error:
            raise BadValue(f"'{text}' is not a date (YYYY-MM-DD)") from error
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise BadValue(f"'{text}' is not a date-time (YYYY-MM-DDThh:mm:ss+zz:zz)") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment.astimezone(dt.UTC)


def local_date(value: dt.datetime | dt.date, timezone: ZoneInfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(timezone).date()
    return value


def duration_seconds(value: object) -> float | None:
    """A FHIR ``Duration`` (``{"value": 45, "code": "min"}``) in seconds, if readable."""
    if not isinstance(value, dict):
        return None
    amount = value.get("value")
    unit = value.get("code") or value.get("unit")
    if not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 0:
        return None
    factor = _DURATION_SECONDS.get(str(unit).strip().lower()) if unit else None
    return None if factor is None else float(amount) * factor


def objects(value: object) -> Iterator[JsonObject]:
    """The JSON objects in ``value``: one if it is an object, those of a list."""
    if isinstance(value, dict):
        yield value
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield item


def concepts(value: object) -> Iterator[JsonObject]:
    """CodeableConcepts in ``value``, one or a list, R5 ``CodeableReference`` unwrapped."""
    for item in objects(value):
        concept = item.get("concept")
        if isinstance(concept, dict):
            yield concept
        elif "coding" in item or "text" in item:
            yield item


def coding_tokens(value: object) -> list[str]:
    """``system|code`` of every coding of the concepts in ``value`` (``|code`` without system)."""
    tokens: list[str] = []
    if value is None:
        return tokens
    for concept in concepts(value):
        codings = concept.get("coding")
        for coding in codings if isinstance(codings, list) else objects(codings):
            if not isinstance(coding, dict):
                continue
            code = coding.get("code")
            if isinstance(code, str) and code.strip():
                system = coding.get("system")
                tokens.append(f"{system.strip() if isinstance(system, str) else ''}|{code.strip()}")
    return tokens


def concept_texts(value: object) -> Iterator[str]:
    """The words of the concepts in ``value``: each one's text, else its codings' displays."""
    for concept in concepts(value):
        text = concept.get("text")
        if isinstance(text, str) and text.strip():
            yield text.strip()
            continue
        for coding in objects(concept.get("coding")):
            display = coding.get("display")
            if isinstance(display, str) and display.strip():
                yield display.strip()


def extension_value(resource: JsonObject, url_suffix: str) -> object:
    """The ``value[x]`` of the first extension whose URL ends with ``url_suffix``."""
    for extension in objects(resource.get("extension")):
        url = extension.get("url")
        if isinstance(url, str) and url.endswith(url_suffix):
            return _value(extension)
    return None


def extension_values(resource: JsonObject) -> dict[str, object]:
    """The ``value[x]`` of each extension by the last segment of its URL (the first one wins).

    One pass for a resource read for several extensions; the segment is what
    profiles name (``.../StructureDefinition/tddui-patient-present``).
    """
    values: dict[str, object] = {}
    extensions = resource.get("extension")
    if not isinstance(extensions, list):
        return values
    for extension in extensions:
        if isinstance(extension, dict):
            url = extension.get("url")
            if isinstance(url, str):
                values.setdefault(url.rsplit("/", 1)[-1], _value(extension))
    return values


def _value(extension: JsonObject) -> object:
    for key, value in extension.items():
        if key.startswith("value"):
            return value
    return None


def flag(value: object) -> bool | None:
    """A boolean, also from the strings vendors sometimes send."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "oui", "yes"}:
            return True
        if lowered in {"false", "0", "non", "no"}:
            return False
    return None


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    return type(value).__name__ if not isinstance(value, str) else "an empty string"
