"""Steering indicators for a period and the same period one year earlier.

The figures come from the activity bodies (``activity.service.establishment_reports``:
the same rollups, frozen periods as stored) and the few extra counts of
``ditep_counting.rollups.indicators``; the computation is the counting's
(``ditep_counting.engine.indicators``). For an area, the establishments' figures are
summed and protected by the statistical secrecy (``regions.aggregate``: one table,
establishments and total, primary and secondary suppression), and only the total reaches
the indicators. The counts the area activity route publishes too (the activity body's
figures) then follow the cross-level decision of the period's family
(``regions.service.region_activity_table``: region, departments, quarter and months,
transmitted results): what ``/activity`` hides for the area, the indicators hide, what it
publishes they publish alike, so no difference of indicators and activity tables
(region − department, national − regions) recovers a hidden cell. The national level
hides a figure that any region's total hides (the nation is the sum of its regions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from activity_api.activity.repository import ActivityRepository
from activity_api.activity.service import establishment_reports
from activity_api.indicators.schemas import (
    Indicator,
    IndicatorPeriod,
    IndicatorScope,
    IndicatorSecrecy,
    IndicatorsReport,
    IndicatorValue,
    Measure,
)
from activity_api.regions.aggregate import (
    EstablishmentFigures,
    aggregate,
    flatten,
    unflatten,
)
from activity_api.regions.repository import AreaRepository
from activity_api.regions.schemas import Area, AreaReport
from activity_api.regions.service import (
    SECRECY_RULE,
    FamilyMemo,
    RegionFamily,
    area_report,
    region_activity_table,
)
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment, utc_now
from ditep_core.reports import ActivityReport
from ditep_core.web.problems import Forbidden, InvalidRequest
from ditep_counting.engine.indicators import (
    CATALOGUE,
    SUPPRESSED,
    IndicatorInputs,
    Value,
    compute_indicators,
    stale_reference,
    year_before,
)
from ditep_counting.engine.periods import CountingPeriod, PeriodError
from ditep_counting.rollups.indicators import IndicatorRepository
from ditep_counting.rollups.service import active_profile

# The parts of the activity body the indicators read (ditep_counting.engine.indicators).
# Lists (per-source quality) are left out by the sum anyway.
_READ_FIELDS: Any = {
    "file_active": True,
    "multi_modality": {"youth"},
    "transitions": True,
    "units": True,
    "hours": {"direct", "indirect", "by_activity", "appui_ressources_unlinked"},
    "quality": {
        "received",
        "counted",
        "unclassified",
        "not_validated",
        "without_participants",
    },
}


@dataclass(frozen=True, slots=True)
class EstablishmentInputs:
    figures: dict[str, Any]  # the body's counts and the extras, nested
    waiting_days: list[int]
    support_days: list[int]
    profile_version: str
    rule_set_versions: list[str]
    stale: bool  # newer data waits for the refresh task (the body's flag)


def _numbers(flat: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {
        path: value
        for path, value in flat.items()
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool))
    }


def gather(
    session: Session,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
    *,
    now: dt.datetime,
    bodies: Mapping[int, ActivityReport] | None = None,
) -> dict[int, EstablishmentInputs]:
    """Each establishment's counts for the period: its activity body (``bodies`` when the
    caller has them already) and the extras."""
    if not establishments:
        return {}
    if bodies is None:
        bodies = establishment_reports(
            session, establishments, period, now=now, quality_by_source=False
        )
    # The extras read the rollups as the refresh task last computed them (a read never
    # recomputes: the activity bodies say whether newer data is waiting).
    ids = [establishment.id for establishment in establishments]
    extras = IndicatorRepository(session).extras(
        ids,
        period=period,
        capacities=ActivityRepository(session).capacities(ids),
        today=now.date(),
        stale_at=stale_reference(period, now),
    )
    result: dict[int, EstablishmentInputs] = {}
    for establishment in establishments:
        body = bodies[establishment.id]
        # Only the figures the indicators read: the area's secrecy table stays small.
        dump = body.model_dump(mode="json", by_alias=True, include=_READ_FIELDS)
        extra = extras[establishment.id]
        result[establishment.id] = EstablishmentInputs(
            figures={**dump, **unflatten(extra.figures)},
            waiting_days=extra.waiting_days,
            support_days=extra.support_days,
            profile_version=body.profile_version,
            rule_set_versions=body.rule_set_versions,
            stale=body.stale,
        )
    return result


def _shifted(period: CountingPeriod) -> CountingPeriod:
    try:
        return year_before(period)
    except PeriodError as error:
        raise InvalidRequest(
            str(error), errors=[{"location": "query.period", "message": str(error)}]
        ) from error


def _period(period: CountingPeriod) -> IndicatorPeriod:
    return IndicatorPeriod(code=period.code, start=period.start, end=period.end)


def _report(
    scope: IndicatorScope,
    period: CountingPeriod,
    earlier: CountingPeriod,
    current: dict[str, dict[str, Value]],
    previous: dict[str, dict[str, Value]],
    *,
    profile_version: str,
    rule_set_versions: list[str],
    now: dt.datetime,
    secrecy: IndicatorSecrecy | None,
    stale: bool,
) -> IndicatorsReport:
    indicators: list[Indicator] = []
    suppressed: list[str] = []
    for spec in CATALOGUE:
        measures: list[Measure] = []
        for measure in spec.measures:
            value = current[spec.code][measure.code]
            before = previous[spec.code][measure.code]
            if SUPPRESSED in (value.reason, before.reason):
                suppressed.append(f"{spec.code}.{measure.code}")
            measures.append(
                Measure(
                    code=measure.code,
                    label=measure.label,
                    unit=measure.unit,
                    value=value.value,
                    reason=value.reason,
                    year_before=IndicatorValue(
                        value=before.value,
                        reason=before.reason,
                    ),
                )
            )
        indicators.append(
            Indicator(
                code=spec.code, label=spec.label, definition=spec.definition, measures=measures
            )
        )
    return IndicatorsReport(
        scope=scope,
        period=_period(period),
        year_before_period=_period(earlier),
        profile_version=profile_version,
        rule_set_versions=rule_set_versions,
        computed_at=now,
        stale=stale,
        secrecy=secrecy,
        suppressed=suppressed,
        indicators=indicators,
    )


def establishment_indicators(
    session: Session,
    establishment: Establishment,
    period: CountingPeriod,
    *,
    now: dt.datetime | None = None,
    report: ActivityReport | None = None,
) -> IndicatorsReport:
    """One establishment's indicators, exact (its own keys: no statistical secrecy);
    ``report``: its activity body for the period, when the caller has it already."""
    now = now or utc_now()
    earlier = _shifted(period)
    values = []
    versions: tuple[str, list[str]] = ("", [])
    stale = False
    for index, which in enumerate((period, earlier)):
        known = {establishment.id: report} if report is not None and index == 0 else None
        inputs = gather(session, [establishment], which, now=now, bodies=known)[establishment.id]
        stale = stale or inputs.stale
        if index == 0:
            versions = (inputs.profile_version, inputs.rule_set_versions)
        values.append(
            compute_indicators(
                IndicatorInputs(
                    figures=_numbers(flatten(inputs.figures)),
                    waiting_days=inputs.waiting_days,
                    support_days=inputs.support_days,
                )
            )
        )
    return _report(
        IndicatorScope(kind="establishment", code=establishment.finess, name=establishment.name),
        period,
        earlier,
        values[0],
        values[1],
        profile_version=versions[0],
        rule_set_versions=versions[1],
        now=now,
        secrecy=None,
        stale=stale,
    )


def may_read_national(principal: Principal) -> None:
    """National figures: keys bound to no establishment, region nor department (unbound
    ARS and admin keys); an admin key bound somewhere stays bound."""
    if not principal.is_unrestricted:
        raise Forbidden("national figures are for keys bound to no region, or admin keys")


def establishments_of(session: Session, area: Area | None) -> Sequence[Establishment]:
    """The area's establishments (every one for the national level)."""
    repository = AreaRepository(session)
    if area is None:
        return EstablishmentRepository(session).list_all()
    if area.kind == "region":
        return repository.establishments_in_region(area.code)
    return repository.establishments_in_department(area.code)


