"""Nights, transport and vehicles, seventh round (December 2026): a young person's agenda
sleeping at the DITEP or "chez Mme X", homework in an internat house after school, a night at
the DITEP whose description says a young person stayed home, a closed house, the family
weekend naming the internat, and the transport rules' edges (a driver's leave or training, a
home visit naming the car, a call to a school named "… Gare", a place named "Ligne …", a real
word the typo corrector took for another)."""

from __future__ import annotations

from agenda_ingest.classification.entries import facts_from_entry
from ditep_core.nomenclatures import Activity, Nature, Setting
from tests.agenda_ingest.classification.reading import rules_with, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aubépines, kind: site, aliases: [Les Aubépines, Aubépines]}
  - {name: Maison Les Saules, kind: house, aliases: [Saules, MS]}
  - {name: Maison Le Verger, kind: house, aliases: [Verger]}
partners:
  - {name: Collège Ligne Verte, kind: school, aliases: [clg Ligne Verte]}
  - {name: École Saint-Jean Gare, kind: school, aliases: [école St Jean Gare]}
"""


def _read(entry: dict[str, object]) -> tuple[Activity, Setting, Nature, str]:
    got = rules_with(PLACES).classify(facts_from_entry(entry))
    return got.activity, got.setting, got.nature, got.rule_id


EVENING, MORNING = "2026-11-05T17:30", "2026-11-06T08:30"


def test_a_young_persons_agenda_sleeping_at_the_ditep_site_is_the_night() -> None:
    # A house's short name as the title, the site as the place, no professional attached.
    night = timed_entry(
        "MS", location="Les Aubépines", functions=(), kind="youth", start=EVENING, end=MORNING
    )
    assert _read(night) == (
        Activity.ACCUEIL_NUIT,
        Setting.SITE,
        Nature.DIRECT,
        "nuit-au-ditep-agenda-du-jeune-r7",
    )
    # By day the same entry stays the day unit.
    day = timed_entry("MS", location="Les Aubépines", functions=(), kind="youth")
    assert _read(day)[0] is Activity.ACCUEIL_JOUR


def test_chez_mme_overnight_in_the_young_persons_agenda_is_the_foster_carer() -> None:
    carer = timed_entry(
        "Chez Mme Lefranc",
        location="Annœullin",
        functions=(),
        kind="youth",
        start=EVENING,
        end=MORNING,
    )
    assert _read(carer) == (
        Activity.ACCUEIL_NUIT,
        Setting.DOMICILE,
        Nature.DIRECT,
        "nuit-chez-mme-agenda-du-jeune-r7",
    )
    # His own family is not named so: his life outside the DITEP.
    family = timed_entry(
        "Chez papa", location="Annœullin", functions=(), kind="youth", start=EVENING, end=MORNING
    )
    assert _read(family)[0] is Activity.HORS_PRESTATION


def test_homework_in_an_internat_house_after_school_is_the_evening() -> None:
    homework = timed_entry(
        "Devoirs + goûter Verger",
        location="Maison Le Verger",
        youth=4,
        present=4,
        start="2026-11-05T16:15",
        end="2026-11-05T17:45",
    )
    assert _read(homework)[::3] == (Activity.ACCUEIL_NUIT, "devoirs-en-maison-d-internat-r7")
    # Homework at the site stays the day unit's group.
    site = {**homework, "location": "Les Aubépines", "summary": "Aide aux devoirs"}
    assert _read(site)[0] is Activity.ACCUEIL_JOUR


def test_a_night_at_the_ditep_whose_description_says_a_youth_stayed_home_is_at_the_ditep() -> None:
    night = timed_entry(
        "Saules soirée",
        youth=6,
        present=5,
        functions=("moniteur éducateur", "surveillant de nuit"),
        start=EVENING,
        end=MORNING,
        description="Lina absente (reste chez sa mère, angine)",
    )
    assert _read(night) == (
        Activity.ACCUEIL_NUIT,
        Setting.SITE,
        Nature.DIRECT,
        "nuit-au-ditep-jeune-reste-chez-lui-r7",
    )


def test_a_closed_house_is_the_night_planned_direct() -> None:
    closed = timed_entry(
        "Maison Les Saules - FERMÉE (tempête)",
        location="Maison Les Saules",
        youth=6,
        present=0,
        functions=("surveillant de nuit",),
        start=EVENING,
        end=MORNING,
    )
    activity, _setting, nature, _rule = _read(closed)
    assert (activity, nature) == (Activity.ACCUEIL_NUIT, Nature.DIRECT)


def test_the_family_weekend_naming_the_internat_is_his_life_outside() -> None:
    weekend = timed_entry(
        "Week-end en famille, retour internat dimanche soir",
        functions=(),
        kind="youth",
        start="2026-11-06T17:00",
        end="2026-11-06T18:00",
    )
    assert _read(weekend)[0] is Activity.HORS_PRESTATION


def test_the_transport_rules_edges() -> None:
    # The driver's sick leave and training are not trips.
    leave = timed_entry(
        "Arrêt maladie",
        youth=0,
        present=0,
        functions=("chauffeur",),
        start="2026-11-05T00:00",
        end="2026-11-07T00:00",
    )
    assert _read(leave)[0] is not Activity.TRANSPORT
    training = timed_entry(
        "Formation conduite hivernale (chauffeurs)",
        location="Circuit de Lohéac",
        youth=0,
        present=0,
        functions=("chauffeur", "chauffeur"),
    )
    assert _read(training)[0] is Activity.INSTITUTIONNEL
    # A home visit naming the car to take is the visit.
    visit = timed_entry("VAD Noé – prévoir la Clio", location="Seclin")
    assert _read(visit)[:2] == (Activity.AMBULATOIRE, Setting.DOMICILE)
    # A call to a school named "… Gare" is no trip; nor a meeting at a school named "Ligne …".
    call = timed_entry("tél directrice école St Jean Gare", youth=0, present=0)
    assert _read(call)[0] is not Activity.TRANSPORT
    ess = timed_entry(
        "ESS clg Ligne Verte – Tom", location="Collège Ligne Verte", present=0, functions=("a", "b")
    )
    assert _read(ess)[0] is Activity.COORDINATION
    # A line with young people on board stays the run.
    run = timed_entry(
        "Ligne Haubourdin / Aubépines",
        youth=4,
        present=4,
        start="2026-11-05T07:30",
        end="2026-11-05T08:30",
    )
    assert _read(run)[::3] == (Activity.TRANSPORT, "ligne-avec-jeunes-r7")
    # "Plaine" is a real word, not a typo of "plainte": the car and its run are read.
    car = timed_entry(
        "Duster : Plaine des Sables ↔ Aubépines",
        youth=2,
        present=2,
        start="2026-11-05T07:00",
        end="2026-11-05T08:00",
    )
    assert _read(car)[::3] == (Activity.TRANSPORT, "transport-par-voiture")
