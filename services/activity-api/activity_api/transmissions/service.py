"""Transmitting a quarter, its versions and statuses (transmission.md §1). Never commits.

- Version 1 freezes the quarter (counting.md §6): the frozen figures, if the quarter was
  frozen before, else the figures computed now, frozen with it.
- A later version (a correction) needs a reason; it recomputes the figures, stores them
  with their diff to the version before and replaces the freeze, so that the
  establishment's own ``/activity`` serves what was last transmitted. Unchanged: 409.
- Status of a quarter, at a moment: ``transmitted`` (one version), ``corrected`` (two or
  more), ``late`` (not transmitted, its deadline passed in French time, or recorded late),
  else ``draft``. A quarter transmitted after its deadline keeps
  ``transmitted``/``corrected`` and says so in ``after_deadline``: the ARS sees its
  figures, and that they came late.
- Late marking (``mark_late``, run daily by the ``transmissions.mark_late`` task): each
  quarter whose deadline passed without a transmission is recorded once in
  ``transmission_late``, audited, and kept after a late transmission. The reads take the
  record into account, so what they say late is what the task recorded (once it has run:
  before, the reads already say late from the deadline).
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
from ditep_core.audit.service import AuditScope, record_task_action
from ditep_core.models import Establishment, Transmission, TransmissionLate, utc_now
from ditep_core.tasks.dispatch import defer_after_commit
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound
from ditep_counting.engine.periods import CountingPeriod, parse_period
from ditep_counting.engine.profile import CountingProfile
from ditep_counting.rollups.service import SECRECY_TASK, active_profile

# Not figures: who computed or froze them, and the establishment's name.
NOT_FIGURES = frozenset({"computed_at", "frozen", "establishment"})
# The background task recording late quarters (activity_api.transmissions.tasks).
LATE_TASK = "transmissions.mark_late"
# The deadline is a whole day in French time, wherever the establishment is.
DEADLINE_TIME = ZoneInfo("Europe/Paris")


def today_at(establishment: Establishment, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(establishment.timezone)).date()


def quarter_of(day: dt.date) -> CountingPeriod:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def deadline_of(profile: CountingProfile, period: CountingPeriod) -> dt.date:
    return profile.transmission_deadline(period.end)


def deadline_passed(deadline: dt.date, at: dt.datetime) -> bool:
    """Whether the deadline day was over at ``at`` (in French time: on the day is on time)."""
    return at.astimezone(DEADLINE_TIME).date() > deadline


def status_of(
    versions: int, deadline: dt.date, now: dt.datetime, *, marked_late: bool = False
) -> Status:
    if versions > 1:
        return "corrected"
    if versions == 1:
        return "transmitted"
    return "late" if marked_late or deadline_passed(deadline, now) else "draft"


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


def _info(
    row: Transmission, deadline: dt.date, first_at: dt.datetime, marked_late: bool
) -> TransmissionInfo:
    return TransmissionInfo(
        version=row.version,
        transmitted_at=row.transmitted_at,
        transmitted_by=row.transmitted_by,
        reason=row.reason,
        profile_version=row.profile_version,
        ruleset_versions=list(row.rule_set_versions),
        import_ids=list(row.import_ids),
        deadline=deadline,
        after_deadline=_after(first_at, deadline, marked_late),
    )


def _after(first_at: dt.datetime, deadline: dt.date, marked_late: bool) -> bool:
    """Whether a transmitted quarter came late: first transmitted after its deadline, or
    recorded late before it was (the record is kept; the deadline may have moved since)."""
    return marked_late or deadline_passed(deadline, first_at)


def _report(
    row: Transmission,
    establishment: Establishment,
    deadline: dt.date,
    first_at: dt.datetime,
    marked_late: bool,
) -> TransmittedReport:
    body = ActivityReport.model_validate(row.body).model_dump(by_alias=True)
    body["establishment"] = establishment_ref(establishment)
    return TransmittedReport.model_validate(
        {
            **body,
            "transmission": _info(row, deadline, first_at, marked_late),
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
    # The quarter's results (every level) changed: their secrecy is decided again, ahead
    # of the reads (activity_api.secrecy.tasks).
    defer_after_commit(session, SECRECY_TASK, period=period.code)
    deadline = deadline_of(active_profile(session), period)
    first_at = previous[0].transmitted_at if previous else now
    marked = period.code in repository.late_marks(establishment.id)
    return _report(row, establishment, deadline, first_at, marked)


def transmitted_version(
    session: Session, establishment: Establishment, period_text: str, version: int | None
) -> TransmittedReport:
    """One version as transmitted (default: the latest); 404 when it does not exist."""
    period = parse_quarter(period_text, "path.period")
    repository = TransmissionRepository(session)
    versions = repository.versions(establishment.id, period.code)
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
    marked = period.code in repository.late_marks(establishment.id)
    return _report(chosen, establishment, deadline, versions[0].transmitted_at, marked)


def transmission_list(
    session: Session, establishment: Establishment, *, now: dt.datetime | None = None
) -> TransmissionList:
    """Every quarter from the first with sessions (or transmitted) to the current one."""
    now = now or utc_now()
    today = today_at(establishment, now)
    repository = TransmissionRepository(session)
    by_quarter = _versions_by_quarter(repository, establishment.id)
    marks = repository.late_marks(establishment.id)
    profile = active_profile(session)
    quarters: list[QuarterStatus] = []
    for quarter in _quarters(repository, establishment, by_quarter, today):
        versions = by_quarter.get(quarter.code, [])
        deadline = deadline_of(profile, quarter)
        mark = marks.get(quarter.code)
        quarters.append(
            QuarterStatus(
                period=quarter.code,
                start=quarter.start,
                end=quarter.end,
                deadline=deadline,
                status=status_of(len(versions), deadline, now, marked_late=mark is not None),
                after_deadline=bool(versions)
                and _after(versions[0].transmitted_at, deadline, mark is not None),
                marked_late_at=None if mark is None else mark.marked_at,
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
    return TransmissionList(
        establishment=establishment_ref(establishment), today=today, quarters=quarters
    )


def _versions_by_quarter(
    repository: TransmissionRepository, establishment_id: int
) -> dict[str, list[Transmission]]:
    by_quarter: dict[str, list[Transmission]] = {}
    for row in repository.all_versions(establishment_id):
        by_quarter.setdefault(row.period_code, []).append(row)
    return by_quarter


def _quarters(
    repository: TransmissionRepository,
    establishment: Establishment,
    by_quarter: dict[str, list[Transmission]],
    today: dt.date,
) -> list[CountingPeriod]:
    """The establishment's quarters: from the first with sessions (or transmitted) to the
    current one."""
    first = repository.first_session_start(establishment.id)
    starts = [parse_period(code).start for code in by_quarter]
    if first is not None:
        starts.append(today_at(establishment, first))
    current = quarter_of(today)
    quarter = quarter_of(min([*starts, current.start]))
    quarters: list[CountingPeriod] = []
    while quarter.start <= current.start:
        quarters.append(quarter)
        quarter = quarter_of(quarter.end)
    return quarters


# --- late quarters, recorded by the transmissions.mark_late task ----------------------


@dataclass(frozen=True, slots=True)
class LateQuarter:
    """A quarter whose deadline passed without a transmission."""

    period: str
    deadline: dt.date
    transmitted_late: bool  # transmitted since, after its deadline


def late_quarters(
    session: Session, establishment: Establishment, *, now: dt.datetime
) -> list[LateQuarter]:
    """The establishment's quarters (those its list shows) whose deadline had passed at
    ``now`` with no transmission by then: not transmitted, or first transmitted late."""
    repository = TransmissionRepository(session)
    by_quarter = _versions_by_quarter(repository, establishment.id)
    profile = active_profile(session)
    late: list[LateQuarter] = []
    for quarter in _quarters(repository, establishment, by_quarter, today_at(establishment, now)):
        deadline = deadline_of(profile, quarter)
        if not deadline_passed(deadline, now):
            continue
        versions = by_quarter.get(quarter.code, [])
        if versions and not deadline_passed(deadline, versions[0].transmitted_at):
            continue  # transmitted on time: never late
        late.append(LateQuarter(quarter.code, deadline, transmitted_late=bool(versions)))
    return late


def mark_late(
    session: Session, establishment: Establishment, *, now: dt.datetime | None = None
) -> list[LateQuarter]:
    """Record the establishment's late quarters not recorded yet, each with its audit event
    (in this unit of work); the quarters newly recorded. Running it again records nothing."""
    now = now or utc_now()
    repository = TransmissionRepository(session)
    marked: list[LateQuarter] = []
    for quarter in late_quarters(session, establishment, now=now):
        if not repository.mark_late(establishment.id, quarter.period, quarter.deadline, now):
            continue
        record_task_action(
            session,
            LATE_TASK,
            f"{quarter.period} late (deadline {quarter.deadline.isoformat()}"
            + (", transmitted after it)" if quarter.transmitted_late else ", not transmitted)"),
            scope=AuditScope("establishment", establishment.finess),
        )
        marked.append(quarter)
    return marked


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
    marked_late_at: dt.datetime | None = None  # when the late-marking task recorded it


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
    marks = repository.late_marks_for(ids, period.code)
    states: dict[int, QuarterState] = {}
    for establishment in establishments:
        found = latest.get(establishment.id)
        mark: TransmissionLate | None = marks.get(establishment.id)
        marked = mark is not None
        marked_at = None if mark is None else mark.marked_at
        if found is None:
            states[establishment.id] = QuarterState(
                status_of(0, deadline, now, marked_late=marked),
                deadline,
                None,
                None,
                False,
                None,
                marked_at,
            )
            continue
        row, version = found
        first_at = first.get(establishment.id, row.transmitted_at)
        states[establishment.id] = QuarterState(
            status_of(version, deadline, now),
            deadline,
            version,
            row.transmitted_at,
            _after(first_at, deadline, marked),
            dict(row.body) if with_figures else None,
            marked_at,
        )
    return states
