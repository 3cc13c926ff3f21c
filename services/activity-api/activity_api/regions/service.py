"""An area's activity: every establishment's report through ONE adapter, summed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from activity_api.activity.service import establishment_reports
from activity_api.periods import ReportingPeriod
from activity_api.regions.aggregate import (
    AreaSum,
    CellKey,
    DecisionSource,
    LevelTable,
    SlicedFigures,
    TimeSum,
    publish_levels,
)
from activity_api.regions.repository import AreaRepository
from activity_api.regions.results import IDENTITY_FIELDS, NATIONAL, national_results_table
from activity_api.regions.schemas import (
    Area,
    AreaPeriod,
    AreaReport,
    AreaResults,
    AreaTransmissions,
    EstablishmentRow,
    EstablishmentStatus,
    FiguresRow,
    NationalResults,
    QuarterInfo,
    RegionResultRow,
    ResultRow,
    Secrecy,
    TransmissionShare,
)
from activity_api.secrecy.repository import StoredDecisions
from activity_api.transmissions.service import QuarterState, deadline_of, quarter_states
from ditep_core.auth.access import may_read_department, may_read_region
from ditep_core.auth.principal import Principal
from ditep_core.geography import REGIONS, region_of_department
from ditep_core.models import Establishment, utc_now
from ditep_core.reports import ActivityReport
from ditep_core.web.problems import Forbidden, NotFound
from ditep_counting.engine.periods import parse_period
from ditep_counting.rollups.service import active_profile

SECRECY_RULE = (
    "Toute valeur comptant des jeunes inférieure au seuil est masquée (null), ainsi que "
    "les valeurs nécessaires pour qu'aucune ne puisse être recalculée à partir des "
    "totaux, sous-totaux et autres lignes publiées pour la période, dans cette réponse "
    "ou une autre (région et départements, national et régions, trimestre et mois, "
    "total et modalités, résultats transmis) : secret secondaire décidé une seule fois."
)


# What an area never publishes of an establishment's body: its identity, and the
# per-source quality (a list of objects, which the sum leaves out).
_NOT_SUMMED: Any = {**dict.fromkeys(IDENTITY_FIELDS, True), "quality": {"by_source": True}}


Figures = tuple[dict[int, dict[str, Any]], bool]
"""Each establishment's flat figures by id, and whether any of them is stale."""


