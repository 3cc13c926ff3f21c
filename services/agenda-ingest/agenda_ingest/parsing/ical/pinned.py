"""The exact versions whose internals the iCalendar parsers use, and those internals.

The fast path (``fastpath.py``) reads feeds exactly as icalendar and
recurring-ical-events do, without building their objects: it calls a few of
their private or undocumented functions, mirrors the steps of
``Series.between`` and ``RecurrenceRules.create_rule_with_start``, and bounds
dateutil's expansion through its private ``rrule._iter`` (``limits.py``). The
library path (``parser.py``) reads a few attributes of recurring-ical-events'
series that are not part of its documented API. None of these is promised to
survive a release, so pyproject.toml pins these distributions to the versions
below (``==``), and ``tests/agenda_ingest/parsing/ical/test_pinned_internals.py``
fails, naming the version and the internal, on any other version.

To move to a new version: check each internal below against it (and the steps
the fast path mirrors), run ``tests/agenda_ingest/parsing/ical/test_ical_exact.py``
(both paths, field by field) and ``benchmarks.bench_ical_ingest``, then update the pin
here, in pyproject.toml and in requirements/constraints.txt.
"""

from __future__ import annotations

PINNED: dict[str, str] = {
    "icalendar": "7.3.0",
    "recurring-ical-events": "3.8.2",
    "python-dateutil": "2.9.0.post0",
}
"""Distribution name → the exact version the internals were read from."""

MODULE_INTERNALS: dict[str, tuple[str, ...]] = {
    "icalendar": (
        "icalendar.parser.content_line:_strip_ows_around_delimiters",
        "icalendar.parser.content_line:Contentline",
        "icalendar.parser.string:_escape_string",
        "icalendar.parser.string:_unescape_string",
        "icalendar.parser.parameter:Parameters",
        "icalendar.parser.property:split_on_unescaped_comma",
        "icalendar.parser.property:unescape_backslash",
        "icalendar.parser.property:unescape_list_or_string",
        "icalendar.prop:TypesFactory.types_map",
        "icalendar.timezone:tzp.timezone",
        "icalendar.timezone:tzp.cache_timezone_component",
    ),
    "recurring-ical-events": (
        "recurring_ical_events.constants:NEGATIVE_RRULE_COUNT_REGEX",
        "recurring_ical_events.util:compare_greater",
        "recurring_ical_events.util:convert_to_date",
        "recurring_ical_events.util:convert_to_date_range",
        "recurring_ical_events.util:convert_to_datetime",
        "recurring_ical_events.util:get_any",
        "recurring_ical_events.util:is_date",
        "recurring_ical_events.util:make_comparable",
        "recurring_ical_events.util:time_span_contains_event",
        "recurring_ical_events.util:to_recurrence_ids",
        "recurring_ical_events.util:with_highest_sequence",
        "recurring_ical_events.adapters.event:EventAdapter",
        "recurring_ical_events.series:Series",
    ),
    "python-dateutil": (
        "dateutil.rrule:_iterinfo",
        "dateutil.rrule:_iterinfo.ydayset",
        "dateutil.rrule:_iterinfo.mdayset",
        "dateutil.rrule:_iterinfo.wdayset",
        "dateutil.rrule:_iterinfo.ddayset",
        "dateutil.rrule:rrule._iter",
    ),
}
"""Module-level internals, as ``module:attribute.attribute``."""

SERIES_INTERNALS: tuple[str, ...] = (
    "Series._add_to_stop",
    "Series.recurrence.has_core",
    "Series.recurrence.rrules",
    "Series.recurrence.sequence",
    "Series.recurrence.tzinfo",
    "Series.modifications",
    "Occurrence._adapter.this_and_future",
    "Occurrence._adapter.move_recurrences_by",
)
"""Attributes of recurring-ical-events' series and occurrences read by ``parser.py``."""

RRULE_INTERNALS: tuple[str, ...] = ("rrule._freq", "rrule._byhour", "rrule._byminute")
"""Attributes of a dateutil rule read by ``limits.check_rule``."""
