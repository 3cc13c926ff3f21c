"""No name, identifier or pseudonym of a young person in any ARS or ROR output,
on the full sample DITEP (both agendas ingested), with and without secrecy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ditep_core.db import Database
from ditep_core.models import Person
from ditep_core.nomenclatures import PersonKind, Scope
from tests.activity_api.helpers import api_client_with
from tests.conftest import KeyMaker, SampleDitep, TemporaryDatabase, push_both_sample_feeds
from tests.http import AppClient

# The young people of samples/ditep-les-cedres: display names and identifiers as the
# feeds give them (INS and DUI uuids).
YOUTH_TRACES = (
    "Lucas",
    "Inès",
    "Noah",
    "Jade",
    "2100669123789",
    "1090375123456",
    "9b2d7e14-5c3a-4d8b-b6f1-7a8b9c0d1e2f",
    "3f0c6a52-8a51-4f7e-9a43-1b2c3d4e5f60",
)


@pytest.mark.parametrize("threshold", [1, 5])
def test_outputs_of_the_sample_carry_no_youth_trace(
    migrated_database: TemporaryDatabase,
    database: Database,
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    threshold: int,
) -> None:
    push_both_sample_feeds(ingest_client, sample_ditep, make_key(Scope.FEEDS_WRITE))
    with database.unit_of_work() as session:
        pseudonyms = list(
            session.scalars(select(Person.pseudonym).where(Person.kind == PersonKind.YOUTH))
        )
    assert len(pseudonyms) >= 4
    ars = make_key(Scope.ARS_READ, regions=("84",))
    reader = make_key(Scope.ACTIVITY_READ)
    outputs: list[str] = []
    with api_client_with(migrated_database, database, secrecy_threshold=threshold) as client:
        for period in ("2025-03", "2024-2025", "2025-Q1"):
            for url in ("/v1/regions/84/activity", "/v1/departments/69/activity"):
                for output_format in ("json", "csv"):
                    response = client.get(
                        url, params={"period": period, "format": output_format}, headers=ars
                    )
                    assert response.status_code == 200, response.text
                    outputs.append(response.text)
        for week in ("2025-W10", "2025-W11", "2025-W12"):
            response = client.get(
                f"/v1/establishments/{sample_ditep.finess}/ror",
                params={"week": week},
                headers=reader,
            )
            assert response.status_code == 200
            outputs.append(response.text)
    assert any('"file_active"' in output for output in outputs)
    for output in outputs:
        for trace in (*YOUTH_TRACES, *pseudonyms):
            assert trace not in output, trace
