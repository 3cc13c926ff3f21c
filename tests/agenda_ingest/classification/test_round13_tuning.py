"""Thirteenth round (December 2026): tuned on DT to DY (round 12's measure). A test or a subject
in the young person's own agenda, learning public transport abbreviated, a summons that is not
a convoy, a point with the drivers, a visit for a reorientation, a crossing for a stay. Entries in
the tests' own words; each pins one decision and the neighbour it must not take
(docs/classification-rules.md, "Round 13").
"""

from __future__ import annotations

from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    timed_entry,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Pertuis, kind: site, aliases: [Les Minimes]}
  - {name: Maison Aytré, kind: house, aliases: [Aytré]}
partners:
  - {name: UEMO La Rochelle, kind: social, aliases: [UEMO]}
  - {name: IME Les Sorbiers, kind: establishment, aliases: [Sorbiers]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_a_test_or_a_subject_in_his_own_agenda_is_his_class() -> None:
    for title in ("ctrl maths + histoire", "bac blanc de français", "DST SVT", "EXT-SCO"):
        entry = youth_agenda_entry(title, times=("08:00", "12:00"))
        assert _read(entry) == (
            "hors_prestation",
            "ecole",
            "direct",
            "scolarite-dite-agenda-du-jeune-r13",
        )
    # With a DITEP professional, the same words are not his own time.
    helped = timed_entry("soutien maths Lou", kind="youth")
    assert _read(helped)[0] != "hors_prestation"


def test_learning_public_transport_abbreviated_is_support() -> None:
    entry = timed_entry(
        "Appr. transports en commun Axel (bus + passeur)",
        location="Vieux-Port",
        times=("16:30", "17:30"),
    )
    assert _read(entry)[:2] == ("ambulatoire", "exterieur")
    drive = timed_entry("Transport Axel -> CMP", times=("16:30", "17:00"))
    assert _read(drive)[0] == "transport"


def test_a_summons_is_not_a_convoy() -> None:
    entry = timed_entry("Convoc UEMO Kylian (avec educ PJJ)", location="UEMO La Rochelle")
    assert _read(entry)[0] != "transport"
    convoy = timed_entry("Convoi jeunes -> séjour", youth=6, present=6, times=("08:00", "09:00"))
    assert _read(convoy)[0] == "transport"


def test_a_point_with_the_drivers_on_transport_is_team_time() -> None:
    entry = timed_entry(
        "Point transports avec chauffeurs",
        youth=0,
        present=0,
        functions=("cheffe de service", "chauffeur", "chauffeur"),
    )
    assert _read(entry)[0::2] == ("institutionnel", "institutionnel")
    assert _read(entry)[3] == "reunion-sur-les-transports-sans-jeune-r8"


def test_a_visit_for_a_reorientation_is_coordination() -> None:
    entry = timed_entry("Visite IME - Dylan + maman (réorientation)", location="IME Les Sorbiers")
    assert _read(entry)[0] == "coordination"


def test_a_crossing_for_a_stay_is_the_trip() -> None:
    entry = timed_entry(
        "Traversée Fouras -> Aix (groupe séjour)",
        youth=8,
        present=8,
        functions=("éducateur", "éducatrice", "moniteur"),
        times=("08:45", "09:15"),
    )
    assert _read(entry)[:2] == ("transport", "inconnu")


def test_an_evaluation_or_physical_activity_in_his_agenda_is_not_said_at_school() -> None:
    assessment = youth_agenda_entry("Évaluation orthophonique", times=("10:00", "11:00"))
    assert _read(assessment)[1] != "ecole"
    sport = youth_agenda_entry("activité physique adaptée", times=("10:00", "11:00"))
    assert _read(sport)[1] != "ecole"
