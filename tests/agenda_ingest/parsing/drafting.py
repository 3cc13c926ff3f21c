"""The draft context of the parsing and classification tests: the sample DITEP's
establishment agenda, in Paris time, with its pseudonyms."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from agenda_ingest.parsing.drafts import DraftContext
from agenda_ingest.parsing.participants import ParticipantOptions
from ditep_core.nomenclatures import AgendaKind
from ditep_core.pseudonyms import Pseudonymiser
from tests.conftest import SAMPLE_FINESS, TEST_SECRET


def sample_draft_context(**changes: Any) -> DraftContext:
    """The context of an establishment agenda of the sample DITEP; ``changes`` (the rule
    set, say) replace its fields."""
    values: dict[str, Any] = {
        "timezone": ZoneInfo("Europe/Paris"),
        "agenda_kind": AgendaKind.ESTABLISHMENT,
        "options": ParticipantOptions(),
        "pseudonymiser": Pseudonymiser(TEST_SECRET).for_establishment(SAMPLE_FINESS),
    }
    return DraftContext(**(values | changes))
