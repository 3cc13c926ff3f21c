"""Keeping rollups fresh: writers of sessions invalidate weeks, a background task refreshes.

The import marks the establishment-weeks it touched out of date, in its own
transaction (``invalidate_after_write``), and defers the refresh task
(``ditep_counting.rollups.tasks``) to run once it has committed. ``refresh_stale``, the
task's work, recomputes every week that was invalidated, never rolled up, rolled up under
another profile, or holds a planned session that has ended since (past planned sessions
count by default). Reads never write: ``freshness`` tells them whether what they serve is
stale, and since when it was computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import SessionStatus
from ditep_core.tasks.dispatch import defer_after_commit
from ditep_counting.engine.periods import covering_weeks, monday
from ditep_counting.engine.profile import DEFAULT_PROFILE, CountingProfile
from ditep_counting.engine.rollups import Rollups, compute_rollups
from ditep_counting.rollups.repository import RollupRepository

# The background task that refreshes an establishment's stale rollups (rollups.tasks).
REFRESH_TASK = "rollups.refresh"

# activity-api's task deciding the ARS tables' statistical secrecy of a quarter
# (activity_api.secrecy.tasks), deferred by name after a refresh: the counting imports
# no service. A process without it (agenda-ingest's runner) leaves it to its sweep.
SECRECY_TASK = "secrecy.decide"

# Sessions starting up to this long before a week are read, for their nights and half-days.
LOOKBACK = dt.timedelta(days=7)


def active_profile(session: Session) -> CountingProfile:
    """The newest stored profile, else the defaults of counting.md."""
    stored = RollupRepository(session).latest_profile()
    if stored is None:
        return DEFAULT_PROFILE
    version, parameters = stored
    return CountingProfile.from_parameters({**parameters, "version": version})


def weeks_of(starts: Iterable[dt.datetime], timezone: str) -> set[dt.date]:
    zone = ZoneInfo(timezone)
    weeks: set[dt.date] = set()
    # One conversion per distinct start: a snapshot import passes every session of a
    # year, and timetables repeat the same start times for many young people.
    for start in set(starts):
        day = start.astimezone(zone).date()
        weeks.add(monday(day))
        # A session starting early on a Monday may hold the previous Sunday's night.
        weeks.add(monday(day - dt.timedelta(days=1)))
        # One running into the next week counts there too (a Sunday night's Monday
        # morning): reads no longer compute a week they find never computed.
        weeks.add(monday(day + LOOKBACK))
    return weeks


def _runs(weeks: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive weeks grouped: [(first Monday, Monday after the last)]."""
    runs: list[tuple[dt.date, dt.date]] = []
    for week in sorted(set(weeks)):
        if runs and runs[-1][1] == week:
            runs[-1] = (runs[-1][0], week + dt.timedelta(days=7))
        else:
            runs.append((week, week + dt.timedelta(days=7)))
    return runs


def _utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def refresh_rollups(
    session: Session,
    establishment: Establishment,
    weeks: Iterable[dt.date] | None = None,
    *,
    now: dt.datetime | None = None,
    profile: CountingProfile | None = None,
) -> int:
    """Recompute the rollups of the establishment's ISO weeks (Mondays); None: all of them.

    Returns the number of weeks refreshed. Only flushes: the caller's unit of work commits.
    """
    repository = RollupRepository(session)
    repository.lock_establishment(establishment.id)
    now = now or utc_now()
    profile = profile or active_profile(session)
    zone = ZoneInfo(establishment.timezone)
    if weeks is None:
        first, last = repository.session_start_range(establishment.id)
        if first is None or last is None:
            return 0
        weeks = covering_weeks(
            first.astimezone(zone).date(), last.astimezone(zone).date() + dt.timedelta(days=1)
        )
    validated_only = repository.validated_only_sources(establishment.id)
    refreshed = 0
    quarters: set[str] = set()
    for first_week, end_week in _runs(weeks):
        load_start = _utc(first_week, zone) - LOOKBACK
        load_end = _utc(end_week + dt.timedelta(days=1), zone)
        sessions = repository.sessions_starting_between(establishment.id, load_start, load_end)
        links = repository.participant_links_between(establishment.id, load_start, load_end)
        rollups: Rollups = compute_rollups(
            sessions,
            links,
            timezone=zone,
            now=now,
            profile=profile,
            validated_only_sources=validated_only,
            days=(first_week, end_week),
        )
        stale: dict[dt.date, dt.datetime] = {}
        for row in sessions:
            if row.status is SessionStatus.PLANNED and row.end_at > now:
                week = monday(row.start_at.astimezone(zone).date())
                for affected in (week, week + dt.timedelta(days=7)):
                    if affected not in stale or row.end_at < stale[affected]:
                        stale[affected] = row.end_at
        run_weeks = covering_weeks(first_week, end_week)
        repository.replace(
            establishment.id,
            (first_week, end_week),
            rollups,
            [(week, profile.fingerprint, now, stale.get(week)) for week in run_weeks],
        )
        repository.update_pathway_flags(
            establishment.id, profile.post_exit_years, (first_week, end_week)
        )
        repository.rebuild_months(establishment.id, (first_week, end_week))
        refreshed += len(run_weeks)
        quarters.update(_quarters_of(first_week, end_week))
    for quarter in sorted(quarters):
        # The region's published tables of these quarters changed: decide them again.
        defer_after_commit(
            session, SECRECY_TASK, period=quarter, region_code=establishment.region_code
        )
    session.flush()
    return refreshed