def establishment_figures(
    session: Session,
    establishments: Sequence[Establishment],
    period: ReportingPeriod,
    reports: Mapping[int, ActivityReport] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Figures:
    """Each establishment's figures for the period (frozen ones as stored), without the
    per-source quality: the ONE call into the counting, one read of the rollups for all
    of them (``reports``: already read by the caller, e.g. for the indicators of the same
    download); and whether any of them is stale (newer data waiting for the refresh
    task)."""
    bodies = (
        reports
        if reports is not None
        else establishment_reports(
            session, establishments, period, now=now, quality_by_source=False
        )
    )
    figures = {
        establishment_id: body.model_dump(mode="json", by_alias=True, exclude=_NOT_SUMMED)
        for establishment_id, body in bodies.items()
    }
    return figures, any(body.stale for body in bodies.values())


def resolve_area(principal: Principal, kind: str, code: str) -> Area:
    """The area, if the key may see it: 403 outside its regions or departments, 404 for
    unknown codes (403 for a restricted key, which cannot probe codes)."""
    code = code.strip().upper()
    region = code if kind == "region" else region_of_department(code)
    if region is not None:
        allowed = (
            may_read_region(principal, region)
            if kind == "region"
            else may_read_department(principal, code, region)
        )
        if not allowed:
            raise Forbidden(f"this API key is not allowed to read {kind} {code}")
    if region is None or region not in REGIONS:
        if not principal.is_unrestricted:
            raise Forbidden(f"this API key is not allowed to read {kind} {code}")
        raise NotFound(f"no {kind} with INSEE code {code}")
    name = REGIONS[region] if kind == "region" else None
    return Area(
        kind="region" if kind == "region" else "department",
        code=code,
        name=name,
        region_code=region,
    )


def _months_of(period: ReportingPeriod) -> list[ReportingPeriod]:
    months: list[ReportingPeriod] = []
    day = period.start
    while day < period.end:
        months.append(parse_period(f"{day.year}-{day.month:02d}"))
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _quarter_of(month: ReportingPeriod) -> ReportingPeriod:
    return parse_period(f"{month.start.year}-Q{(month.start.month - 1) // 3 + 1}")


def family_of(period: ReportingPeriod) -> tuple[list[ReportingPeriod], list[TimeSum]]:
    """The periods published together with ``period``, decided at once: a month or a
    quarter comes with its quarter and the quarter's three months (quarter − months).
    A calendar or school year comes with its months, their quarters and (a school year)
    the calendar years it straddles, whose decisions are taken as given
    (``year_context``): year − quarters, year − months, school year − calendar years."""
    code = period.code
    if len(code) == 7 and code[4] == "-" and code[5:].isdigit():  # a month
        quarter = _quarter_of(period)
    elif code[4:6] == "-Q":
        quarter = period
    elif not _is_year(period):
        return [period], []
    else:
        months = _months_of(period)
        quarters = list({_quarter_of(month).code: _quarter_of(month) for month in months}.values())
        years = (
            []
            if len(code) == 4
            else [
                parse_period(str(year))
                for year in (
                    period.start.year,
                    period.start.year + 1,
                )
            ]
        )
        members = {m.code: m for m in months}
        for year in years:
            members |= {m.code: m for m in _months_of(year)}
            quarters += [q for q in (_quarter_of(m) for m in _months_of(year)) if q not in quarters]
        quarters = list({q.code: q for q in quarters}.values())
        sums = [TimeSum(code, tuple(m.code for m in months))]
        sums += [TimeSum(y.code, tuple(m.code for m in _months_of(y))) for y in years]
        sums += [TimeSum(q.code, tuple(m.code for m in _months_of(q))) for q in quarters]
        return [period, *years, *quarters, *members.values()], sums
    months = _months_of(quarter)
    return [quarter, *months], [TimeSum(quarter.code, tuple(month.code for month in months))]


def _is_year(period: ReportingPeriod) -> bool:
    """A calendar year (``2025``) or a school year (``2024-2025``)."""
    code = period.code
    return period.whole_months and (
        (len(code) == 4 and code.isdigit())
        or (len(code) == 9 and code[4] == "-" and code[:4].isdigit() and code[5:].isdigit())
    )


def year_context(
    session: Session,
    region_code: str,
    period: ReportingPeriod,
    *,
    threshold: int,
    now: dt.datetime,
    decisions: DecisionSource | None = None,
    memo: FamilyMemo | None = None,
) -> tuple[set[CellKey], set[CellKey]]:
    """What the families a year depends on decided (hidden, published): the quarter
    families of every month it or its calendar years hold, and for a school year the two
    calendar years it straddles. Decided first and taken as given, so that the quarter
    and calendar-year responses never change when a school year is read."""
    hidden: set[CellKey] = set()
    known: set[CellKey] = set()
    periods, _ = family_of(period)
    depends = [p for p in periods if p.code[4:6] == "-Q"]
    if len(period.code) != 4:  # a school year: its calendar years first
        depends += [p for p in periods[1:] if len(p.code) == 4]
    for member in depends:
        table, _, _ = region_activity_table(
            session,
            region_code,
            member,
            threshold=threshold,
            now=now,
            decisions=decisions,
            memo=memo,
        )
        hidden |= table.suppressed
        known |= table.published
    return hidden, known


def activity_family(region_code: str, period_code: str) -> str:
    """The stored decisions' name of a region's activity table (a quarter with its
    months, or a year)."""
    return f"activity:{region_code}:{period_code}"


def _department_areas(
    prefix: str, establishments: Sequence[Establishment], members: set[str] | None = None
) -> list[AreaSum]:
    by_department: dict[str, list[str]] = {}
    for establishment in establishments:
        if members is None or establishment.finess in members:
            by_department.setdefault(establishment.department_code, []).append(establishment.finess)
    return [
        AreaSum(f"{prefix}department:{code}", tuple(finesses))
        for code, finesses in sorted(by_department.items())
    ]


# A region's family table, its establishments, and whether any of their bodies is stale.
RegionFamily = tuple[LevelTable, Sequence[Establishment], bool]


@dataclass
class FamilyMemo:
    """What one read (a request, a task's unit of work) has built of the families already.
    A year's family depends on its quarters' families and a school year's on its two
    calendar years', which hold the same quarters again: without it, one school year read
    counts each month of each establishment four times over (and its earlier year, for
    the indicators' comparison, shares a calendar year with it)."""

    tables: dict[tuple[str, str], RegionFamily] = field(default_factory=dict)
    figures: dict[tuple[tuple[int, ...], str], Figures] = field(default_factory=dict)


def region_activity_table(
    session: Session,
    region_code: str,
    period: ReportingPeriod,
    *,
    threshold: int,
    now: dt.datetime,
    reports: Mapping[int, ActivityReport] | None = None,
    decisions: DecisionSource | None = None,
    memo: FamilyMemo | None = None,
) -> RegionFamily:
    """The region's ARS activity for the period's family, decided once: every
    establishment, every department and the region, for the quarter and its months;
    for a quarter, the transmitted results of the region (regions.results) too, whose
    decisions hold here (their hidden cells stay hidden, their published ones are known).
    Each decision is looked up in ``decisions`` (default: the stored ones, written by
    the ``secrecy.decide`` task) before it is decided in the process. ``memo``: the
    families and figures this read has built already, all with the same ``threshold``,
    ``now`` and ``decisions`` (default: a new one).
    """
    memo = FamilyMemo() if memo is None else memo
    built = memo.tables.get((region_code, period.code))
    if built is not None:
        return built
    if decisions is None:
        decisions = StoredDecisions(session)
    establishments = AreaRepository(session).establishments_in_region(region_code)
    periods, time_sums = family_of(period)
    rows: list[SlicedFigures] = []
    stale = False
    # The caller's bodies of the period itself, when they cover the whole region.
    read_already = (
        reports if reports is not None and all(e.id in reports for e in establishments) else None
    )
    ids = tuple(establishment.id for establishment in establishments)
    for member in periods:
        counted = memo.figures.get((ids, member.code))
        if counted is None:
            counted = establishment_figures(
                session,
                establishments,
                member,
                read_already if member.code == period.code else None,
                now=now,
            )
            memo.figures[(ids, member.code)] = counted
        figures, member_stale = counted
        stale = stale or member_stale
        rows += [
            SlicedFigures(establishment.finess, member.code, figures[establishment.id])
            for establishment in establishments
        ]
    departments = _department_areas("", establishments)
    areas = [
        AreaSum(
            f"region:{region_code}",
            tuple(e.finess for e in establishments),
            parts=tuple(area.area for area in departments),
        ),
        *departments,
    ]
    hidden: set[CellKey] = set()
    known: set[CellKey] = set()
    quarter = periods[0]
    if _is_year(period):
        hidden, known = year_context(
            session,
            region_code,
            period,
            threshold=threshold,
            now=now,
            decisions=decisions,
            memo=memo,
        )
    elif time_sums or quarter.code[4:6] == "-Q":
        results = national_results_table(
            session, quarter, threshold=threshold, now=now, decisions=decisions
        )
        transmitted = {
            finess
            for finess, code in results.transmitted
            if finess in {e.finess for e in establishments} and code == region_code
        }
        result_departments = _department_areas("results:", establishments, transmitted)
        areas += [
            AreaSum(
                f"results:region:{region_code}",
                tuple(sorted(transmitted)),
                parts=tuple(area.area for area in result_departments),
                periods=(quarter.code,),
            ),
            *[
                AreaSum(area.area, area.members, periods=(quarter.code,))
                for area in result_departments
            ],
        ]
        for row_id, code, path in results.table.suppressed | results.table.published:
            if (
                row_id in transmitted
                or row_id.startswith("department:")
                or row_id == (f"region:{region_code}")
            ):
                local = row_id if row_id in transmitted else f"results:{row_id}"
                target = hidden if (row_id, code, path) in results.table.suppressed else known
                target.add((local, code, path))
    table = publish_levels(
        rows,
        areas,
        threshold=threshold,
        time_sums=time_sums,
        hidden_elsewhere=hidden,
        published_elsewhere=known,
        family=activity_family(region_code, quarter.code),
        source=decisions,
    )
    memo.tables[(region_code, period.code)] = (table, establishments, stale)
    return table, establishments, stale


def area_report(
    session: Session,
    area: Area,
    period: ReportingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
    reports: Mapping[int, ActivityReport] | None = None,
    family: RegionFamily | None = None,
) -> AreaReport:
    """A region's or a department's activity: a slice of the region's family table
    (``family``: that table for the period, when the caller has built it already with
    the same ``threshold`` and ``now``)."""
    now = now or utc_now()
    if threshold is None:
        threshold = active_profile(session).suppression_threshold
    table, establishments, stale = family or region_activity_table(
        session, area.region_code, period, threshold=threshold, now=now, reports=reports
    )
    if area.kind == "department":
        establishments = [e for e in establishments if e.department_code == area.code]
    total = table.row(f"{area.kind}:{area.code}", period.code)
    rows = [(e, table.row(e.finess, period.code)) for e in establishments]
    return AreaReport(
        area=area,
        period=AreaPeriod(label=period.code, start=period.start, end=period.end),
        computed_at=now,
        stale=stale,
        secrecy=Secrecy(threshold=threshold, rule=SECRECY_RULE),
        establishment_count=len(rows),
        not_aggregated=table.not_aggregated,
        totals=FiguresRow(figures=total.figures, suppressed=total.suppressed),
        establishments=[
            EstablishmentRow(
                finess=establishment.finess,
                name=establishment.name,
                department_code=establishment.department_code,
                figures=published.figures,
                suppressed=published.suppressed,
            )
            for establishment, published in rows
        ],
    )


def figures_csv(
    identity_columns: list[str], rows: list[tuple[list[object], FiguresRow]]
) -> tuple[list[str], list[list[object]]]:
    """One line per row: identity, then every published figure (empty when hidden), then
    the suppressed paths; the columns are every figure path, in the order first met."""
    flats = [(identity, row.flat_figures(), row.suppressed) for identity, row in rows]
    # Every path in the order first met (a dict: membership in constant time).
    columns = list(dict.fromkeys(path for _, flat, _ in flats for path in flat))
    lines = [
        [
            *identity,
            *[";".join(v) if isinstance(v := flat.get(path), list) else v for path in columns],
            ";".join(suppressed),
        ]
        for identity, flat, suppressed in flats
    ]
    return [*identity_columns, *columns, "suppressed"], lines


def csv_rows(report: AreaReport) -> tuple[list[str], list[list[object]]]:
    """One line per establishment, then the total; suppressed cells are empty."""
    rows: list[tuple[list[object], FiguresRow]] = [
        ([row.finess, row.name, row.department_code], row) for row in report.establishments
    ]
    rows.append((["TOTAL", report.area.name or report.area.code, ""], report.totals))
    return figures_csv(["finess", "name", "department_code"], rows)


# --- transmitted results and statuses (issue 16) ----------------------------------------


def _share(states: Sequence[QuarterState]) -> TransmissionShare:
    sent = sum(1 for state in states if state.version is not None)
    return TransmissionShare(
        establishments=len(states),
        transmitted=sent,
        share=round(sent / len(states), 4) if states else None,
    )


def _quarter_info(period: ReportingPeriod, deadline: dt.date) -> QuarterInfo:
    return QuarterInfo(label=period.code, start=period.start, end=period.end, deadline=deadline)


def _in_area(establishment: Establishment, area: Area) -> bool:
    if area.kind == "region":
        return establishment.region_code == area.code
    return establishment.department_code == area.code


def _status(establishment: Establishment, state: QuarterState) -> EstablishmentStatus:
    return EstablishmentStatus(
        finess=establishment.finess,
        name=establishment.name,
        department_code=establishment.department_code,
        status=state.status,
        version=state.version,
        transmitted_at=state.transmitted_at,
        after_deadline=state.after_deadline,
        marked_late_at=state.marked_late_at,
    )


def area_transmissions(
    session: Session, area: Area, period: ReportingPeriod, *, now: dt.datetime | None = None
) -> AreaTransmissions:
    """Every establishment of the area with its status for the quarter: no figure."""
    repository = AreaRepository(session)
    establishments = (
        repository.establishments_in_region(area.code)
        if area.kind == "region"
        else repository.establishments_in_department(area.code)
    )
    states = quarter_states(session, establishments, period, now=now, with_figures=False)
    deadline = deadline_of(active_profile(session), period)
    return AreaTransmissions(
        area=area,
        period=_quarter_info(period, deadline),
        transmissions=_share(list(states.values())),
        establishments=[_status(e, states[e.id]) for e in establishments],
    )


def area_results(
    session: Session,
    area: Area,
    period: ReportingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
) -> AreaResults:
    """A region's or a department's results: a slice of the quarter's national table."""
    now = now or utc_now()
    if threshold is None:
        threshold = active_profile(session).suppression_threshold
    results = national_results_table(session, period, threshold=threshold, now=now)
    members = [e for e in results.establishments if _in_area(e, area)]
    total = results.table.row(f"{area.kind}:{area.code}", period.code)
    deadline = deadline_of(active_profile(session), period)
    rows: list[ResultRow] = []
    for establishment in members:
        state = results.states[establishment.id]
        published = results.table.row(establishment.finess, period.code)
        rows.append(
            ResultRow(
                **_status(establishment, state).model_dump(),
                figures=published.figures if state.figures is not None else {},
                suppressed=published.suppressed,
            )
        )
    return AreaResults(
        area=area,
        period=_quarter_info(period, deadline),
        computed_at=now,
        secrecy=Secrecy(threshold=threshold, rule=SECRECY_RULE),
        transmissions=_share([results.states[e.id] for e in members]),
        not_aggregated=results.table.not_aggregated,
        totals=FiguresRow(figures=total.figures, suppressed=total.suppressed),
        establishments=rows,
    )


def national_results(
    session: Session,
    period: ReportingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
) -> NationalResults:
    """One row per region (with establishments) and the national total."""
    now = now or utc_now()
    if threshold is None:
        threshold = active_profile(session).suppression_threshold
    results = national_results_table(session, period, threshold=threshold, now=now)
    deadline = deadline_of(active_profile(session), period)
    by_region: dict[str, list[QuarterState]] = {}
    for establishment in results.establishments:
        by_region.setdefault(establishment.region_code, []).append(results.states[establishment.id])
    total = results.table.row(NATIONAL, period.code)
    regions: list[RegionResultRow] = []
    for code, states in sorted(by_region.items()):
        published = results.table.row(f"region:{code}", period.code)
        regions.append(
            RegionResultRow(
                region_code=code,
                name=REGIONS.get(code, code),
                transmissions=_share(states),
                figures=published.figures,
                suppressed=published.suppressed,
            )
        )
    return NationalResults(
        period=_quarter_info(period, deadline),
        computed_at=now,
        secrecy=Secrecy(threshold=threshold, rule=SECRECY_RULE),
        transmissions=_share(list(results.states.values())),
        not_aggregated=results.table.not_aggregated,
        totals=FiguresRow(figures=total.figures, suppressed=total.suppressed),
        regions=regions,
    )


def may_read_national(principal: Principal) -> None:
    """National results: keys bound to no region, department or establishment (ARS keys
    reading every region, unbound admin keys)."""
    if not principal.is_unrestricted:
        raise Forbidden("national results are for keys bound to no region (or admin keys)")
