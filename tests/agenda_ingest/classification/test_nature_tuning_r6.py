"""Nature and institutional time, round 6 (December 2026): a working group ("GT") is a
meeting, not transport, even when its subject is the transports."""

from __future__ import annotations

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.normalise import ABBREVIATIONS
from ditep_core.nomenclatures import Activity, Nature
from tests.agenda_ingest.classification.reading import activity_and_rule, professional_entry


def test_gt_is_a_working_group() -> None:
    assert ABBREVIATIONS["gt"] == ("groupe", "de", "travail")


def test_a_working_group_on_transport_is_a_meeting() -> None:
    group = professional_entry("GT transports et sorties", youth=0, present=0, professionals=3)
    assert activity_and_rule(group) == (Activity.INSTITUTIONNEL, "institutionnel")
    assert default_rule_set().classify(facts_from_entry(group)).nature is Nature.INSTITUTIONNEL


def test_a_trip_is_still_transport() -> None:
    trip = professional_entry("Trajet transports Lou", present=1)
    assert activity_and_rule(trip)[0] is Activity.TRANSPORT