def _quarters_of(first_day: dt.date, end_day: dt.date) -> set[str]:
    """The quarters ("2025-Q1") holding some day of [first_day, end_day)."""
    quarters: set[str] = set()
    day = first_day
    while day < end_day:
        quarters.add(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        # The first day of the next quarter.
        month = ((day.month - 1) // 3 + 1) * 3 + 1
        day = dt.date(day.year + 1, 1, 1) if month > 12 else dt.date(day.year, month, 1)
    return quarters


def ensure_fresh(
    session: Session,
    establishment: Establishment,
    weeks: Sequence[dt.date],
    *,
    now: dt.datetime,
    profile: CountingProfile,
) -> int:
    """Refresh the weeks whose rollups are missing, from another profile, or stale."""
    repository = RollupRepository(session)

    def due() -> list[dt.date]:
        states = repository.states(establishment.id, weeks)
        return [
            week
            for week in weeks
            if (state := states.get(week)) is None
            or state[0] != profile.fingerprint
            or (state[1] is not None and state[1] <= now)
            or state[2] is not None
        ]

    if not due():
        return 0
    # Another request may have refreshed them while this one waited for the lock.
    repository.lock_establishment(establishment.id)
    remaining = due()
    if not remaining:
        return 0
    return refresh_rollups(session, establishment, remaining, now=now, profile=profile)


def invalidate_after_write(
    session: Session,
    establishment: Establishment,
    session_starts: Iterable[dt.datetime],
) -> int:
    """The hook for writers of sessions (imports, reclassification): their weeks are
    marked out of date in the writer's transaction, and the refresh task of the
    establishment is deferred until that transaction has committed.

    Recomputing at write time cost a whole establishment's year for every agenda of one
    young person that covers the year; the task recomputes each week once, whatever the
    number of imports meanwhile. The establishment lock orders this against a refresh of
    the same weeks, so a refresh computed from sessions older than this write can never
    be marked fresh after it.
    """
    weeks = weeks_of(session_starts, establishment.timezone)
    if not weeks:
        return 0
    repository = RollupRepository(session)
    repository.lock_establishment(establishment.id)
    marked = repository.invalidate(establishment.id, sorted(weeks), utc_now())
    defer_after_commit(session, REFRESH_TASK, establishment_id=establishment.id)
    return marked


def refresh_stale(
    session: Session, establishment: Establishment, *, now: dt.datetime | None = None
) -> int:
    """Recompute every out-of-date week of the establishment: the weeks holding sessions
    and those invalidated (their sessions may all be gone). The refresh task's work."""
    repository = RollupRepository(session)
    weeks = set(repository.invalidated_weeks(establishment.id))
    first, last = repository.session_start_range(establishment.id)
    if first is not None and last is not None:
        zone = ZoneInfo(establishment.timezone)
        weeks.update(
            covering_weeks(
                first.astimezone(zone).date() - dt.timedelta(days=1),
                # The week after the last start: a session may run into it.
                last.astimezone(zone).date() + LOOKBACK + dt.timedelta(days=1),
            )
        )
    if not weeks:
        return 0
    return ensure_fresh(
        session,
        establishment,
        sorted(weeks),
        now=now or utc_now(),
        profile=active_profile(session),
    )


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a read says of the rollups it serves (it never refreshes them)."""

    stale: bool
    # The oldest computation among the period's weeks; None: none was ever computed.
    computed_at: dt.datetime | None


def freshness(
    session: Session,
    establishments: Sequence[Establishment],
    weeks: Sequence[dt.date],
    *,
    now: dt.datetime,
    profile: CountingProfile,
) -> dict[int, Freshness]:
    """Per establishment, whether newer data waits for the refresh task (read only)."""
    found = RollupRepository(session).freshness(
        [establishment.id for establishment in establishments], weeks, profile.fingerprint, now
    )
    return {
        establishment.id: Freshness(*found.get(establishment.id, (False, None)))
        for establishment in establishments
    }


def refresh_pathway_flags(session: Session, establishment: Establishment) -> None:
    """After pathway periods changed (API import, feed stays): statuses of support days."""
    repository = RollupRepository(session)
    repository.update_pathway_flags(establishment.id, active_profile(session).post_exit_years)
    repository.rebuild_months(establishment.id)


class ProfileError(ValueError):
    """A profile change that cannot be stored (unknown parameter, bad value, version taken)."""


def store_profile_version(
    session: Session, version: str, changes: dict[str, Any]
) -> CountingProfile:
    """A new profile version: the profile in force with ``changes`` applied. Old versions
    stay stored; rollups built under another fingerprint are served as stale until the
    refresh task (deferred here, and the periodic sweep) recomputes them."""
    current = active_profile(session)
    known = set(current.to_parameters())
    unknown = sorted(set(changes) - known - {"version"})
    if unknown:
        raise ProfileError(f"unknown profile parameter(s): {', '.join(unknown)}")
    repository = RollupRepository(session)
    if repository.profile_exists(version):
        raise ProfileError(f"profile version {version} already exists: versions never change")
    parameters = {**current.to_parameters(), **changes, "version": version}
    try:
        profile = CountingProfile.from_parameters(parameters)
    except (TypeError, ValueError, IndexError) as error:
        raise ProfileError(f"invalid profile parameters: {error}") from error
    repository.add_profile(version, profile.to_parameters())
    if profile.fingerprint != current.fingerprint:
        # Every establishment's rollups are now of another profile: the sweep recomputes.
        defer_after_commit(session, REFRESH_TASK)
    return profile
