"""One session seen in several agendas is counted once.

The same session often appears in a young person's agenda and in a
professional's (or in an establishment export beside them). Two stored
sessions are one when they share the UID and recurrence id (across sources),
or the same start, end, young person and professional. Groups are closed
transitively (union-find), so A~B and B~C make one session.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ditep_core.nomenclatures import Activity, PersonKind, Presence, SessionStatus, Setting


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored session starting in the period, with what counting needs."""

    session_id: int
    source_id: int
    uid: str
    recurrence_id: str
    start_at: dt.datetime
    end_at: dt.datetime
    status: SessionStatus
    activity: Activity
    rule_set_version: str
    setting: Setting = Setting.INCONNU


@dataclass(frozen=True, slots=True)
class ParticipantLink:
    """One person attached to one session."""

    session_id: int
    person_id: int
    kind: PersonKind
    presence: Presence


# When the agendas disagree, the most informative statement wins.
_STATUS_RANK = {
    SessionStatus.DONE: 3,
    SessionStatus.PLANNED: 2,
    SessionStatus.ABSENT: 1,
    SessionStatus.CANCELLED: 0,
}
_PRESENCE_RANK = {Presence.PRESENT: 2, Presence.NOT_EXPECTED: 1, Presence.ABSENT: 0}


@dataclass(frozen=True, slots=True)
class Merged:
    sessions: list[SessionRow]
    links: list[ParticipantLink]
    merged_away: int


def merge_duplicates(sessions: Sequence[SessionRow], links: Iterable[ParticipantLink]) -> Merged:
    parent = {row.session_id: row.session_id for row in sessions}

    def find(session_id: int) -> int:
        while parent[session_id] != session_id:
            parent[session_id] = parent[parent[session_id]]
            session_id = parent[session_id]
        return session_id

    def union(first: int, second: int) -> None:
        a, b = find(first), find(second)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_uid: dict[tuple[str, str], int] = {}
    for row in sessions:
        key = (row.uid, row.recurrence_id)
        if key in by_uid:
            union(by_uid[key], row.session_id)
        else:
            by_uid[key] = row.session_id

    link_list = [link for link in links if link.session_id in parent]
    people: dict[int, dict[PersonKind, set[int]]] = defaultdict(lambda: defaultdict(set))
    for link in link_list:
        people[link.session_id][link.kind].add(link.person_id)
    rows = {row.session_id: row for row in sessions}
    by_shape: dict[tuple[dt.datetime, dt.datetime, int, int], int] = {}
    for session_id, kinds in people.items():
        row = rows[session_id]
        for youth in kinds[PersonKind.YOUTH]:
            for professional in kinds[PersonKind.PROFESSIONAL]:
                shape = (row.start_at, row.end_at, youth, professional)
                if shape in by_shape:
                    union(by_shape[shape], session_id)
                else:
                    by_shape[shape] = session_id

    groups: dict[int, list[SessionRow]] = defaultdict(list)
    for row in sessions:
        groups[find(row.session_id)].append(row)
    merged_sessions = [_merge_rows(root, members) for root, members in groups.items()]

    merged_links: dict[tuple[int, int], ParticipantLink] = {}
    for link in link_list:
        root = find(link.session_id)
        link_key = (root, link.person_id)
        known = merged_links.get(link_key)
        if known is None or _PRESENCE_RANK[link.presence] > _PRESENCE_RANK[known.presence]:
            merged_links[link_key] = replace(link, session_id=root)
    return Merged(
        sessions=merged_sessions,
        links=list(merged_links.values()),
        merged_away=len(sessions) - len(merged_sessions),
    )


def _merge_rows(root: int, members: list[SessionRow]) -> SessionRow:
    if len(members) == 1:
        return members[0]
    canonical = next(row for row in members if row.session_id == root)
    status = max((row.status for row in members), key=_STATUS_RANK.__getitem__)
    activity = canonical.activity
    if activity is Activity.UNCLASSIFIED:
        activity = next(
            (row.activity for row in members if row.activity is not Activity.UNCLASSIFIED),
            activity,
        )
    return replace(canonical, status=status, activity=activity)
