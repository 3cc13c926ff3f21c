"""An establishment's activity over a period: figures from the rollups, freezes, pathways.

Reads never write: they serve the rollups as last computed by the refresh task
(``ditep_counting.rollups.tasks``) and say ``stale`` when newer data waits for it, with
``computed_at``. Only a freeze (a write) refreshes first, so a frozen period is exact.

``establishment_reports`` computes many establishments at once (the region sums
them); ``activity_report`` is one establishment's body, as the API returns it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from activity_api.activity.repository import API_ORIGIN, ActivityRepository
from activity_api.activity.schemas import (
    ActivityReport,
    EstablishmentRef,
    Frozen,
    ImportSummary,
    Period,
    PeriodChange,
    PeriodDiff,
    TransitionDetail,
    WeeklyReport,
    WeekSurcharges,
    YouthWeekDetail,
)
from activity_api.periods import parse_week
from activity_api.regions.aggregate import flatten as flatten_paths
from ditep_core.models import ComplexityFlag, Establishment, FrozenPeriod, PathwayPeriod, utc_now
from ditep_core.nomenclatures import PathwayStatus, PersonKind
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound
from ditep_core.web.tabular import csv_text
from ditep_counting.engine.figures import build_body, monthly_transitions, totals_from_rollups
from ditep_counting.engine.periods import (
    CountingPeriod,
    PeriodError,
    covering_weeks,
    monday,
    parse_period,
    range_period,
    reference_week,
    week_code,
    week_in_period,
)
from ditep_counting.engine.profile import CountingProfile
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import (
    active_profile,
    ensure_fresh,
    freshness,
    refresh_pathway_flags,
)
from ditep_counting.rollups.totals import RollupTotalsRepository

MAX_PERIOD_DAYS = 366 * 3


def resolve_period(
    period: str | None, start: dt.date | None = None, end: dt.date | None = None
) -> CountingPeriod:
    """``period=2025-Q1`` (or month, ISO week, year, school year) or ``start``/``end``."""
    if period is None and (start is None) != (end is None):
        missing = "start" if start is None else "end"
        raise InvalidRequest(
            f"'{missing}' is required with '{'end' if missing == 'start' else 'start'}'",
            errors=[{"location": f"query.{missing}", "message": "field required"}],
        )
    try:
        if period is not None:
            if start is not None or end is not None:
                raise PeriodError("give either 'period' or 'start' and 'end', not both")
            resolved = parse_period(period)
        elif start is not None and end is not None:
            resolved = range_period(start, end)
        else:
            raise PeriodError("give 'period' (e.g. 2025-Q1) or both 'start' and 'end'")
    except PeriodError as error:
        raise InvalidRequest(
            str(error), errors=[{"location": "query.period", "message": str(error)}]
        ) from error
    if resolved.days > MAX_PERIOD_DAYS:
        raise InvalidRequest(f"a period is at most {MAX_PERIOD_DAYS} days")
    return resolved


def resolve_week(week: str | None, period: CountingPeriod) -> dt.date:
    """The capacity reference week: ``?week=2025-W11``, else the period's last full week."""
    if week is None:
        return reference_week(period)
    return parse_week(week).start


