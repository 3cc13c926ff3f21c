"""The counting engine, pure: merged minutes, which sessions count, DST."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from ditep_core.nomenclatures import Activity, PersonKind, Presence, SessionStatus
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow, merge_duplicates
from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.intervals import merged_minutes
from ditep_counting.engine.periods import parse_period

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def row(
    session_id: int, start: dt.datetime, end: dt.datetime, activity: Activity, **kw: object
) -> SessionRow:
    values: dict[str, object] = {
        "session_id": session_id,
        "source_id": 1,
        "uid": f"uid-{session_id}",
        "recurrence_id": "",
        "start_at": start,
        "end_at": end,
        "status": SessionStatus.DONE,
        "activity": activity,
        "rule_set_version": "test",
        **kw,
    }
    return SessionRow(**values)  # type: ignore[arg-type]


def youth(session_id: int, person_id: int, presence: Presence) -> ParticipantLink:
    return ParticipantLink(session_id, person_id, PersonKind.YOUTH, presence)


def professional(session_id: int, person_id: int) -> ParticipantLink:
    return ParticipantLink(session_id, person_id, PersonKind.PROFESSIONAL, Presence.PRESENT)


def compute_figures(
    sessions: list[SessionRow],
    links: list[ParticipantLink],
    *,
    now: dt.datetime,
    validated_only_sources: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """March 2025's figures, all of whose weeks have their Thursday in March."""
    return figures_from_sessions(
        sessions,
        links,
        period=parse_period("2025-03"),
        timezone="UTC",
        now=now,
        validated_only_sources=validated_only_sources,
    ).json_body()


def test_overlaps_merge() -> None:
    assert (
        merged_minutes(
            [(at(10, 9), at(10, 10)), (at(10, 9, 30), at(10, 11)), (at(10, 14), at(10, 15))]
        )
        == 180
    )
    assert merged_minutes([]) == 0


def test_dst_night_counts_the_time_that_really_passed() -> None:
    paris = ZoneInfo("Europe/Paris")
    # Night of 29 to 30 March 2025: clocks go forward at 02:00.
    start = dt.datetime(2025, 3, 29, 21, 0, tzinfo=paris)
    end = dt.datetime(2025, 3, 30, 7, 0, tzinfo=paris)
    assert merged_minutes([(start.astimezone(UTC), end.astimezone(UTC))]) == 9 * 60


def test_worked_example_hours() -> None:
    """Young person A's week of counting.md: 22.5 h direct, 1 h indirect."""
    sessions = [
        row(1, at(10, 8), at(10, 15, 30), Activity.ACCUEIL_JOUR),
        row(2, at(11, 17), at(12, 7), Activity.ACCUEIL_NUIT),
        row(3, at(13, 9), at(13, 10), Activity.AMBULATOIRE),
        row(4, at(13, 9), at(13, 10), Activity.AMBULATOIRE),  # same hour, educator's agenda
        row(5, at(14, 13), at(14, 14), Activity.COORDINATION),
    ]
    links = [youth(i, 7, Presence.PRESENT) for i in (1, 2, 3, 4)]
    links.append(youth(5, 7, Presence.NOT_EXPECTED))
    figures = compute_figures(sessions, links, now=NOW)
    assert figures["hours"]["direct"] == 22.5
    assert figures["hours"]["indirect"] == 1.0
    assert figures["file_active"]["total"] == 1
    assert figures["file_active"]["by_modality"] == {
        "accueil_nuit": 1,
        "accueil_jour": 1,
        "ambulatoire": 1,
    }


def test_which_sessions_count() -> None:
    sessions = [
        row(1, at(10, 9), at(10, 10), Activity.AMBULATOIRE, status=SessionStatus.PLANNED),
        row(2, at(11, 9), at(11, 10), Activity.AMBULATOIRE, status=SessionStatus.CANCELLED),
        row(3, at(12, 9), at(12, 10), Activity.AMBULATOIRE, status=SessionStatus.ABSENT),
        row(4, at(13, 9), at(13, 10), Activity.UNCLASSIFIED),
        row(
            5,
            at(14, 9),
            at(14, 10),
            Activity.AMBULATOIRE,
            source_id=2,
            status=SessionStatus.PLANNED,
        ),
        row(6, at(15, 9), at(15, 10), Activity.TRANSPORT),
    ]
    links = [youth(i, 1, Presence.PRESENT) for i in range(1, 7)]
    figures = compute_figures(sessions, links, now=NOW, validated_only_sources=frozenset({2}))
    assert figures["hours"]["direct"] == 1.0  # only the past planned session of source 1
    assert (figures["quality"]["received"], figures["quality"]["counted"]) == (6, 2)
    assert (
        figures["quality"]["cancelled"],
        figures["quality"]["absent"],
        figures["quality"]["unclassified"],
    ) == (
        1,
        1,
        1,
    )
    assert figures["quality"]["not_validated"] == 1
    future = compute_figures(sessions[:1], links[:1], now=at(10, 9, 30))
    assert future["quality"]["counted"] == 0


def test_absent_young_person_is_not_counted_for_that_session() -> None:
    sessions = [row(1, at(10, 9), at(10, 10), Activity.AMBULATOIRE)]
    figures = compute_figures(
        sessions, [youth(1, 1, Presence.ABSENT), youth(1, 2, Presence.PRESENT)], now=NOW
    )
    assert figures["file_active"]["total"] == 1
    assert figures["hours"]["direct"] == 1.0


def test_same_uid_in_two_agendas_is_one_session() -> None:
    sessions = [
        row(1, at(13, 9), at(13, 10), Activity.AMBULATOIRE, uid="u", source_id=1),
        row(
            2,
            at(13, 9),
            at(13, 10),
            Activity.AMBULATOIRE,
            uid="u",
            source_id=2,
            status=SessionStatus.PLANNED,
        ),
    ]
    links = [youth(1, 7, Presence.PRESENT), professional(2, 9), youth(2, 7, Presence.PRESENT)]
    merged = merge_duplicates(sessions, links)
    assert merged.merged_away == 1
    assert [r.session_id for r in merged.sessions] == [1]
    assert merged.sessions[0].status is SessionStatus.DONE
    assert sorted((link.session_id, link.person_id) for link in merged.links) == [(1, 7), (1, 9)]


def test_same_time_youth_and_professional_is_one_session_transitively() -> None:
    sessions = [
        row(1, at(13, 9), at(13, 10), Activity.AMBULATOIRE, uid="a"),
        row(2, at(13, 9), at(13, 10), Activity.UNCLASSIFIED, uid="b"),
        row(3, at(13, 9), at(13, 10), Activity.AMBULATOIRE, uid="b", source_id=3),
        row(4, at(13, 9), at(13, 10), Activity.AMBULATOIRE, uid="c"),  # another young person
    ]
    links = [
        youth(1, 7, Presence.PRESENT),
        professional(1, 9),
        youth(2, 7, Presence.PRESENT),
        professional(2, 9),
        youth(4, 8, Presence.PRESENT),
        professional(4, 9),
    ]
    merged = merge_duplicates(sessions, links)
    assert merged.merged_away == 2
    assert sorted(r.session_id for r in merged.sessions) == [1, 4]
    figures = compute_figures(sessions, links, now=NOW)
    assert figures["quality"]["duplicates_merged"] == 2
    assert (figures["quality"]["received"], figures["quality"]["counted"]) == (4, 2)