def _family_total(
    session: Session,
    area: Area | None,
    establishments: Sequence[Establishment],
    period: CountingPeriod,
    *,
    threshold: int,
    now: dt.datetime,
    reports: Mapping[int, ActivityReport] | None = None,
    family: RegionFamily | None = None,
    memo: FamilyMemo | None = None,
) -> tuple[dict[str, Any], set[str]]:
    """The area's total as the period's family publishes it (flat figures, hidden paths):
    the region's or department's row of the region table (``family``: that table, when
    the caller has built it already); for the nation, the regions' published totals (a
    figure hidden in any of them is hidden). ``reports``: the period's bodies, used where
    they cover a whole region. ``memo``: the families this read has built already."""
    if area is not None:
        table, _, _ = family or region_activity_table(
            session,
            area.region_code,
            period,
            threshold=threshold,
            now=now,
            reports=reports,
            memo=memo,
        )
        row = table.row(f"{area.kind}:{area.code}", period.code)
        return flatten(row.figures), set(row.suppressed)
    hidden: set[str] = set()
    for region_code in sorted({e.region_code for e in establishments}):
        table, _, _ = region_activity_table(
            session, region_code, period, threshold=threshold, now=now, reports=reports, memo=memo
        )
        hidden |= set(table.row(f"region:{region_code}", period.code).suppressed)
    return {}, hidden


def _follow_family(
    total: dict[str, float | int | None], published: dict[str, Any], hidden: set[str]
) -> dict[str, float | int | None]:
    """The summed total with the family's decision on the cells the family holds."""
    result = dict(total)
    for path in result:
        if path in hidden:
            result[path] = None
        elif path in published:
            value = published[path]
            if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                result[path] = value
    return result