def _utc_bounds(period: CountingPeriod, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(timezone)
    return (
        dt.datetime.combine(period.start, dt.time(), tzinfo=zone).astimezone(dt.UTC),
        dt.datetime.combine(period.end, dt.time(), tzinfo=zone).astimezone(dt.UTC),
    )


def establishment_ref(establishment: Establishment) -> EstablishmentRef:
    return EstablishmentRef(
        finess=establishment.finess,
        name=establishment.name,
        region_code=establishment.region_code,
        department_code=establishment.department_code,
    )


def compute_bodies(
    session: Session,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
    week: dt.date | None = None,
    profile: CountingProfile | None = None,
    quality_by_source: bool = True,
) -> dict[int, ActivityReport]:
    """The figures of each establishment (frozen or not) from its rollups as they are:
    read only, ``stale`` when newer data waits for the refresh task. Weeks never computed
    count nothing yet (``stale``, and ``computed_at`` null if no week ever was).
    ``quality_by_source=False``: ``quality.by_source`` left empty, every other figure the
    same (for areas, which never publish it: 130 sources a 100-youth establishment)."""
    now = now or utc_now()
    profile = profile or active_profile(session)
    week = week or reference_week(period)
    weeks = sorted({*covering_weeks(period.start, period.end), week})
    states = freshness(session, establishments, weeks, now=now, profile=profile)
    ids = [establishment.id for establishment in establishments]
    totals = RollupTotalsRepository(session).totals(
        ids,
        period=period,
        profile=profile,
        reference_week=week,
        quality_by_source=quality_by_source,
    )
    capacities = ActivityRepository(session).capacities(ids)
    bodies: dict[int, ActivityReport] = {}
    for establishment in establishments:
        figures = build_body(
            totals[establishment.id],
            period=period,
            timezone=establishment.timezone,
            profile=profile,
            capacities=capacities[establishment.id],
            reference_week=week,
        )
        bodies[establishment.id] = ActivityReport(
            establishment=establishment_ref(establishment),
            **dict(figures),
            computed_at=states[establishment.id].computed_at,
            stale=states[establishment.id].stale,
            frozen=None,
        )
    return bodies


def establishment_reports(
    session: Session,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
    week: dt.date | None = None,
    quality_by_source: bool = True,
) -> dict[int, ActivityReport]:
    """Each establishment's body for the period; frozen periods are returned as stored
    (validated into the model when read back).

    The multi-establishment entry point (a region sums these bodies): one read of
    rollups, pathways, flags and capacities for all of them. ``quality_by_source=False``
    (the area reads): computed bodies have ``quality.by_source`` empty (see
    ``compute_bodies``); frozen ones keep what was stored.
    """
    frozen = (
        ActivityRepository(session).frozen_bodies([e.id for e in establishments], period.code)
        if week is None
        else {}
    )
    bodies: dict[int, ActivityReport] = {}
    to_compute: list[Establishment] = []
    for establishment in establishments:
        if establishment.id in frozen:
            bodies[establishment.id] = ActivityReport.model_validate(frozen[establishment.id])
        else:
            to_compute.append(establishment)
    if to_compute:
        bodies.update(
            compute_bodies(
                session,
                to_compute,
                period,
                now=now,
                week=week,
                quality_by_source=quality_by_source,
            )
        )
    return bodies


def activity_report(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
    week: dt.date | None = None,
) -> ActivityReport:
    """One establishment's activity body for the period (the API's JSON)."""
    return establishment_reports(session, [establishment], period, now=now, week=week)[
        establishment.id
    ]


def file_active_by_status_per_month(
    session: Session, establishment: Establishment, months: Sequence[CountingPeriod]
) -> dict[str, dict[str, int]]:
    """Each month's ``file_active.by_status`` as the month's body has it (a frozen month as
    stored), for many months in two queries instead of one body per month (the dashboard's
    12-month chart)."""
    frozen = ActivityRepository(session).frozen_bodies_of_periods(
        establishment.id, [month.code for month in months]
    )
    computed = RollupTotalsRepository(session).file_active_by_status_per_month(
        establishment.id, [month for month in months if month.code not in frozen]
    )
    result: dict[str, dict[str, int]] = {}
    for month in months:
        if month.code in frozen:
            stored = ActivityReport.model_validate(frozen[month.code]).file_active.by_status
            result[month.code] = stored.model_dump()
        else:
            result[month.code] = computed[month.code]
    return result


def body_etag(body: dict[str, Any]) -> str:
    """A strong validator of the figures: the JSON body without its computation time."""
    stable = {key: value for key, value in body.items() if key != "computed_at"}
    encoded = json.dumps(stable, sort_keys=True, default=str).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def flatten(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """Dotted paths and leaf values, lists indexed: the CSV form of a body."""
    return list(flatten_paths(body, index_lists=True).items())


def body_csv(body: dict[str, Any]) -> str:
    """The JSON body as ``figure,value`` lines (one per dotted path)."""
    return csv_text(["figure", "value"], flatten(body))


# --- weekly detail ------------------------------------------------------------------


def weekly_detail(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
) -> WeeklyReport:
    """Per young person (pseudonym) and week: minutes, score, band, surcharges; transitions."""
    now = now or utc_now()
    profile = active_profile(session)
    weeks = covering_weeks(period.start, period.end)
    state = freshness(session, [establishment], weeks, now=now, profile=profile)[establishment.id]
    rows = RollupRepository(session).read(
        establishment.id, weeks[0], weeks[-1] + dt.timedelta(days=7)
    )
    repository = ActivityRepository(session)
    flags = repository.complexity([establishment.id], period.start, period.end)[establishment.id]
    period_weeks = [w for w in rows.weeks if week_in_period(w.week_start, period.start, period.end)]
    totals = totals_from_rollups(rows.weeks, rows.days, [], [], period=period, profile=profile)
    changes = monthly_transitions(totals.main_modalities)
    names = repository.pseudonyms(
        [w.person_id for w in period_weeks] + [change[0] for change in changes]
    )
    entries = []
    for youth_week in sorted(period_weeks, key=lambda w: (names[w.person_id], w.week_start)):
        sunday = youth_week.week_start + dt.timedelta(days=6)
        score = profile.score(youth_week.minutes_total)
        entries.append(
            YouthWeekDetail(
                youth=names[youth_week.person_id],
                week=week_code(youth_week.week_start),
                week_start=youth_week.week_start,
                minutes_direct=round(youth_week.minutes_direct, 2),
                minutes_indirect=round(youth_week.minutes_indirect, 2),
                minutes_total=round(youth_week.minutes_total, 2),
                score=score,
                lt_1h=profile.in_lt_band(youth_week.minutes_total),
                surcharges=WeekSurcharges(
                    complexity=score is not None
                    and any(
                        flag.person_id == youth_week.person_id
                        and flag.start <= sunday
                        and (flag.end is None or flag.end >= youth_week.week_start)
                        for flag in flags
                    ),
                    appui_ressources=score is not None and youth_week.has_appui,
                ),
            )
        )
    return WeeklyReport(
        establishment=establishment_ref(establishment),
        period=Period(
            code=period.code,
            start=period.start,
            end=period.end,
            timezone=establishment.timezone,
        ),
        profile_version=profile.version,
        computed_at=state.computed_at,
        stale=state.stale,
        weeks=entries,
        transitions=[
            TransitionDetail(youth=names[person], from_month=month, from_=left, to=entered)
            for person, month, left, entered in changes
        ],
    )


# --- freeze -------------------------------------------------------------------------


def file_active_across(
    session: Session,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
) -> dict[str, int]:
    """The file active of several establishments with one young person followed by two of
    them counted once (``distinct``; ``shared``: the young people counted more than once),
    from the rollups as last computed (read only, like every read).

    The join is on the people's link keys, in the database: never on published
    pseudonyms, which differ from one establishment to another (docs/pseudonymisation.md).
    Not served as such: ``sum - distinct`` counts young people, so a route serving it to
    an ARS must apply the statistical secrecy to it as well.
    """
    total, distinct = ActivityRepository(session).file_active_across(
        [establishment.id for establishment in establishments], period.start, period.end
    )
    return {"sum": total, "distinct": distinct, "shared": total - distinct}


def frozen_now(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    frozen_by: str,
    now: dt.datetime,
) -> ActivityReport:
    """The period's figures computed now, with their freeze (who, when, import ids).
    Freezing and transmitting are writes: the period's rollups are refreshed first, so
    what is frozen is never stale."""
    profile = active_profile(session)
    weeks = sorted({*covering_weeks(period.start, period.end), reference_week(period)})
    ensure_fresh(session, establishment, weeks, now=now, profile=profile)
    body = compute_bodies(session, [establishment], period, now=now, profile=profile)[
        establishment.id
    ]
    start, end = _utc_bounds(period, establishment.timezone)
    import_ids = RollupRepository(session).import_ids_between(establishment.id, start, end)
    body.frozen = Frozen(frozen_at=now, frozen_by=frozen_by, import_ids=import_ids)
    return body


def freeze_period(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    frozen_by: str,
    now: dt.datetime | None = None,
) -> ActivityReport:
    """Store the period's figures with profile, rule sets and import ids; 409 if frozen."""
    repository = ActivityRepository(session)
    if repository.frozen(establishment.id, period.code) is not None:
        raise Conflict(f"period {period.code} is already frozen")
    body = frozen_now(session, establishment, period, frozen_by=frozen_by, now=now or utc_now())
    store_freeze(session, establishment, period, body)
    return body


def store_freeze(
    session: Session, establishment: Establishment, period: CountingPeriod, body: ActivityReport
) -> None:
    """Store (or replace: a corrected transmission) the period's frozen figures."""
    assert body.frozen is not None
    repository = ActivityRepository(session)
    row = repository.frozen(establishment.id, period.code)
    if row is None:
        row = FrozenPeriod(
            establishment_id=establishment.id,
            period_code=period.code,
            start_date=period.start,
            end_date=period.end,
        )
    row.profile_version = body.profile_version
    row.rule_set_versions = body.rule_set_versions
    row.import_ids = body.frozen.import_ids
    row.body = body.json_body()
    row.frozen_at = body.frozen.frozen_at
    row.frozen_by = body.frozen.frozen_by
    repository.add_frozen(row)


IGNORED_IN_DIFF = {"computed_at", "stale", "frozen"}


def changed_figures(
    before: dict[str, Any], after: dict[str, Any], ignored: Iterable[str] = IGNORED_IN_DIFF
) -> list[tuple[str, Any, Any]]:
    """The figures (dotted paths) whose value differs between two bodies: before, after."""
    left_out = set(ignored)
    old = dict(flatten({k: v for k, v in before.items() if k not in left_out}))
    new = dict(flatten({k: v for k, v in after.items() if k not in left_out}))
    return [
        (path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def period_diff(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
) -> PeriodDiff:
    """What a recomputation of a frozen period would change, figure by figure."""
    frozen = ActivityRepository(session).frozen(establishment.id, period.code)
    if frozen is None:
        raise NotFound(f"period {period.code} is not frozen")
    recomputed = compute_bodies(session, [establishment], period, now=now)[establishment.id]
    changes = [
        PeriodChange(figure=path, frozen=before, recomputed=after)
        for path, before, after in changed_figures(frozen.body, recomputed.json_body())
    ]
    return PeriodDiff(
        period=period.code,
        frozen_at=frozen.frozen_at,
        profile_version={"frozen": frozen.profile_version, "now": recomputed.profile_version},
        changed=bool(changes),
        changes=changes,
    )


# --- pathways and complexity flags ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathwayInput:
    youth_id: str
    status: PathwayStatus
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True, slots=True)
class ComplexityInput:
    youth_id: str
    start: dt.date
    end: dt.date | None
    criteria: tuple[str, ...]


_ApiInput = TypeVar("_ApiInput", PathwayInput, ComplexityInput)


def _checked_youth(
    session: Session,
    establishment: Establishment,
    items: Sequence[PathwayInput | ComplexityInput],
    pseudonymiser: Pseudonymiser,
) -> tuple[list[str], dict[str, int]]:
    """Rows checked (none ends before it starts), each young person's pseudonym, and the
    person id of each pseudonym (created when new), as the feeds key them."""
    for index, item in enumerate(items):
        if item.end is not None and item.end < item.start:
            raise InvalidRequest(
                f"row {index}: ends before it starts",
                errors=[{"location": f"body.{index}.end", "message": "before start"}],
            )
    bound = pseudonymiser.for_establishment(establishment.finess)
    keys = [bound.keys(PersonKind.YOUTH, item.youth_id) for item in items]
    pseudonyms = [key.pseudonym for key in keys]
    return pseudonyms, ActivityRepository(session).youth_ids(establishment.id, keys)


def _replace_api_rows(
    session: Session,
    establishment: Establishment,
    items: Sequence[_ApiInput],
    pseudonymiser: Pseudonymiser,
    model: type[PathwayPeriod | ComplexityFlag],
    build: Callable[[_ApiInput, int], PathwayPeriod | ComplexityFlag],
) -> ImportSummary:
    """The establishment's rows of ``model`` set through the API become one per item
    (``build``: the row of an item and its young person's id); the feeds' rows are kept."""
    pseudonyms, ids = _checked_youth(session, establishment, items, pseudonymiser)
    replaced = ActivityRepository(session).replace_api_rows(
        model,
        establishment.id,
        [build(item, ids[pseudonym]) for item, pseudonym in zip(items, pseudonyms, strict=True)],
    )
    return ImportSummary(received=len(items), replaced=replaced, youth=len(ids))


def import_pathways(
    session: Session,
    establishment: Establishment,
    periods: Iterable[PathwayInput],
    pseudonymiser: Pseudonymiser,
) -> ImportSummary:
    """Replace the establishment's API-imported pathway periods (feeds' stays are kept)."""

    def build(item: PathwayInput, person_id: int) -> PathwayPeriod:
        return PathwayPeriod(
            person_id=person_id,
            status=item.status,
            start_date=item.start,
            end_date=item.end,
            origin=API_ORIGIN,
        )

    summary = _replace_api_rows(
        session, establishment, list(periods), pseudonymiser, PathwayPeriod, build
    )
    refresh_pathway_flags(session, establishment)
    return summary


def import_complexity(
    session: Session,
    establishment: Establishment,
    flags: Iterable[ComplexityInput],
    pseudonymiser: Pseudonymiser,
) -> ImportSummary:
    """Replace the establishment's API-set complexity flags."""

    def build(item: ComplexityInput, person_id: int) -> ComplexityFlag:
        return ComplexityFlag(
            person_id=person_id,
            start_date=item.start,
            end_date=item.end,
            criteria=list(item.criteria),
            origin=API_ORIGIN,
        )

    return _replace_api_rows(
        session, establishment, list(flags), pseudonymiser, ComplexityFlag, build
    )


__all__ = ["monday"]
