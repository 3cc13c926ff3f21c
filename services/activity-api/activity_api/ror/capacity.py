"""Weekly occupation per modality: the ONE place the ROR reads the counting from.

Occupied places of a modality (counting.md §4) are the counting's capacity figure for
the reference week: distinct young people with a counted session of that modality.
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
    report = activity_report(session, establishment, week, week=week.start)
    return {modality: report.capacity.for_modality(modality).occupied for modality in MODALITIES}
