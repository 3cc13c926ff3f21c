"""Computing an establishment's activity report for a period."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from activity_api.activity.repository import CountingRepository
from activity_api.activity.schemas import (
    ActivityReport,
    ByModality,
    EstablishmentRef,
    FileActive,
    Hours,
    HoursByActivity,
    Period,
    Quality,
)
from activity_api.counting.engine import compute_figures
from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import Activity
from ditep_core.web.problems import InvalidRequest

MAX_PERIOD_DAYS = 366 * 3


def validate_period(start: dt.date, end: dt.date) -> None:
    if end <= start:
        raise InvalidRequest(
            "the period must end after it starts ('end' is exclusive)",
            errors=[{"location": "query.end", "message": "must be after start"}],
        )
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidRequest(f"a period is at most {MAX_PERIOD_DAYS} days")


def local_bounds(
    start: dt.date, end: dt.date, timezone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """The period's local midnights as UTC instants."""
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=timezone).astimezone(dt.UTC),
        dt.datetime.combine(end, dt.time(), tzinfo=timezone).astimezone(dt.UTC),
    )


def activity_report(
    session: Session,
    establishment: Establishment,
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
) -> ActivityReport:
    validate_period(start, end)
    now = now or utc_now()
    utc_start, utc_end = local_bounds(start, end, ZoneInfo(establishment.timezone))
    repository = CountingRepository(session)
    figures = compute_figures(
        repository.sessions_starting_between(establishment.id, utc_start, utc_end),
        repository.participant_links_between(establishment.id, utc_start, utc_end),
        now=now,
        validated_only_sources=repository.validated_only_sources(establishment.id),
    )
    modality = figures.file_active_by_modality
    hours = figures.hours_by_activity
    return ActivityReport(
        establishment=EstablishmentRef(
            finess=establishment.finess,
            name=establishment.name,
            region_code=establishment.region_code,
            department_code=establishment.department_code,
        ),
        period=Period(start=start, end=end, timezone=establishment.timezone),
        rule_set_versions=figures.rule_set_versions,
        computed_at=now,
        file_active=FileActive(
            total=figures.file_active_total,
            by_modality=ByModality(
                accueil_nuit=modality[Activity.ACCUEIL_NUIT],
                accueil_jour=modality[Activity.ACCUEIL_JOUR],
                ambulatoire=modality[Activity.AMBULATOIRE],
            ),
        ),
        hours=Hours(
            direct=figures.hours_direct,
            indirect=figures.hours_indirect,
            by_activity=HoursByActivity(
                accueil_nuit=hours[Activity.ACCUEIL_NUIT],
                accueil_jour=hours[Activity.ACCUEIL_JOUR],
                ambulatoire=hours[Activity.AMBULATOIRE],
                appui_ressources=hours[Activity.APPUI_RESSOURCES],
                coordination=hours[Activity.COORDINATION],
            ),
        ),
        quality=Quality(
            received=figures.quality_received,
            counted=figures.quality_counted,
            unclassified=figures.quality_unclassified,
            cancelled=figures.quality_cancelled,
            absent=figures.quality_absent,
            not_validated=figures.quality_not_validated,
            duplicates_merged=figures.quality_duplicates_merged,
        ),
    )
