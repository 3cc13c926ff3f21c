"""No read request writes (issue 15): with rollups waiting for their refresh, every GET of
activity-api leaves the database as it was (only the audit log, in its own transaction,
records the call)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.reports import ActivityReport
from tests.conftest import KeyMaker, SampleDitep, holding_tasks, make_settings
from tests.counting.conftest import push_export_without_synthesis
from tests.http import AppClient

WRITES = ("insert", "update", "delete", "merge", "create", "drop", "alter")


@contextmanager
def recorded_writes(engine: Engine) -> Iterator[list[str]]:
    writes: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2]).lstrip().lower()
        if statement.startswith(WRITES) and "audit_event" not in statement:
            writes.append(statement[:120])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_every_read_route_writes_nothing_even_when_stale(
    database: Database,
    worked: SampleDitep,
    api_client: AppClient,
    ingest_client: AppClient,
    make_key: KeyMaker,
) -> None:
    finess = worked.finess
    own = make_key(Scope.ACTIVITY_READ, finess=(finess,))
    ars = make_key(Scope.ARS_READ)
    admin = make_key(Scope.ADMIN)
    with holding_tasks(database, make_settings()) as held:
        push_export_without_synthesis(ingest_client, worked, make_key(Scope.FEEDS_WRITE))
        assert held.deferred  # the refresh waits
        reads = [
            (f"/v1/establishments/{finess}/activity", {"period": "2025-03"}, own),
            (f"/v1/establishments/{finess}/activity", {"period": "2025-03", "format": "csv"}, own),
            (f"/v1/establishments/{finess}/activity/weekly", {"period": "2025-03"}, own),
            (f"/v1/establishments/{finess}/periods/2025-03/diff", {}, own),
            (f"/v1/establishments/{finess}/ror", {"week": "2025-W11"}, own),
            ("/v1/regions/84/activity", {"period": "2025-03"}, ars),
            ("/v1/departments/69/activity", {"period": "2025-03"}, ars),
            ("/v1/audit", {}, admin),
            ("/v1/keys", {}, admin),
        ]
        with recorded_writes(database.engine) as writes:
            statuses = [
                api_client.get(url, params=params, headers=key).status_code
                for url, params, key in reads
            ]
        assert writes == []
        assert statuses == [200, 200, 200, 404, 200, 200, 200, 200, 200]
        body = api_client.get(reads[0][0], params=reads[0][1], headers=own).json()
        assert ActivityReport.model_validate(body).stale is True
