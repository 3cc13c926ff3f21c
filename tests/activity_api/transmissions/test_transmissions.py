"""Quarterly transmission (issue 16 items 1 and 5): versions, corrections, statuses, errors."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from activity_api.transmissions import service as transmissions
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import AuditEvent, FrozenPeriod, Transmission
from ditep_core.nomenclatures import Activity, Scope
from tests.activity_api.helpers import french_csv_records
from tests.activity_api.seeding import add_youth, seed_establishment
from tests.conftest import KeyMaker
from tests.http import AppClient

FINESS = "690000100"
OTHER = "690000200"
URL = f"/v1/establishments/{FINESS}/transmissions"
DAY = Activity.ACCUEIL_JOUR


@pytest.fixture
def seeded(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_establishment(session, finess=FINESS, region_code="84", youth_by_modality={DAY: 6})
        seed_establishment(session, finess=OTHER, region_code="84", youth_by_modality={DAY: 7})


def _count(database: Database, model: type[Transmission] | type[FrozenPeriod]) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_version_1_freezes_and_records_who_when_and_what(
    api_client: AppClient, seeded: None, make_key: KeyMaker
) -> None:
    director = make_key(Scope.TRANSMIT, Scope.ACTIVITY_READ, finess=(FINESS,))
    response = api_client.post(URL, json={"period": "2025-Q1"}, headers=director)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_active"]["total"] == 6
    info = body["transmission"]
    assert info["version"] == 1
    assert info["reason"] is None
    assert info["ruleset_versions"] == ["test-1"]
    assert info["profile_version"] == body["profile_version"]
    assert info["deadline"] == "2025-04-30"
    assert info["after_deadline"] is True  # transmitted today, long after April 2025
    assert body["diff"] is None
    assert body["frozen"]["frozen_by"] == info["transmitted_by"]
    # The establishment's own /activity serves the quarter as transmitted (frozen).
    activity = api_client.get(
        f"/v1/establishments/{FINESS}/activity", params={"period": "2025-Q1"}, headers=director
    ).json()
    assert activity["frozen"]["frozen_at"] == body["frozen"]["frozen_at"]


def test_a_correction_needs_a_reason_changes_and_keeps_every_version(
    api_client: AppClient, seeded: None, make_key: KeyMaker, database: Database
) -> None:
    director = make_key(Scope.TRANSMIT, Scope.ACTIVITY_READ, finess=(FINESS,))
    assert api_client.post(URL, json={"period": "2025-Q1"}, headers=director).status_code == 201

    no_reason = api_client.post(URL, json={"period": "2025-Q1"}, headers=director)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["location"] == "body.reason"
    blank = api_client.post(URL, json={"period": "2025-Q1", "reason": "  "}, headers=director)
    assert blank.status_code == 422
    unchanged = api_client.post(
        URL, json={"period": "2025-Q1", "reason": "nothing new"}, headers=director
    )
    assert unchanged.status_code == 409
    assert _count(database, Transmission) == 1

    with database.unit_of_work() as session:
        add_youth(session, finess=FINESS, youth_by_modality={DAY: 2}, day=dt.date(2025, 3, 20))
    corrected = api_client.post(
        URL, json={"period": "2025-Q1", "reason": "Séances oubliées"}, headers=director
    )
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert body["transmission"]["version"] == 2
    assert body["transmission"]["reason"] == "Séances oubliées"
    changes = {change["figure"]: change for change in body["diff"]}
    assert changes["file_active.total"]["before"] == 6
    assert changes["file_active.total"]["after"] == 8
    assert "computed_at" not in changes
    assert not any(c.startswith("frozen") for c in changes)

    first = api_client.get(f"{URL}/2025-Q1", params={"version": 1}, headers=director).json()
    latest = api_client.get(f"{URL}/2025-Q1", headers=director).json()
    assert first["file_active"]["total"] == 6
    assert first["transmission"]["version"] == 1
    assert latest["file_active"]["total"] == 8
    assert latest["transmission"]["version"] == 2
    missing = api_client.get(f"{URL}/2025-Q1", params={"version": 3}, headers=director)
    assert missing.status_code == 404
    assert api_client.get(f"{URL}/2025-Q2", headers=director).status_code == 404
    activity = api_client.get(
        f"/v1/establishments/{FINESS}/activity", params={"period": "2025-Q1"}, headers=director
    ).json()
    assert activity["file_active"]["total"] == 8  # the freeze follows the correction

    listing = api_client.get(URL, headers=director).json()
    q1 = next(q for q in listing["quarters"] if q["period"] == "2025-Q1")
    assert q1["status"] == "corrected"
    assert [v["version"] for v in q1["versions"]] == [1, 2]
    csv_text = api_client.get(f"{URL}/2025-Q1", params={"format": "csv"}, headers=director).text
    records = {row["figure"]: row["value"] for row in french_csv_records(csv_text)}
    assert records["file_active.total"] == "8"
    assert records["transmission.version"] == "2"

    workbook = api_client.get(f"{URL}/2025-Q1", params={"format": "xlsx"}, headers=director)
    assert workbook.status_code == 200
    assert f"transmission-{FINESS}-2025-Q1-v2.xlsx" in workbook.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    method = {row[0]: row[1] for row in book["Méthode"].iter_rows(values_only=True) if row}
    assert method["Version de la transmission"] == 2
    assert method["Motif de la correction"] == "Séances oubliées"
    file_active = [
        row for row in book["File active"].iter_rows(values_only=True) if row and 8 in row
    ]
    assert file_active  # the corrected total, as a number


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2025-03", "a quarter like 2025-Q1"),
        ("2025", "a quarter like 2025-Q1"),
        ("2025-W11", "a quarter like 2025-Q1"),
        ("Q1", "a quarter like 2025-Q1"),
        ("2099-Q1", "quarter has not started"),
    ],
)
def test_bad_periods_are_422_naming_the_field_and_write_nothing(
    api_client: AppClient,
    seeded: None,
    make_key: KeyMaker,
    database: Database,
    period: str,
    expected: str,
) -> None:
    director = make_key(Scope.TRANSMIT, finess=(FINESS,))
    response = api_client.post(URL, json={"period": period}, headers=director)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["location"] == "body.period"
    assert problem["errors"][0]["message"] == expected
    assert _count(database, Transmission) == 0
    assert _count(database, FrozenPeriod) == 0


def test_the_current_quarter_is_not_transmitted_before_it_ends(
    api_client: AppClient, seeded: None, make_key: KeyMaker
) -> None:
    today = dt.date.today()
    current = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    director = make_key(Scope.TRANSMIT, finess=(FINESS,))
    response = api_client.post(URL, json={"period": current}, headers=director)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "quarter is not over"


def test_tenancy_and_scope(api_client: AppClient, seeded: None, make_key: KeyMaker) -> None:
    other_director = make_key(Scope.TRANSMIT, finess=(OTHER,))
    reader = make_key(Scope.ACTIVITY_READ, finess=(FINESS,))
    ars = make_key(Scope.ARS_READ, regions=("84",))
    admin = make_key(Scope.ADMIN)
    body = {"period": "2025-Q1"}
    assert api_client.post(URL, json=body, headers=other_director).status_code == 403
    assert api_client.post(URL, json=body, headers=reader).status_code == 403
    assert api_client.post(URL, json=body, headers=ars).status_code == 403
    assert api_client.get(URL, headers=ars).status_code == 403
    unknown = api_client.post(
        "/v1/establishments/010000024/transmissions", json=body, headers=admin
    )
    assert unknown.status_code == 404
    assert api_client.post(URL, json=body, headers=admin).status_code == 201


def test_statuses_and_deadline_at_a_given_day(database: Database, seeded: None) -> None:
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(FINESS)
        assert establishment is not None
        on_time = dt.datetime(2025, 4, 30, 20, tzinfo=dt.UTC)  # 22:00 in Paris, 30 April
        report = transmissions.transmit(
            session, establishment, "2025-Q1", reason=None, transmitted_by="t", now=on_time
        )
        assert report.transmission.after_deadline is False
        listing = transmissions.transmission_list(
            session, establishment, now=dt.datetime(2025, 8, 1, 12, tzinfo=dt.UTC)
        )
    statuses = {q.period: (q.status, q.deadline) for q in listing.quarters}
    assert statuses == {
        "2025-Q1": ("transmitted", dt.date(2025, 4, 30)),
        "2025-Q2": ("late", dt.date(2025, 7, 31)),
        "2025-Q3": ("draft", dt.date(2025, 10, 31)),
    }
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(OTHER)
        assert establishment is not None
        late = transmissions.transmit(
            session,
            establishment,
            "2025-Q1",
            reason=None,
            transmitted_by="t",
            now=dt.datetime(2025, 4, 30, 22, 30, tzinfo=dt.UTC),  # 1 May in Paris
        )
    assert late.transmission.after_deadline is True


def test_the_deadline_is_a_profile_setting(api_client: AppClient, database: Database) -> None:
    from ditep_counting.rollups.service import active_profile, store_profile_version

    with database.unit_of_work() as session:
        store_profile_version(session, "deadline-2", {"transmission_deadline_months": 2})
        profile = active_profile(session)
    assert profile.transmission_deadline(dt.date(2025, 4, 1)) == dt.date(2025, 5, 31)
    assert profile.transmission_deadline(dt.date(2026, 1, 1)) == dt.date(2026, 2, 28)


def test_an_audit_failure_leaves_no_transmission(
    api_client: AppClient,
    seeded: None,
    make_key: KeyMaker,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from activity_api.transmissions import endpoints
    from ditep_core.audit import service as audit

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    director = make_key(Scope.TRANSMIT, finess=(FINESS,))
    monkeypatch.setattr(endpoints, "record", broken)
    monkeypatch.setattr(audit, "record", broken)
    response = api_client.post(URL, json={"period": "2025-Q1"}, headers=director)
    assert response.status_code in (500, 503)
    assert _count(database, Transmission) == 0
    assert _count(database, FrozenPeriod) == 0


def test_a_transmission_is_in_the_audit_log(
    api_client: AppClient, seeded: None, make_key: KeyMaker, database: Database
) -> None:
    director = make_key(Scope.TRANSMIT, finess=(FINESS,))
    assert api_client.post(URL, json={"period": "2025-Q1"}, headers=director).status_code == 201
    with database.unit_of_work() as session:
        routes = session.scalars(
            select(AuditEvent.route).where(AuditEvent.scope_code == FINESS)
        ).all()
    assert "transmission 2025-Q1 version 1" in routes
    assert "/v1/establishments/{finess}/transmissions" in routes
