"""TDDUI stays of a parsed FHIR feed as pathway period drafts (pure).

Each stay's young person is pseudonymised for the establishment, as every
session's participants are; a stay whose identifier was already seen in the
feed is rejected (the first one is kept), and a stay both withdrawn and
present keeps the one present.
"""

from __future__ import annotations

from dataclasses import dataclass

from agenda_ingest.parsing.drafts import PeriodDraft
from agenda_ingest.parsing.fhir.parser import ParsedFhirFeed
from agenda_ingest.parsing.normalised import FeedError
from ditep_core.nomenclatures import PersonKind
from ditep_core.pseudonyms import EstablishmentPseudonymiser


@dataclass(frozen=True, slots=True)
class StayPeriods:
    """What a feed says of the pathway periods of its young people."""

    periods: list[PeriodDraft]
    duplicates: list[FeedError]
    """The stays rejected because an earlier one of the feed had the same identifier."""
    withdrawn: list[str]
    """Identifiers of the stays the feed withdraws (none of those it also holds)."""


def stay_periods(parsed: ParsedFhirFeed, pseudonyms: EstablishmentPseudonymiser) -> StayPeriods:
    """The feed's stays as period drafts, the first of each identifier only."""
    periods: list[PeriodDraft] = []
    duplicates: list[FeedError] = []
    seen: set[str] = set()
    for stay in parsed.pathway_periods:
        if stay.external_id in seen:
            duplicates.append(
                FeedError(
                    "duplicate stay (same identifier): the first one is kept",
                    path=stay.path,
                    uid=stay.external_id,
                )
            )
            continue
        seen.add(stay.external_id)
        youth = pseudonyms.keys(PersonKind.YOUTH, stay.youth_identifier.strip())
        periods.append(
            PeriodDraft(
                external_id=stay.external_id,
                youth_pseudonym=youth.pseudonym,
                youth_link_key=youth.link_key,
                status=stay.status,
                start_date=stay.start_date,
                end_date=stay.end_date,
                modality=stay.modality,
            )
        )
    withdrawn = [uid for uid in parsed.withdrawn_periods if uid not in seen]
    return StayPeriods(periods=periods, duplicates=duplicates, withdrawn=withdrawn)
