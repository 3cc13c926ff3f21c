"""What one feed, and one event in it, may claim: the parsers' limits.

The parsers are pure: they take these limits as a parameter (the defaults
below), and the callers build them from the deployment's ``Settings``
(``FeedLimits.from_settings``). Each limit names its setting, so that an
error can say which one was reached. docs/feeds.md ("Limits") lists them with
what happens past each one:

- past a per-event limit, the event is rejected (listed in ``errors`` with its
  iCal line or FHIR JSON path) and the rest of the feed is applied;
- past a per-feed limit, the feed is unreadable (``FeedUnreadable``: a 422
  problem naming the limit and where it was reached). A feed is a snapshot:
  applying only its first part would delete the sessions of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agenda_ingest.parsing.normalised import FeedError, FeedUnreadable

if TYPE_CHECKING:  # the parsers need not load the settings machinery
    from ditep_core.settings import Settings


@dataclass(frozen=True, slots=True)
class FeedLimits:
    """The limits of one parse; the defaults are the settings' defaults."""

    max_ical_bytes: int | None = None
    """Bytes of one iCal feed, when lower than the global DITEP_MAX_FEED_BYTES (checked
    at the edge, 413). Past it: the feed (checked before parsing)."""
    max_fhir_bytes: int | None = None
    """Bytes of one FHIR body, likewise: decoded JSON takes about 8 times its bytes in
    memory, an iCal feed about 4 times. Past it: the feed."""
    max_events: int = 100_000
    """Events of one feed: VEVENTs (iCal), resources (FHIR). Past it: the feed. About as
    many real export events as the default DITEP_MAX_FEED_BYTES holds (500 bytes each)."""
    max_participants_per_event: int = 200
    """ATTENDEE and ORGANIZER lines of one VEVENT, ``participant`` items of one
    Encounter or Appointment. Past it: the event."""
    max_properties_per_event: int = 2_000
    """Content lines directly in one VEVENT (participants included). Past it: the event."""
    max_occurrences: int = 250_000
    """Occurrences of one feed in the window, after recurrences are expanded. Past it:
    the feed."""
    max_recurrence_steps_per_series: int = 100_000
    """Steps of one recurrence rule (its occurrences and the periods dateutil walks
    through) from DTSTART to the end of the window. Past it: the event."""
    max_recurrence_steps: int = 1_000_000
    """Steps of all the rules of the feed, plus all the occurrences it gives. Past it:
    the feed."""
    max_component_depth: int = 10
    """iCal components nested in one another (VCALENDAR > VEVENT > VALARM is 3). Past it:
    the feed."""
    max_line_bytes: int = 1 << 20
    """Octets of one iCal content line, once unfolded. Past it: the feed."""
    max_listed_dates: int = 10_000
    """RDATE and EXDATE values of one VEVENT. Past it: the feed."""

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedLimits:
        return cls(
            max_ical_bytes=settings.max_ical_feed_bytes,
            max_fhir_bytes=settings.max_fhir_feed_bytes,
            max_events=settings.max_events_per_feed,
            max_participants_per_event=settings.max_participants_per_event,
            max_properties_per_event=settings.max_properties_per_event,
            max_occurrences=settings.max_occurrences_per_feed,
            max_recurrence_steps_per_series=settings.max_recurrence_steps_per_series,
            max_recurrence_steps=settings.max_recurrence_steps_per_feed,
            max_component_depth=settings.max_component_depth,
            max_line_bytes=settings.max_line_bytes,
            max_listed_dates=settings.max_listed_dates_per_event,
        )


DEFAULT_LIMITS = FeedLimits()


def check_size(data: bytes, limit: int | None, setting: str) -> None:
    """Refuse a feed over its format's own byte limit, before it is parsed."""
    if limit is not None and len(data) > limit:
        raise FeedUnreadable(
            [
                FeedError(
                    f"the feed is {len(data)} bytes, more than the limit of {limit} "
                    f"({setting}): the feed is rejected"
                )
            ]
        )


def too_many_participants(count: int, limits: FeedLimits) -> str:
    """Why an event is rejected for its participants (every format says it in these words)."""
    return (
        f"the event names {count} participants, more than the limit of "
        f"{limits.max_participants_per_event} (DITEP_MAX_PARTICIPANTS_PER_EVENT): "
        "the event is rejected"
    )


def too_many_events(limits: FeedLimits, what: str) -> str:
    return (
        f"the feed holds more than {limits.max_events} {what} "
        "(DITEP_MAX_EVENTS_PER_FEED): the feed is rejected"
    )
