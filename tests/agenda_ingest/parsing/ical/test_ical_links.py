"""Links in an iCal event's DESCRIPTION or LOCATION (issue 20): both parsing paths give the
same ``link|host`` codes, and the rules read a video tool's link as a distance session."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from agenda_ingest.classification.engine import SessionFacts, default_rule_set
from agenda_ingest.classification.links import cue_codes, merged_cues
from agenda_ingest.parsing.drafts import feed_codes
from agenda_ingest.parsing.ical.fastpath import parse_fast
from agenda_ingest.parsing.ical.parser import parse_ical
from agenda_ingest.parsing.limits import FeedLimits
from ditep_core.nomenclatures import Setting

PARIS = ZoneInfo("Europe/Paris")
FEED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//links//FR\r\n"
    "BEGIN:VEVENT\r\nUID:visio-1\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n"
    "SUMMARY:Synthèse de Nolan\r\n"
    "DESCRIPTION:Rejoindre la réunion\\nhttps://us02web.zoom.us/j/8123456789?pwd=x\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:https://meet.google.com/no\r\n"
    "TRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:plain-1\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260302T130000Z\r\nDTEND:20260302T140000Z\r\n"
    "SUMMARY:Séance orthophonie\r\nDESCRIPTION:Pas de lien ici\r\n"
    "LOCATION:https://teams.microsoft.com/l/meetup-join/19\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def _links_by_both_paths(feed: bytes) -> dict[str, tuple[str, ...]]:
    """Each event's link and cue codes, the same by the library path and the fast path."""
    fast = parse_fast(
        feed, window_start=START, window_end=END, default_tz=PARIS, limits=FeedLimits()
    )
    library = parse_ical(feed, window_start=START, window_end=END, default_tz=PARIS, fast=False)
    assert fast is not None
    links = {occurrence.uid: occurrence.links for occurrence in library.occurrences}
    assert links == {occurrence.uid: occurrence.links for occurrence in fast.occurrences}
    return links


def test_both_paths_give_the_links_of_the_event_itself() -> None:
    links = _links_by_both_paths(FEED)
    # The alarm's own DESCRIPTION is not the event's.
    assert links == {
        "visio-1": ("link|us02web.zoom.us", "link|zoom.us"),
        "plain-1": ("link|teams.microsoft.com", "link|microsoft.com"),
    }


def test_a_video_link_in_the_description_makes_a_distance_session() -> None:
    [occurrence] = [
        occurrence
        for occurrence in parse_ical(
            FEED, window_start=START, window_end=END, default_tz=PARIS
        ).occurrences
        if occurrence.uid == "visio-1"
    ]
    facts = SessionFacts(
        summary=occurrence.summary,
        codes=feed_codes(occurrence),
        youth=1,
        youth_present=0,
        professionals=4,
    )
    got = default_rule_set().classify(facts)
    assert (got.activity.value, got.setting) == ("coordination", Setting.DISTANCE)


CUES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//cues//FR\r\n"
    "BEGIN:VEVENT\r\nUID:cue-1\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260303T090000Z\r\nDTEND:20260303T100000Z\r\n"
    "SUMMARY:Point situation Lina\r\n"
    "DESCRIPTION:par tél avec l'IDE du CMP\\, puis en visio (Teams) si besoin\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:cue-2\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260303T130000Z\r\nDTEND:20260303T140000Z\r\n"
    "SUMMARY:Séance ortho\r\nDESCRIPTION:(à domicile cette semaine)\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:cue-3\r\nDTSTAMP:20260301T080000Z\r\n"
    "DTSTART:20260303T150000Z\r\nDTEND:20260303T160000Z\r\n"
    "SUMMARY:Retour Lucas\r\nDESCRIPTION:retour à domicile en taxi\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()


def test_both_paths_give_the_cues_of_the_description() -> None:
    """The fast path reads each DESCRIPTION's cues as it comes (no text kept): the same codes,
    in the same order, as the library path's ``cue_codes`` of the whole description."""
    links = _links_by_both_paths(CUES)
    assert links == {"cue-1": ("cue|video", "cue|phone"), "cue-2": ("cue|home",), "cue-3": ()}


def test_cues_read_one_description_at_a_time_merge_as_read_together() -> None:
    descriptions = ("en visio", "tél avec la mère", "chez la grand-mère", "rien", "")
    for first in descriptions:
        for second in descriptions:
            assert merged_cues(cue_codes(first), cue_codes(second)) == cue_codes(first, second)
