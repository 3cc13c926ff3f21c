"""Weekly occupation per modality: the ONE place the ROR reads the counting from.

Occupied places of a modality (counting.md §4) = distinct young people with a counted
session of that modality in the week = the activity report's file active by modality
over the ISO week. When the counting engine offers the capacity figure directly,
re-point this function; nothing else in the ROR code reads counts.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from activity_api.activity.service import activity_report
from activity_api.periods import ReportingPeriod
from ditep_core.models import Establishment
from ditep_core.nomenclatures import MODALITIES, Activity


def weekly_occupation(
    session: Session, establishment: Establishment, week: ReportingPeriod
) -> dict[Activity, int]:
    report = activity_report(session, establishment, week.start, week.end)
    by_modality = report.file_active.by_modality.model_dump()
    return {modality: int(by_modality[modality.value]) for modality in MODALITIES}
