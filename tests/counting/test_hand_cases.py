"""Hand-computed cases: DST nights, sessions across midnight, week and quarter bounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ditep_core.nomenclatures import Activity, Scope
from ditep_counting.engine.figures import figures_from_sessions
from ditep_counting.engine.periods import parse_period
from tests.conftest import KeyMaker, SampleDitep
from tests.counting.conftest import push
from tests.counting.feeds import YOUTH_A_INS, calendar
from tests.counting.worked_example import NOW, PARIS, session, youth
from tests.http import AppClient


def paris(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=PARIS).astimezone(dt.UTC)


def count(period: str, *spans: tuple[dt.datetime, dt.datetime, Activity]) -> dict[str, Any]:
    sessions = [session(i, start, end, activity) for i, (start, end, activity) in enumerate(spans)]
    return figures_from_sessions(
        sessions,
        [youth(i) for i in range(len(spans))],
        period=parse_period(period),
        timezone="Europe/Paris",
        now=NOW,
    ).json_body()


def test_spring_forward_night_is_nine_hours() -> None:
    """Sat 29 → Sun 30 March 2025, 21:00 → 07:00: clocks jump at 02:00, 9 hours pass.

    The night window of the 29th is overlapped (1 nuit); neither afternoon (ends 19:00)
    nor morning (starts 07:00 when the session ends) is: no half-day.
    """
    body = count("2025-W13", (paris(2025, 3, 29, 21), paris(2025, 3, 30, 7), Activity.ACCUEIL_NUIT))
    assert body["hours"]["direct"] == 9.0
    assert body["units"]["by_score"]["2"] == 1
    assert body["days"]["nuits"] == 1
    assert body["days"]["journees"]["total"] == 0.0


def test_fall_back_night_is_eleven_hours() -> None:
    body = count(
        "2025-W43", (paris(2025, 10, 25, 21), paris(2025, 10, 26, 7), Activity.ACCUEIL_NUIT)
    )
    assert body["hours"]["direct"] == 11.0
    assert body["days"]["nuits"] == 1


def test_night_across_the_week_bound() -> None:
    """Sun 16 → Mon 17 March 2025, 18:00 → 08:00: 14 h in the week of the 10th.

    The Sunday afternoon (18:00-19:00) and the Monday morning (07:00-08:00) each count a
    half-day, on their own dates, so in their own weeks; the nuit is Sunday's.
    """
    night = (paris(2025, 3, 16, 18), paris(2025, 3, 17, 8), Activity.ACCUEIL_NUIT)
    first, second = count("2025-W11", night), count("2025-W12", night)
    assert (first["hours"]["direct"], second["hours"]["direct"]) == (14.0, 0.0)
    assert first["days"]["journees"]["accueil_nuit"] == 0.5
    assert second["days"]["journees"]["accueil_nuit"] == 0.5
    assert (first["days"]["nuits"], second["days"]["nuits"]) == (1, 0)
    assert (first["file_active"]["total"], second["file_active"]["total"]) == (1, 0)


def test_session_across_midnight_counts_both_dates() -> None:
    """Wed 12 March 2025 17:00 → Thu 13 March 09:00, accueil de jour (an outing)."""
    body = count("2025-03", (paris(2025, 3, 12, 17), paris(2025, 3, 13, 9), Activity.ACCUEIL_JOUR))
    assert body["hours"]["direct"] == 16.0
    assert body["days"]["journees"] == {
        "total": 1.0,  # Wed afternoon + Thu morning
        "accueil_nuit": 0.0,
        "accueil_jour": 1.0,
        "ambulatoire": 0.0,
    }
    assert body["days"]["nuits"] == 0  # only accueil_nuit sessions make nuits


def test_week_across_the_quarter_bound() -> None:
    """Mon 31 March 2025: its week's Thursday is 3 April, so its hours are Q2's;
    the half-day and the file active go by date, so they are Q1's."""
    monday = (paris(2025, 3, 31, 9), paris(2025, 3, 31, 12), Activity.ACCUEIL_JOUR)
    q1, q2 = count("2025-Q1", monday), count("2025-Q2", monday)
    assert (q1["hours"]["direct"], q2["hours"]["direct"]) == (0.0, 3.0)
    assert (q1["units"]["total"], q2["units"]["total"]) == (0, 1)
    assert (q1["days"]["journees"]["total"], q2["days"]["journees"]["total"]) == (0.5, 0.0)
    assert (q1["file_active"]["total"], q2["file_active"]["total"]) == (1, 0)


def test_week_bound_through_stored_rollups(
    api_client: AppClient,
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    """The same Sunday night, pushed: each week's rollups see the other week's session."""
    event = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:sunday-night@test",
            "DTSTAMP:20250331T180000Z",
            "DTSTART;TZID=Europe/Paris:20250316T180000",
            "DTEND;TZID=Europe/Paris:20250317T080000",
            "SUMMARY:Internat",
            "X-DUI-STATUT:REALISE",
            "ORGANIZER:mailto:k.benali@ditep-cedres.example",
            f"ATTENDEE;X-DUI-TYPE=USAGER:{YOUTH_A_INS}",
            "END:VEVENT",
        ]
    )
    push(
        ingest_client,
        sample_ditep.establishment_source_id,
        calendar(event),
        make_key(Scope.FEEDS_WRITE),
    )
    key = make_key(Scope.ACTIVITY_READ)
    url = "/v1/establishments/690000017/activity"
    w12 = api_client.get(url, params={"period": "2025-W12"}, headers=key).json()
    w11 = api_client.get(url, params={"period": "2025-W11"}, headers=key).json()
    assert w12["days"]["journees"]["accueil_nuit"] == 0.5
    assert w12["hours"]["direct"] == 0.0
    assert w11["hours"]["direct"] == 14.0
    assert w11["days"]["nuits"] == 1


def test_a_night_given_in_local_time_across_the_dst_change() -> None:
    """Found by the time zone property: both ends in Europe/Paris, not UTC."""
    start = dt.datetime(2025, 3, 29, 21, tzinfo=PARIS)
    end = dt.datetime(2025, 3, 30, 7, tzinfo=PARIS)
    body = count("2025-W13", (start, end, Activity.ACCUEIL_NUIT))
    assert body["hours"]["direct"] == 9.0
