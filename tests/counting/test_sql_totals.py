"""The SQL read path (stored rollups, summed in SQL) equals the pure engine over the sessions."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from activity_api.activity.service import compute_bodies
from ditep_core.models import ComplexityFlag, PathwayPeriod, Person
from ditep_core.nomenclatures import PathwayStatus, PersonKind
from ditep_counting.engine.figures import ComplexitySpan, PathwaySpan, figures_from_sessions
from ditep_counting.engine.periods import parse_period, range_period, reference_week
from ditep_counting.rollups.repository import RollupRepository
from ditep_counting.rollups.service import refresh_pathway_flags, refresh_rollups
from tests.counting.data import build_establishment

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _add_pathways(session: Session, establishment_id: int) -> tuple[list[PathwaySpan], list[Any]]:
    rng = random.Random(3)
    youth = session.scalars(
        select(Person.id).where(
            Person.establishment_id == establishment_id, Person.kind == PersonKind.YOUTH
        )
    ).all()
    spans: list[PathwaySpan] = []
    flags: list[ComplexitySpan] = []
    for number, person_id in enumerate(youth):
        if number % 4 == 3:
            continue  # no pathway known: counted as accompagnement, reported
        admitted = dt.date(2024, 9, rng.randint(2, 20))
        exited = admitted + dt.timedelta(days=rng.randint(10, 40))
        spans.append(
            PathwaySpan(
                person_id,
                PathwayStatus.PRE_ADMISSION,
                dt.date(2024, 8, 1),
                admitted - dt.timedelta(days=1),
            )
        )
        spans.append(PathwaySpan(person_id, PathwayStatus.ACCOMPAGNEMENT, admitted, exited))
        if number % 4 == 0:
            spans.append(
                PathwaySpan(
                    person_id, PathwayStatus.SUIVI_POST_SORTIE, exited + dt.timedelta(days=1), None
                )
            )
        if number % 4 == 1:
            # Follow-up that began three years before: over on 2024-10-04.
            spans.append(
                PathwaySpan(person_id, PathwayStatus.SUIVI_POST_SORTIE, dt.date(2021, 10, 5), None)
            )
        if number % 5 == 0:
            flags.append(ComplexitySpan(person_id, admitted, admitted + dt.timedelta(days=9)))
    session.add_all(
        PathwayPeriod(
            person_id=span.person_id,
            status=span.status,
            start_date=span.start,
            end_date=span.end,
            origin="api",
        )
        for span in spans
    )
    session.add_all(
        ComplexityFlag(
            person_id=flag.person_id,
            start_date=flag.start,
            end_date=flag.end,
            criteria=[],
            origin="api",
        )
        for flag in flags
    )
    session.flush()
    return spans, flags


@pytest.mark.parametrize(
    ("period_code", "pathways_first"),
    [
        ("2024-09", True),
        ("2024-10", False),
        ("2024-W38", True),
        ("range", False),
        ("two-months", True),
    ],
)
def test_sql_totals_equal_the_engine(
    session: Session, period_code: str, pathways_first: bool
) -> None:
    """Pathways known before the rollups, or imported after them (flags updated then)."""
    establishment = build_establishment(session, 1, youth=16, weeks=9)
    if pathways_first:
        spans, flags = _add_pathways(session, establishment.id)
        refresh_rollups(session, establishment, now=NOW)
    else:
        refresh_rollups(session, establishment, now=NOW)
        spans, flags = _add_pathways(session, establishment.id)
        refresh_pathway_flags(session, establishment)
    period = (
        range_period(dt.date(2024, 9, 5), dt.date(2024, 10, 15))
        if period_code == "range"
        # Whole months (the month rollups) over two months (the main modalities read).
        else range_period(dt.date(2024, 9, 1), dt.date(2024, 11, 1))
        if period_code == "two-months"
        else parse_period(period_code)
    )
    stored = compute_bodies(session, [establishment], period, now=NOW)[establishment.id].json_body()
    # The area reads' bodies: every figure the same, the per-source quality left out.
    lean = compute_bodies(session, [establishment], period, now=NOW, quality_by_source=False)[
        establishment.id
    ].json_body()
    repository = RollupRepository(session)
    sessions = repository.sessions_starting_between(
        establishment.id,
        dt.datetime(2024, 8, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    links = repository.participant_links_between(
        establishment.id,
        dt.datetime(2024, 8, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    assert len(sessions) > 1000
    engine = figures_from_sessions(
        sessions,
        links,
        period=period,
        timezone="Europe/Paris",
        now=NOW,
        pathways=spans,
        complexity=flags,
        capacities={"accueil_nuit": 5, "accueil_jour": 8, "ambulatoire": 5},
        reference_week=reference_week(period),
    ).json_body()
    assert stored.pop("stale") is False
    for key in ("establishment", "computed_at", "frozen"):
        stored.pop(key)
    assert stored == engine
    assert lean["quality"].pop("by_source") == []
    for key in ("establishment", "computed_at", "frozen", "stale"):
        lean.pop(key)
    assert engine["quality"].pop("by_source")  # per source where the establishment reads it
    assert lean == engine
    # The data exercise what they should.
    assert engine["file_active"]["by_status"]["suivi_post_sortie"] > 0
    assert engine["quality"]["youth_without_pathway"] > 0
    assert engine["units"]["total"] > 0
