"""A region with a transmitted quarter, for the download and audit tests of the
transmission routes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ditep_core.db import Database
from ditep_core.nomenclatures import Activity
from tests.activity_api.seeding import add_youth, seed_establishment
from tests.http import AppClient

NIGHT, DAY, AMBULATORY = Activity.ACCUEIL_NUIT, Activity.ACCUEIL_JOUR, Activity.AMBULATOIRE
A, B, C, D = "690000100", "690000200", "380000300", "750000400"
QUARTER = "2025-Q1"
CORRECTION = "Séances de février saisies en retard"


def seed_transmitted_region(api: AppClient, database: Database, admin: dict[str, str]) -> None:
    """Region 84: A and B in the Rhône (69), C in the Isère (38); region 11: D. A, C and
    D transmitted 2025-Q1, A twice (a correction), B never: its figures are never read.
    Small cells (2 young people at night in C and D) for the statistical secrecy."""
    with database.unit_of_work() as session:
        seed_four_establishments(session)
    for finess in (A, C, D):
        transmit_quarter(api, admin, finess)
    with database.unit_of_work() as session:
        add_youth(session, finess=A, youth_by_modality={DAY: 2}, day=dt.date(2025, 2, 4))
    transmit_quarter(api, admin, A, reason=CORRECTION)


def seed_four_establishments(session: Session) -> None:
    """A and B in the Rhône (69), C in the Isère (38), all three in region 84; D in region
    11. C and D have 2 young people at night: a small cell."""
    for finess, region, counts in (
        (A, "84", {NIGHT: 6, DAY: 9, AMBULATORY: 12}),
        (B, "84", {NIGHT: 7, DAY: 5, AMBULATORY: 8}),
        (C, "84", {NIGHT: 2, DAY: 11, AMBULATORY: 6}),
        (D, "11", {NIGHT: 2, DAY: 9, AMBULATORY: 9}),
    ):
        seed_establishment(session, finess=finess, region_code=region, youth_by_modality=counts)


def transmit_quarter(api: AppClient, admin: dict[str, str], finess: str, **body: str) -> None:
    """The establishment's QUARTER transmitted (201 expected)."""
    url = f"/v1/establishments/{finess}/transmissions"
    response = api.post(url, json={"period": QUARTER, **body}, headers=admin)
    assert response.status_code == 201, response.text
