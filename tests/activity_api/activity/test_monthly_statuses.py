"""The dashboard's 12 months of ``file_active.by_status`` from one query are each month's
body's, a frozen month's as stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from activity_api.activity.service import (
    establishment_reports,
    file_active_by_status_per_month,
    freeze_period,
)
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import FrozenPeriod
from ditep_counting.engine.periods import parse_period
from tests.activity_api.indicators.dataset import FINESS, seed_hand_dataset

MONTHS = [f"2024-{month:02d}" for month in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]


def test_monthly_statuses_are_the_months_bodies(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
    months = [parse_period(code) for code in MONTHS]
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        monthly = file_active_by_status_per_month(session, establishment, months)
        for month in months:
            body = establishment_reports(session, [establishment], month)[establishment.id]
            assert monthly[month.code] == body.file_active.by_status.model_dump(), month.code
        # The dataset's young people are spread over several statuses and months.
        assert sum(sum(counts.values()) for counts in monthly.values()) >= 5
        assert monthly["2025-01"]["pre_admission"] >= 1

    # A frozen month is served as stored, as its body is (here: altered after the freeze,
    # so that only the stored body can give these numbers).
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        freeze_period(session, establishment, parse_period("2025-02"), frozen_by="test")
    with database.unit_of_work() as session:
        row = session.scalars(
            select(FrozenPeriod).where(FrozenPeriod.period_code == "2025-02")
        ).one()
        altered: dict[str, Any] = dict(row.body)
        altered["file_active"] = {
            **altered["file_active"],
            "by_status": {
                "pre_admission": 41,
                "accompagnement": 42,
                "suivi_post_sortie": 43,
                "ponctuel": 44,
            },
        }
        row.body = altered
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        monthly = file_active_by_status_per_month(session, establishment, months)
        stored = establishment_reports(session, [establishment], parse_period("2025-02"))
        assert monthly["2025-02"] == stored[establishment.id].file_active.by_status.model_dump()
        assert monthly["2025-02"]["ponctuel"] == 44
