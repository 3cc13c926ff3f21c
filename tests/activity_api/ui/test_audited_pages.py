"""Pages are audited as routes are: the row names the person (``user_id``) and the scope,
and a page whose audit row cannot be written is not shown (issue 16 item 5, issue 19)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ditep_core.db import Database
from ditep_core.models import AuditEvent, WebUser
from tests.activity_api.ui.conftest import ARS, DIRECTOR, UiData, sign_in
from tests.http import AppClient


def _user_id(database: Database, email: str) -> int:
    with database.unit_of_work() as session:
        user_id = session.scalar(select(WebUser.id).where(WebUser.email == email))
    assert user_id is not None
    return user_id


def _rows(database: Database, route: str) -> list[AuditEvent]:
    with database.unit_of_work() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.route == route)))
        session.expunge_all()
    return rows


def test_each_page_read_is_a_row_naming_the_person_and_the_scope(
    ui_client: AppClient, ui_data: UiData, database: Database
) -> None:
    sign_in(ui_client, ARS)
    page = ui_client.get(f"/ui/regions/{ui_data.region}", params={"period": "2025-Q1"})
    assert page.status_code == 200, page.text
    [row] = _rows(database, "/ui/regions/{code}")
    assert (row.user_id, row.client_id) == (_user_id(database, ARS), 0)
    assert (row.scope_kind, row.scope_code, row.status) == ("region", ui_data.region, 200)
    assert row.query == "period=2025-Q1"

    sign_in(ui_client, DIRECTOR)
    ui_client.get(f"/ui/establishments/{ui_data.finess}", params={"period": "2025-Q1"})
    ui_client.get(f"/ui/establishments/{ui_data.other_finess}")  # refused: a 403 page
    rows = _rows(database, "/ui/establishments/{finess}")
    director = _user_id(database, DIRECTOR)
    assert sorted((r.scope_code, r.status, r.user_id) for r in rows) == sorted(
        [(ui_data.finess, 200, director), (ui_data.other_finess, 403, director)]
    )
    # The style sheet is not a read of anything.
    ui_client.get("/ui/static/ui.css")
    with database.unit_of_work() as session:
        static = session.scalars(
            select(AuditEvent).where(AuditEvent.path.startswith("/ui/static/"))
        ).all()
    assert static == []


def test_a_page_whose_audit_row_cannot_be_written_is_not_shown(
    ui_client: AppClient, ui_data: UiData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ditep_core.audit import service

    sign_in(ui_client, ARS)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(service, "record", broken)
    page = ui_client.get(f"/ui/regions/{ui_data.region}", params={"period": "2025-Q1"})
    assert page.status_code == 503
    assert page.headers["content-type"] == "application/problem+json"
    assert "/problems/audit-unavailable" in page.text
    assert "<table" not in page.text
