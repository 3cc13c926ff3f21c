"""TDDUI stays to pathway period drafts: a pure function, tested without a database."""

from __future__ import annotations

import datetime as dt

from agenda_ingest.parsing.fhir.parser import ParsedFhirFeed, StayPeriod
from agenda_ingest.parsing.fhir.stays import stay_periods
from ditep_core.nomenclatures import PathwayStatus, PersonKind
from ditep_core.pseudonyms import Pseudonymiser
from tests.conftest import TEST_SECRET


def _stay(external_id: str, youth: str, path: str) -> StayPeriod:
    return StayPeriod(
        external_id=external_id,
        youth_identifier=youth,
        status=PathwayStatus.ACCOMPAGNEMENT,
        start_date=dt.date(2025, 1, 6),
        end_date=None,
        modality="ambulatoire",
        path=path,
    )


def _feed(stays: list[StayPeriod], withdrawn: list[str]) -> ParsedFhirFeed:
    return ParsedFhirFeed(
        occurrences=[],
        paths=[],
        rejected=[],
        pathway_periods=stays,
        absences=[],
        resources_read=len(stays),
        withdrawn_periods=withdrawn,
    )


def test_the_first_stay_of_an_identifier_is_kept_and_its_youth_pseudonymised() -> None:
    pseudonyms = Pseudonymiser(TEST_SECRET).for_establishment("690000017")
    feed = _feed(
        [
            _stay("stay-1", " Y1 ", "entry[0]"),
            _stay("stay-1", "Y2", "entry[1]"),
            _stay("stay-2", "Y2", "entry[2]"),
        ],
        withdrawn=["stay-2", "stay-9"],
    )

    result = stay_periods(feed, pseudonyms)

    assert [period.external_id for period in result.periods] == ["stay-1", "stay-2"]
    expected = pseudonyms.keys(PersonKind.YOUTH, "Y1")
    assert result.periods[0].youth_pseudonym == expected.pseudonym
    assert result.periods[0].youth_link_key == expected.link_key
    assert [(error.path, error.uid) for error in result.duplicates] == [("entry[1]", "stay-1")]
    assert "duplicate stay" in result.duplicates[0].message
    # A stay both withdrawn and present in the same feed stays.
    assert result.withdrawn == ["stay-9"]
