"""Fixtures of the agenda-ingest tests."""

from __future__ import annotations

import pytest

from ditep_core.nomenclatures import Scope
from tests.conftest import SAMPLE_FINESS, KeyMaker


@pytest.fixture
def keys(make_key: KeyMaker) -> dict[str, dict[str, str]]:
    """Headers of keys bound to the sample DITEP (admin, feeds, read) and of an admin key
    bound to another establishment ("other")."""
    return {
        "admin": make_key(Scope.ADMIN, finess=(SAMPLE_FINESS,)),
        "feeds": make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,)),
        "read": make_key(Scope.ACTIVITY_READ, finess=(SAMPLE_FINESS,)),
        "other": make_key(Scope.ADMIN, finess=("750000001",)),
    }
