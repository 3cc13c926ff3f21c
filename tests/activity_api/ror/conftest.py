"""The establishment the ROR push tests push: 10 night places (7 young people), 12 day
places (2 young people, hidden by statistical secrecy)."""

from __future__ import annotations

import pytest

from ditep_core.db import Database
from ditep_core.nomenclatures import Activity
from tests.activity_api.ror.support import FINESS
from tests.activity_api.seeding import seed_establishment


@pytest.fixture
def ror_database(pooled_database: Database) -> Database:
    with pooled_database.unit_of_work() as session:
        seed_establishment(
            session,
            finess=FINESS,
            region_code="84",
            youth_by_modality={Activity.ACCUEIL_NUIT: 7, Activity.ACCUEIL_JOUR: 2},
            capacities={Activity.ACCUEIL_NUIT: 10, Activity.ACCUEIL_JOUR: 12},
        )
    return pooled_database
