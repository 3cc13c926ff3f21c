"""Twelfth round (December 2026): tuned on DN to DS (round 11's measure, the first sets written
in agenda order). A barge crossing, a reception after a hospital stay, an animal mediation for
two, a professional's desk time, dentist and first-aid training, a night logged "RAS", a night at
the foster family abbreviated "FA", desk work with no place at the DITEP, a phone number given
with hidden digits. Entries in the tests' own words; each pins one decision and the neighbour it
must not take (docs/classification-rules.md, "Round 12").
"""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Baobabs, kind: site, aliases: [Site Baobabs]}
  - {name: Maison Ylang, kind: house, aliases: [Ylang]}
partners:
  - {name: Centre équestre du Moulin, kind: leisure, aliases: [CE Moulin]}
  - {name: Institut Azur Formation, kind: training, aliases: [IAF]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def _desk(
    summary: str,
    description: str = "",
    *,
    location: str = "",
    kind: str = "professional",
    times: tuple[str, str] = ("14:00", "15:30"),
) -> dict[str, object]:
    """A professional's entry (a room's with ``kind``) with no young person attached."""
    return timed_entry(summary, description, location, youth=0, present=0, kind=kind, times=times)


def test_a_barge_crossing_is_transport_but_a_barge_that_says_the_hour_is_not() -> None:
    crossing = timed_entry("barge Zaïnaba + Anli", times=("07:00", "07:40"))
    assert _read(crossing)[:2] == ("transport", "inconnu")
    outing = timed_entry("Plage de Moya - groupe (barge 8h)", youth=5, present=5)
    assert _read(outing)[0] == "accueil_jour"
    delayed = timed_entry("Ortho Faïza - reporté (barge en panne)", location="Site Baobabs")
    assert _read(delayed)[0] == "ambulatoire"


def test_a_reception_after_a_hospital_stay_is_not_a_trip() -> None:
    entry = timed_entry(
        "Accueil Louna (retour d'hospit)",
        location="Site Baobabs",
        functions=("psychologue", "éducatrice spécialisée"),
        times=("10:00", "11:00"),
    )
    assert _read(entry)[:2] == ("ambulatoire", "site")


def test_an_animal_mediation_for_two_is_a_session() -> None:
    entry = timed_entry(
        "Médiation équine Yanis + Sacha", location="Centre équestre du Moulin", youth=2, present=2
    )
    assert _read(entry)[:2] == ("ambulatoire", "exterieur")


def test_a_desk_alone_in_a_professionals_agenda_is_desk_time_at_the_ditep() -> None:
    assert _read(_desk("Bureau")) == (
        "institutionnel",
        "site",
        "institutionnel",
        "bureau-seul-sans-jeune-r12",
    )
    # A room's agenda booking "Bureau" says nothing of what happens there.
    assert _read(_desk("Bureau", kind="establishment"))[0] == "unclassified"


def test_desk_work_with_no_place_is_at_the_ditep_and_an_on_call_duty_is_not() -> None:
    assert _read(_desk("Admin / mails"))[:2] == ("institutionnel", "site")
    assert _read(_desk("Entretiens de recrutement ME"))[:2] == ("institutionnel", "site")
    on_call = _desk("Astreinte cadre", "tel astreinte 06 72 .. .. ..", times=("18:00", "23:00"))
    assert _read(on_call)[:2] == ("institutionnel", "inconnu")


def test_a_phone_number_with_hidden_digits_is_a_number_not_a_call() -> None:
    assert cue_codes("tel astreinte 06 72 .. .. ..") == ()
    assert cue_codes("tel astreinte 06 xx xx xx xx") == ()
    assert cue_codes("tél avec la mère") == ("cue|phone",)


def test_a_professionals_dentist_is_leave_and_first_aid_training_is_training() -> None:
    dentist = _read(_desk("dentiste", times=("09:00", "10:00")))
    # Where is the word's own (a dentist's practice): the activity and the rule are the point.
    assert (dentist[0], dentist[2], dentist[3]) == (
        "institutionnel",
        "institutionnel",
        "conges-et-absences-du-professionnel",
    )
    first_aid = _desk("Stage SST", location="Institut Azur Formation", times=("09:00", "17:00"))
    assert _read(first_aid) == (
        "institutionnel",
        "exterieur",
        "institutionnel",
        "formation-sans-jeune",
    )


def test_a_night_logged_ras_is_the_night() -> None:
    night = timed_entry(
        "RAS",
        youth=7,
        present=7,
        functions=("surveillant de nuit",),
        start="2026-03-12T21:00:00",
        end="2026-03-13T07:00:00",
    )
    assert _read(night)[0] == "accueil_nuit"
    # By day, "RAS" alone says nothing.
    assert _read(timed_entry("RAS"))[0] == "unclassified"


def test_a_night_at_the_foster_family_abbreviated_fa_is_the_night() -> None:
    entry = timed_entry(
        "FA Girard",
        functions=(),
        kind="youth",
        start="2026-03-12T17:00:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(entry) == (
        "accueil_nuit",
        "domicile",
        "direct",
        "famille-d-accueil-la-nuit-agenda-du-jeune",
    )


def test_a_closure_with_nobody_is_neither_a_night_nor_a_day() -> None:
    closed = timed_entry(
        "Fermeture internat - vacances de printemps",
        location="Maison Ylang",
        youth=0,
        present=0,
        functions=(),
        kind="establishment",
        start="2026-04-12T18:00:00",
        end="2026-04-13T08:00:00",
    )
    assert _read(closed)[0::2] == ("institutionnel", "institutionnel")
    assert _read(closed)[3] == "fermeture-sans-personne-r12"
    # With a young person planned there, the night planned keeps its rules.
    planned = timed_entry(
        "Internat fermé - Enzo",
        location="Maison Ylang",
        present=0,
        functions=("moniteur éducateur",),
        start="2026-04-12T18:00:00",
        end="2026-04-13T08:00:00",
    )
    assert _read(planned)[0] == "accueil_nuit"