def _area_values(
    establishments: Sequence[Establishment],
    inputs: Mapping[int, EstablishmentInputs],
    threshold: int,
    family: tuple[dict[str, Any], set[str]],
) -> dict[str, dict[str, Value]]:
    rows = [
        EstablishmentFigures(
            finess=establishment.finess,
            name=establishment.name,
            department_code=establishment.department_code,
            figures=inputs[establishment.id].figures,
        )
        for establishment in establishments
    ]
    total = _follow_family(
        _numbers(flatten(aggregate(rows, threshold=threshold).total.figures)), *family
    )

    def pooled(population: str, field: str) -> list[int] | None:
        if population in total and total[population] is None:
            return None  # the population is suppressed: so is its median
        days: list[int] = []
        for item in inputs.values():
            days.extend(getattr(item, field))
        return days

    return compute_indicators(
        IndicatorInputs(
            figures=total,
            waiting_days=pooled("pathway.waiting_youth", "waiting_days"),
            support_days=pooled("pathway.exits", "support_days"),
        )
    )


def _region_members(
    session: Session, area: Area | None, establishments: Sequence[Establishment]
) -> Sequence[Establishment]:
    """The establishments whose bodies the family tables read: the area's region (every
    establishment for the nation)."""
    if area is None or area.kind == "region":
        return establishments
    return AreaRepository(session).establishments_in_region(area.region_code)


def area_indicators(
    session: Session,
    area: Area | None,
    period: CountingPeriod,
    *,
    threshold: int | None = None,
    now: dt.datetime | None = None,
    reports: Mapping[int, ActivityReport] | None = None,
    family: RegionFamily | None = None,
) -> IndicatorsReport:
    """An area's (or, ``area=None``, the nation's) indicators: aggregates under secrecy;
    ``reports``: the establishments' activity bodies for the period, when the caller has
    them already (the whole region's, so that the family table reuses them too);
    ``family``: the region's family table of the period, built with the same
    ``threshold`` and ``now``."""
    now = now or utc_now()
    profile = active_profile(session)
    threshold = profile.suppression_threshold if threshold is None else threshold
    earlier = _shifted(period)
    # The period and the one before share families (a school year and the one before
    # hold the same calendar year): built once for both.
    memo = FamilyMemo()
    establishments = establishments_of(session, area)
    # Each period's bodies are read once, for the region (or the nation): the indicators'
    # inputs and the family table that decides the secrecy both take them.
    members = _region_members(session, area, establishments)
    if reports is None or any(e.id not in reports for e in members):
        reports = establishment_reports(session, members, period, now=now, quality_by_source=False)
    earlier_reports = establishment_reports(
        session, members, earlier, now=now, quality_by_source=False
    )
    current_inputs = gather(session, establishments, period, now=now, bodies=reports)
    previous_inputs = gather(session, establishments, earlier, now=now, bodies=earlier_reports)
    versions = sorted(
        {version for item in current_inputs.values() for version in item.rule_set_versions}
    )
    scope = (
        IndicatorScope(kind="national", code=None, name="France")
        if area is None
        else IndicatorScope(kind=area.kind, code=area.code, name=area.name)
    )
    return _report(
        scope,
        period,
        earlier,
        _area_values(
            establishments,
            current_inputs,
            threshold,
            _family_total(
                session,
                area,
                establishments,
                period,
                threshold=threshold,
                now=now,
                reports=reports,
                family=family,
                memo=memo,
            ),
        ),
        _area_values(
            establishments,
            previous_inputs,
            threshold,
            _family_total(
                session,
                area,
                establishments,
                earlier,
                threshold=threshold,
                now=now,
                reports=earlier_reports,
                memo=memo,
            ),
        ),
        profile_version=profile.version,
        rule_set_versions=versions,
        now=now,
        secrecy=IndicatorSecrecy(
            threshold=threshold, rule=SECRECY_RULE, establishment_count=len(establishments)
        ),
        stale=any(item.stale for item in (*current_inputs.values(), *previous_inputs.values())),
    )


def area_report_with_indicators(
    session: Session, area: Area, period: CountingPeriod, *, calendar: bool
) -> tuple[AreaReport, IndicatorsReport | None]:
    """An area's activity table and (for a calendar period) its indicators, from one read
    of the region's bodies and one family table: what the area's workbook holds."""
    now = utc_now()
    threshold = active_profile(session).suppression_threshold
    members = _region_members(session, area, establishments_of(session, area))
    reports = establishment_reports(session, members, period, now=now, quality_by_source=False)
    family = region_activity_table(
        session, area.region_code, period, threshold=threshold, now=now, reports=reports
    )
    report = area_report(
        session, area, period, threshold=threshold, now=now, reports=reports, family=family
    )
    if not calendar:
        return report, None
    indicators = area_indicators(
        session, area, period, threshold=threshold, now=now, reports=reports, family=family
    )
    return report, indicators
