"""Counts do not depend on event order, feed split, input time zone (hypothesis)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ditep_core.nomenclatures import Activity, PersonKind, Presence, SessionStatus, Setting
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow
from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.periods import parse_period

BASE = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
PROFESSIONALS = (101, 102)
END_OF_Q1 = dt.date(2025, 4, 1)
ZONES = ("UTC", "Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea")

session_shapes = st.lists(
    st.tuples(
        st.integers(1, 3),  # young person
        st.integers(0, 40),  # day offset from 1 March (the quarter's bound is inside)
        st.integers(0, 95),  # start, quarter hours
        st.integers(1, 64),  # duration, quarter hours
        st.sampled_from(
            [
                Activity.ACCUEIL_NUIT,
                Activity.ACCUEIL_JOUR,
                Activity.AMBULATOIRE,
                Activity.COORDINATION,
                Activity.APPUI_RESSOURCES,
                Activity.TRANSPORT,
            ]
        ),
        st.sampled_from([SessionStatus.DONE, SessionStatus.PLANNED, SessionStatus.ABSENT]),
        st.sampled_from([Presence.PRESENT, Presence.NOT_EXPECTED, Presence.ABSENT]),
        st.sampled_from([Setting.SITE, Setting.ECOLE, Setting.DOMICILE]),
        st.integers(0, 2),  # professionals
    ),
    max_size=25,
)


def build(
    shapes: list[tuple[Any, ...]],
) -> tuple[list[SessionRow], list[ParticipantLink]]:
    sessions: list[SessionRow] = []
    links: list[ParticipantLink] = []
    for index, shape in enumerate(shapes, start=1):
        youth, day, start, length, activity, status, presence, setting, pros = shape
        begin = BASE + dt.timedelta(days=day, minutes=15 * start)
        sessions.append(
            SessionRow(
                session_id=index,
                source_id=1,
                uid=f"s{index}",
                recurrence_id="",
                start_at=begin,
                end_at=begin + dt.timedelta(minutes=15 * length),
                status=status,
                activity=activity,
                rule_set_version="v1",
                setting=setting,
            )
        )
        links.append(ParticipantLink(index, youth, PersonKind.YOUTH, presence))
        links.extend(
            ParticipantLink(index, pro, PersonKind.PROFESSIONAL, Presence.PRESENT)
            for pro in PROFESSIONALS[:pros]
        )
    return sessions, links


def figures(sessions: list[SessionRow], links: list[ParticipantLink]) -> dict[str, Any]:
    body = figures_from_sessions(
        sessions,
        links,
        period=parse_period("2025-Q1"),
        timezone="Europe/Paris",
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        reference_week=dt.date(2025, 3, 24),
    ).json_body()
    body["quality"].pop("by_source")
    return body


def without_feed_counts(body: dict[str, Any]) -> dict[str, Any]:
    """What a second agenda may change: sessions received and duplicates merged."""
    quality = dict(body["quality"])
    quality.pop("received")
    quality.pop("duplicates_merged")
    return {**body, "quality": quality}


@given(session_shapes, st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_event_order_does_not_matter(shapes: list[tuple[Any, ...]], rng: random.Random) -> None:
    sessions, links = build(shapes)
    expected = figures(sessions, links)
    rng.shuffle(sessions)
    rng.shuffle(links)
    assert figures(sessions, links) == expected


@given(session_shapes, st.lists(st.booleans(), min_size=25, max_size=25))
@settings(max_examples=60, deadline=None)
def test_a_youth_feed_and_a_professional_feed_sharing_sessions(
    shapes: list[tuple[Any, ...]], in_professional_agenda: list[bool]
) -> None:
    """The professional's agenda repeats some sessions (same UID), with the professional only."""
    sessions, links = build(shapes)
    single = figures(sessions, links)
    expected = without_feed_counts(single)
    copies: list[SessionRow] = []
    copy_links: list[ParticipantLink] = []
    for row, shared in zip(sessions, in_professional_agenda, strict=False):
        pros = [
            link
            for link in links
            if link.session_id == row.session_id and link.kind is PersonKind.PROFESSIONAL
        ]
        if not shared or not pros:
            continue
        copy_id = 10_000 + row.session_id
        copies.append(replace(row, session_id=copy_id, source_id=2))
        copy_links.extend(replace(link, session_id=copy_id) for link in pros)
    split = figures(sessions + copies, links + copy_links)
    assert without_feed_counts(split) == expected
    paris = ZoneInfo("Europe/Paris")
    in_quarter = [row for row in copies if row.start_at.astimezone(paris).date() < END_OF_Q1]
    assert split["quality"]["duplicates_merged"] == (
        single["quality"]["duplicates_merged"] + len(in_quarter)
    )


@given(session_shapes, st.lists(st.sampled_from(ZONES), min_size=25, max_size=25))
@settings(max_examples=60, deadline=None)
def test_time_zone_of_the_input_does_not_matter(
    shapes: list[tuple[Any, ...]], zones: list[str]
) -> None:
    sessions, links = build(shapes)
    expected = figures(sessions, links)
    shifted = [
        replace(
            row,
            start_at=row.start_at.astimezone(ZoneInfo(zone)),
            end_at=row.end_at.astimezone(ZoneInfo(zone)),
        )
        for row, zone in zip(sessions, zones, strict=False)
    ]
    assert figures(shifted, links) == expected


@given(session_shapes)
@settings(max_examples=40, deadline=None)
def test_importing_the_same_sessions_again_changes_nothing(shapes: list[tuple[Any, ...]]) -> None:
    """A re-import keeps each session's key: the figures are a function of the sessions."""
    sessions, links = build(shapes)
    assert figures(sessions, links) == figures(list(sessions), list(links))
    again = [replace(row, session_id=row.session_id + 50_000) for row in sessions]
    again_links = [replace(link, session_id=link.session_id + 50_000) for link in links]
    assert figures(again, again_links) == figures(sessions, links)
