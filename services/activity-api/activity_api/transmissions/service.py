"""Transmitting a quarter, its versions and statuses (transmission.md §1). Never commits.

- Version 1 freezes the quarter (counting.md §6): the frozen figures, if the quarter was
  frozen before, else the figures computed now, frozen with it.
- A later version (a correction) needs a reason; it recomputes the figures, stores them
  with their diff to the version before and replaces the freeze, so that the
  establishment's own ``/activity`` serves what was last transmitted. Unchanged: 409.
- Status of a quarter, at a day: ``transmitted`` (one version), ``corrected`` (two or
  more), ``late`` (not transmitted, its deadline passed), else ``draft``. A quarter
  transmitted after its deadline keeps ``transmitted``/``corrected`` and says so in
  ``after_deadline``: the ARS sees its figures, and that they came late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activity_api.activity.repository import ActivityRepository
from activity_api.activity.schemas import ActivityReport
from activity_api.activity.service import (
    changed_figures,
    establishment_ref,
    frozen_now,
    store_freeze,
)
from activity_api.periods import parse_quarter
from activity_api.transmissions.repository import TransmissionRepository
from activity_api.transmissions.schemas import (
    FigureChange,
    QuarterStatus,
    Status,
    TransmissionInfo,
    TransmissionList,
    TransmittedReport,
    VersionSummary,
)
from ditep_core.models import Establishment, Transmission, utc_now
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound
from ditep_counting.engine.periods import CountingPeriod, parse_period
from ditep_counting.engine.profile import CountingProfile
from ditep_counting.rollups.service import active_profile

# Not figures: who computed or froze them, and the establishment's name.
NOT_FIGURES = frozenset({"computed_at", "frozen", "establishment"})


def today_at(establishment: Establishment, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(establishment.timezone)).date()


def quarter_of(day: dt.date) -> CountingPeriod:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def deadline_of(profile: CountingProfile, period: CountingPeriod) -> dt.date:
    return profile.transmission_deadline(period.end)


def status_of(versions: int, deadline: dt.date, today: dt.date) -> Status:
    if versions > 1:
        return "corrected"
    if versions == 1:
        return "transmitted"
    return "late" if today > deadline else "draft"


def _quarter(text: str) -> CountingPeriod:
    return parse_quarter(text, "body.period")


def _checked_over(period: CountingPeriod, today: dt.date) -> None:
    """Only a quarter that is over is transmitted: its figures are complete."""
    if period.end > today:
        what = "has not started" if period.start > today else "is not over"
        raise InvalidRequest(
            f"quarter {period.code} {what}: a quarter is transmitted once it has ended",
            errors=[{"location": "body.period", "message": f"quarter {what}"}],
        )


@dataclass(frozen=True, slots=True)
class Transmitted:
    """A stored version with its figures, read back."""

    row: Transmission
    body: ActivityReport


def _info(row: Transmission, deadline: dt.date, first_at: dt.datetime) -> TransmissionInfo:
    return TransmissionInfo(
        version=row.version,
        transmitted_at=row.transmitted_at,
        transmitted_by=row.transmitted_by,
        reason=row.reason,
        profile_version=row.profile_version,
        ruleset_versions=list(row.rule_set_versions),
        import_ids=list(row.import_ids),
        deadline=deadline,
        after_deadline=_after(first_at, deadline),
    )


def _after(first_at: dt.datetime, deadline: dt.date) -> bool:
    # The deadline is a whole day, in France's time: transmitted on the day is on time.
    return first_at.astimezone(ZoneInfo("Europe/Paris")).date() > deadline


def _report(
    row: Transmission, establishment: Establishment, deadline: dt.date, first_at: dt.datetime
) -> TransmittedReport:
    body = ActivityReport.model_validate(row.body).model_dump(by_alias=True)
    body["establishment"] = establishment_ref(establishment)
    return TransmittedReport.model_validate(
        {
            **body,
            "transmission": _info(row, deadline, first_at),
            "diff": None
            if row.version == 1
            else [FigureChange.model_validate(change) for change in row.diff],
        }
    )


def transmit(
    session: Session,
    establishment: Establishment,
    period_text: str,
    *,
    reason: str | None,
    transmitted_by: str,
    now: dt.datetime | None = None,
) -> TransmittedReport:
    """Transmit the quarter: version 1, or a correction (reason required, 409 unchanged)."""
    now = now or utc_now()
    period = _quarter(period_text)
    _checked_over(period, today_at(establishment, now))
    reason = reason.strip() if reason is not None else None
    repository = TransmissionRepository(session)
    previous = repository.versions(establishment.id, period.code)
    if previous and not reason:
        raise InvalidRequest(
            f"quarter {period.code} was transmitted (version {previous[-1].version}): a "
            "correction needs a reason",
            errors=[{"location": "body.reason", "message": "required for a correction"}],
        )
    changes: list[tuple[str, Any, Any]] = []
    frozen_row = ActivityRepository(session).frozen(establishment.id, period.code)
    if not previous and frozen_row is not None:
        body = ActivityReport.model_validate(frozen_row.body)  # the freeze is what goes
    else:
        body = frozen_now(session, establishment, period, frozen_by=transmitted_by, now=now)
        if previous:
            changes = changed_figures(previous[-1].body, body.json_body(), NOT_FIGURES)
            if not changes:
                raise Conflict(
                    f"quarter {period.code} is unchanged since version {previous[-1].version}: "
                    "nothing to correct"
                )
        store_freeze(session, establishment, period, body)
    assert body.frozen is not None
    row = Transmission(
        establishment_id=establishment.id,
        period_code=period.code,
        version=len(previous) + 1,
        start_date=period.start,
        end_date=period.end,
        profile_version=body.profile_version,
        rule_set_versions=body.rule_set_versions,
        import_ids=body.frozen.import_ids,
        body=body.json_body(),
        diff=[
            FigureChange(figure=path, before=before, after=after).model_dump(mode="json")
            for path, before, after in changes
        ],
        reason=reason or None,
        transmitted_at=now,
        transmitted_by=transmitted_by,
    )
    try:
        with session.begin_nested():
            repository.add(row)
    except IntegrityError as error:  # another request transmitted this version first
        raise Conflict(f"quarter {period.code} was transmitted meanwhile: read it again") from error
    deadline = deadline_of(active_profile(session), period)
    first_at = previous[0].transmitted_at if previous else now
    return _report(row, establishment, deadline, first_at)


def transmitted_version(
    session: Session, establishment: Establishment, period_text: str, version: int | None
) -> TransmittedReport:
    """One version as transmitted (default: the latest); 404 when it does not exist."""
    period = parse_quarter(period_text, "path.period")
    versions = TransmissionRepository(session).versions(establishment.id, period.code)
    if not versions:
        raise NotFound(f"quarter {period.code} has not been transmitted")
    chosen = (
        versions[-1]
        if version is None
        else next((row for row in versions if row.version == version), None)
    )
    if chosen is None:
        raise NotFound(
            f"quarter {period.code} has no version {version} (versions 1 to {len(versions)})"
        )
    deadline = deadline_of(active_profile(session), period)
    return _report(chosen, establishment, deadline, versions[0].transmitted_at)


def transmission_list(
    session: Session, establishment: Establishment, *, now: dt.datetime | None = None
) -> TransmissionList:
    """Every quarter from the first with sessions (or transmitted) to the current one."""
    now = now or utc_now()
    today = today_at(establishment, now)
    repository = TransmissionRepository(session)
    rows = repository.all_versions(establishment.id)
    by_quarter: dict[str, list[Transmission]] = {}
    for row in rows:
        by_quarter.setdefault(row.period_code, []).append(row)
    first = repository.first_session_start(establishment.id)
    starts = [parse_period(code).start for code in by_quarter]
    if first is not None:
        starts.append(today_at(establishment, first))
    current = quarter_of(today)
    quarter = quarter_of(min([*starts, current.start]))
    profile = active_profile(session)
    quarters: list[QuarterStatus] = []
    while quarter.start <= current.start:
        versions = by_quarter.get(quarter.code, [])
        deadline = deadline_of(profile, quarter)
        quarters.append(
            QuarterStatus(
                period=quarter.code,
                start=quarter.start,
                end=quarter.end,
                deadline=deadline,
                status=status_of(len(versions), deadline, today),
                after_deadline=bool(versions) and _after(versions[0].transmitted_at, deadline),
                versions=[
                    VersionSummary(
                        version=row.version,
                        transmitted_at=row.transmitted_at,
                        transmitted_by=row.transmitted_by,
                        reason=row.reason,
                        changed_figures=len(row.diff),
                    )
                    for row in versions
                ],
            )
        )
        quarter = quarter_of(quarter.end)
    return TransmissionList(
        establishment=establishment_ref(establishment), today=today, quarters=quarters
    )


# --- what the ARS and the national level read -----------------------------------------


@dataclass(frozen=True, slots=True)
class QuarterState:
    """One establishment's quarter as the ARS sees it."""

    status: Status
    deadline: dt.date
    version: int | None
    transmitted_at: dt.datetime | None
    after_deadline: bool
    figures: dict[str, Any] | None  # the latest version's body, when transmitted


def quarter_states(
    session: Session,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
    with_figures: bool = True,
) -> dict[int, QuarterState]:
    """Each establishment's status for the quarter and, when transmitted, the latest
    version's figures: drafts are never read."""
    now = now or utc_now()
    deadline = deadline_of(active_profile(session), period)
    repository = TransmissionRepository(session)
    ids = [establishment.id for establishment in establishments]
    latest = repository.latest_for(ids, period.code)
    first = repository.first_transmitted_at(ids, period.code)
    states: dict[int, QuarterState] = {}
    for establishment in establishments:
        found = latest.get(establishment.id)
        today = today_at(establishment, now)
        if found is None:
            states[establishment.id] = QuarterState(
                status_of(0, deadline, today), deadline, None, None, False, None
            )
            continue
        row, version = found
        first_at = first.get(establishment.id, row.transmitted_at)
        states[establishment.id] = QuarterState(
            status_of(version, deadline, today),
            deadline,
            version,
            row.transmitted_at,
            _after(first_at, deadline),
            dict(row.body) if with_figures else None,
        )
    return states
