"""The region generator at its quick scale, through the real ingestion, on each backend.

Checks that what was generated is what was stored, that the data look like a
region (FINESS, departments, every activity, duplicates across agendas,
cancellations and absences, no session on holidays), and that the API's counts
of each establishment agree with the benchmark's hand-written baseline query.
"""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import distinct, func, select, tuple_

from benchmarks.bench_counts import ActivityCalls, file_active_of, quarter_bounds, run_baseline
from benchmarks.region_generator import (
    DEPARTMENTS,
    QUICK,
    REGION_CODE,
    finess_number,
    generate_region,
    is_school_day,
    plan_establishment,
)
from ditep_core.auth.service import create_key
from ditep_core.db import Database
from ditep_core.models import AgendaSession, Establishment, EstablishmentCapacity, utc_now
from ditep_core.nomenclatures import Activity, Scope, SessionStatus
from tests.conftest import TemporaryDatabase, make_settings
from tests.http import app_client

pytestmark = [pytest.mark.benchmark, pytest.mark.slow]

ESTABLISHMENTS, YOUTH = QUICK
PARIS = ZoneInfo("Europe/Paris")


def test_finess_numbers_carry_a_luhn_key_and_plans_are_deterministic() -> None:
    for department in DEPARTMENTS:
        number = finess_number(department, 1234)
        digits = [int(char) for char in number]
        total = sum(
            (value * 2 - 9 if value * 2 > 9 else value * 2) if position % 2 else value
            for position, value in enumerate(reversed(digits))
        )
        assert total % 10 == 0, number
    first, again = plan_establishment(3, 10, seed=1), plan_establishment(3, 10, seed=1)
    assert first.expected_sessions() == again.expected_sessions()
    assert [series.uid for series in first.series] == [series.uid for series in again.series]
    assert plan_establishment(3, 10, seed=2).expected_sessions() != first.expected_sessions()


def test_quick_region_is_ingested_and_counted_like_the_baseline(
    fresh_database: TemporaryDatabase,
) -> None:
    result = generate_region(fresh_database.url, establishments=ESTABLISHMENTS, youth=YOUTH)
    assert result.created == result.expected == result.sessions_in_database
    # About 750 stored sessions per young person and school year (youth + professional agendas).
    assert 600 * ESTABLISHMENTS * YOUTH < result.created < 900 * ESTABLISHMENTS * YOUTH

    database = Database.from_url(fresh_database.url, pool_size=2, max_overflow=2)
    try:
        with database.unit_of_work() as session:
            establishments = session.scalars(select(Establishment)).all()
            assert len(establishments) == ESTABLISHMENTS
            for establishment in establishments:
                assert establishment.region_code == REGION_CODE
                assert establishment.department_code in DEPARTMENTS
                assert establishment.finess.startswith(establishment.department_code)
            assert session.scalar(select(func.count()).select_from(EstablishmentCapacity)) == (
                3 * ESTABLISHMENTS
            )
            activities = Counter(
                dict(
                    session.execute(
                        select(AgendaSession.activity, func.count()).group_by(
                            AgendaSession.activity
                        )
                    ).all()
                )
            )
            assert Activity.UNCLASSIFIED not in activities
            assert set(activities) == {
                Activity.ACCUEIL_NUIT,
                Activity.ACCUEIL_JOUR,
                Activity.AMBULATOIRE,
                Activity.COORDINATION,
                Activity.APPUI_RESSOURCES,
                Activity.TRANSPORT,
                Activity.INSTITUTIONNEL,
            }
            statuses = Counter(
                dict(
                    session.execute(
                        select(AgendaSession.status, func.count()).group_by(AgendaSession.status)
                    ).all()
                )
            )
            total = sum(statuses.values())
            assert 0.01 < statuses[SessionStatus.CANCELLED] / total < 0.04
            assert 0.02 < statuses[SessionStatus.ABSENT] / total < 0.07
            assert statuses[SessionStatus.DONE] > 0
            assert statuses[SessionStatus.PLANNED] > 0
            # Most sessions are in two agendas (the young person's and a professional's).
            distinct_keys = session.scalar(
                select(func.count(distinct(tuple_(AgendaSession.uid, AgendaSession.recurrence_id))))
                if database.engine.dialect.name == "postgresql"
                else select(func.count()).select_from(
                    select(AgendaSession.uid, AgendaSession.recurrence_id).distinct().subquery()
                )
            )
            assert distinct_keys is not None
            assert 0.4 * total < distinct_keys < 0.7 * total
            starts = session.scalars(select(AgendaSession.start_at)).all()
            assert all(is_school_day(start.astimezone(PARIS).date()) for start in starts)

        settings = make_settings(fresh_database.url)
        from activity_api.main import create_app

        with database.unit_of_work() as session:
            _client, key = create_key(
                session,
                name="test",
                scopes=(Scope.ACTIVITY_READ, Scope.ARS_READ),
                all_establishments=True,
                all_regions=True,
            )
        start, end = quarter_bounds("2025-Q1")
        now = utc_now()
        with app_client(create_app(settings, database=database)) as client:
            headers = {"Authorization": f"Bearer {key.plaintext}"}

            class Authorised:
                def get(self, url: str, *, params: dict[str, str]) -> httpx.Response:
                    return client.get(url, params=params, headers=headers)

            calls = ActivityCalls(Authorised(), "2025-Q1")
            region_total = 0
            for establishment in establishments:
                body = calls.establishment(establishment.finess)
                with database.engine.connect() as connection:
                    baseline, by_start = (
                        run_baseline(
                            connection,
                            start=start,
                            end=end,
                            zone=PARIS,
                            now=now,
                            establishment_id=establishment.id,
                            week_rule=week_rule,
                        )
                        for week_rule in (True, False)
                    )
                # Every young person has weekly sessions in the quarter.
                assert baseline.hours != by_start.hours  # the quarter ends on a Monday
                assert file_active_of(body) == baseline.file_active == YOUTH
                assert body["quality"]["duplicates_merged"] > 0
                assert body["quality"]["unclassified"] == 0
                for modality, count in baseline.by_modality.items():
                    assert body["file_active"]["by_modality"][modality] == count
                    # Youth-weeks by their Thursday (counting.md), or sessions starting in the
                    # period (the engine before the counting rewrite): exact either way.
                    assert body["hours"]["by_activity"][modality] in (
                        baseline.hours[modality],
                        by_start.hours[modality],
                    )
                assert sum(baseline.by_modality.values()) > YOUTH  # several modalities each
                region_total += baseline.file_active
            assert calls.region(REGION_CODE, [e.finess for e in establishments]) == region_total
            with database.engine.connect() as connection:
                region = run_baseline(
                    connection, start=start, end=end, zone=PARIS, now=now, region_code=REGION_CODE
                )
            assert region.file_active == region_total == ESTABLISHMENTS * YOUTH
    finally:
        database.dispose()
