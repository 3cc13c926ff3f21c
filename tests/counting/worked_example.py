"""The worked example of counting.md as sessions, shared by the engine and API tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ditep_core.nomenclatures import Activity, PersonKind, Presence, SessionStatus, Setting
from ditep_counting.engine.duplicates import ParticipantLink, SessionRow

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
YOUTH_A = 1
EDUCATOR = 2


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    """A Paris wall-clock time in 2025, as an aware UTC instant."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


def session(
    session_id: int,
    start: dt.datetime,
    end: dt.datetime,
    activity: Activity,
    setting: Setting = Setting.SITE,
    *,
    source_id: int = 1,
    uid: str | None = None,
    status: SessionStatus = SessionStatus.DONE,
) -> SessionRow:
    return SessionRow(
        session_id=session_id,
        source_id=source_id,
        uid=uid or f"uid-{session_id}",
        recurrence_id="",
        start_at=start,
        end_at=end,
        status=status,
        activity=activity,
        rule_set_version="keywords-1",
        setting=setting,
    )


def youth(
    session_id: int, person_id: int = YOUTH_A, presence: Presence = Presence.PRESENT
) -> ParticipantLink:
    return ParticipantLink(session_id, person_id, PersonKind.YOUTH, presence)


def professional(session_id: int, person_id: int = EDUCATOR) -> ParticipantLink:
    return ParticipantLink(session_id, person_id, PersonKind.PROFESSIONAL, Presence.PRESENT)


def worked_example() -> tuple[list[SessionRow], list[ParticipantLink]]:
    """Young person A, week of Monday 2025-03-10, all sessions done."""
    sessions = [
        session(1, local(10, 9), local(10, 16, 30), Activity.ACCUEIL_JOUR),
        session(2, local(11, 18), local(12, 8), Activity.ACCUEIL_NUIT),
        session(3, local(13, 10), local(13, 11), Activity.AMBULATOIRE, Setting.ECOLE, uid="sessad"),
        # The same hour in the educator's agenda (same UID): one session.
        session(
            4,
            local(13, 10),
            local(13, 11),
            Activity.AMBULATOIRE,
            Setting.ECOLE,
            source_id=2,
            uid="sessad",
        ),
        session(5, local(14, 14), local(14, 15), Activity.COORDINATION),
    ]
    links = [
        youth(1),
        youth(2),
        youth(3),
        professional(3),
        youth(4),
        professional(4),
        youth(5, presence=Presence.NOT_EXPECTED),
    ]
    return sessions, links
