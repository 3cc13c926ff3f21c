"""Round 7 (December 2026): professional time, partners' time or not DITEP support, and the
settings of empty places. Entries in the tests' own words; each pins the activity, the
setting, the nature and the rule of one decision (docs/classification-rules.md, "Round 7:
professional time, partners' time and the settings of empty places")."""

from __future__ import annotations

from agenda_ingest.classification.normalise import ABBREVIATIONS
from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts]}
  - {name: Salle des Fougères, kind: room, aliases: [Fougères]}
  - {name: Groupe Alizé, kind: group, aliases: [Alizé]}
partners:
  - {name: Collège Victor Hugo, kind: school, aliases: [clg Hugo]}
  - {name: Institut de formation sociale du Nord, kind: training, aliases: [IFSN]}
  - {name: CFA des métiers, kind: training, aliases: [CFA]}
  - {name: IME Les Sources, kind: establishment, aliases: [IME]}
  - {name: Club de rugby de Lens, kind: leisure, aliases: [rugby club]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, _PLACES)


def test_a_trainee_professional_with_his_school_is_professional_time() -> None:
    tutor = timed_entry(
        "Visite du formateur IFSN pour Lucie",
        location="Les Genêts",
        youth=0,
        present=0,
        functions=("éducateur spécialisé", "stagiaire éducatrice spécialisée"),
    )
    assert _read(tutor) == (
        "institutionnel",
        "site",
        "institutionnel",
        "formation-du-professionnel-stagiaire-r7",
    )
    course = timed_entry(
        "Lucie - cours IFSN",
        location="IFSN",
        youth=0,
        present=0,
        functions=("apprentie éducatrice",),
    )
    assert _read(course)[:3] == ("institutionnel", "exterieur", "institutionnel")


def test_a_young_person_s_tutor_stays_appui() -> None:
    # A tutor of a young person's placement, no trainee professional: the earlier rules.
    tutor = timed_entry("Rencontre tuteur de stage (garage)", youth=1, present=0)
    assert _read(tutor)[0] == "appui_ressources"
    # The CFA's trainers supported: appui, even with a trainee professional there.
    cfa = timed_entry(
        "Appui formateurs CFA",
        location="CFA des métiers",
        youth=0,
        present=0,
        functions=("psychologue", "stagiaire psychologue"),
    )
    assert _read(cfa)[0] == "appui_ressources"


def test_a_professional_at_a_training_organism_is_trained() -> None:
    day = timed_entry(
        "Journée IFSN", location="IFSN", youth=0, present=0, functions=("psychologue",)
    )
    assert _read(day)[:3] == ("institutionnel", "exterieur", "institutionnel")
    vague = timed_entry("Lucas", location="IFSN", youth=0, present=0, functions=("psychologue",))
    assert _read(vague) == (
        "institutionnel",
        "exterieur",
        "institutionnel",
        "organisme-de-formation-sans-jeune-r7",
    )


def test_a_university_course_is_professional_time() -> None:
    course = timed_entry(
        "DU psychopathologie de l'enfant - Marie",
        location="Université d'Artois",
        youth=0,
        present=0,
        functions=("psychomotricienne",),
    )
    assert _read(course) == (
        "institutionnel",
        "exterieur",
        "institutionnel",
        "universite-sans-jeune-r7",
    )
    # A degree named "Master" is no van.
    master = timed_entry(
        "Master 2 psychologie - cours", location="Faculté de Lille", youth=0, present=0
    )
    assert _read(master)[0] == "institutionnel"


def test_advice_to_a_partner_team_is_appui() -> None:
    pjj = timed_entry("Apport clinique équipe PJJ (visio)", youth=0, present=0)
    assert _read(pjj)[0] == "appui_ressources"
    practice = timed_entry(
        "Analyse des pratiques équipe IME (dans le cadre de la convention)",
        location="IME Les Sources",
        youth=0,
        present=0,
        functions=("psychologue",),
    )
    assert _read(practice) == (
        "appui_ressources",
        "exterieur",
        "institutionnel",
        "appui-equipe-partenaire-par-mot",
    )
    # A partnership meeting about the convention stays the institution's time.
    meeting = timed_entry("Comité de suivi de la convention IME", youth=0, present=0)
    assert _read(meeting)[0] == "institutionnel"


def test_a_group_workshop_cancelled_by_its_coach_is_the_group_s() -> None:
    cancelled = timed_entry(
        "Atelier rugby annulé (entraîneur absent)",
        location="Club de rugby de Lens",
        youth=5,
        present=0,
        functions=("éducateur sportif", "moniteur éducateur"),
    )
    assert _read(cancelled)[:2] == ("accueil_jour", "exterieur")
    # One young person's coach met without him stays appui.
    coach = timed_entry("Échange avec l'entraîneur de Théo", youth=1, present=0)
    assert _read(coach)[0] == "appui_ressources"


def test_support_in_class_is_the_young_person_s_even_when_missed() -> None:
    missed = timed_entry("Soutien en classe 5e - Yanis absent", location="clg Hugo", present=0)
    assert _read(missed)[:3] == ("ambulatoire", "ecole", "direct")
    # Support to the school's team stays appui.
    team = timed_entry(
        "Soutien équipe enseignante (situation Yanis)", location="clg Hugo", present=0
    )
    assert _read(team)[0] == "appui_ressources"


def test_shopping_with_one_young_person_is_ambulatoire() -> None:
    shopping = timed_entry("Achat baskets avec Enzo (argent de poche)", location="Galerie Lens 2")
    assert _read(shopping) == ("ambulatoire", "exterieur", "direct", "courses-d-un-jeune-r7")
    # The cooking workshop's shopping with a group stays the group's.
    group = timed_entry("Courses atelier cuisine", location="Intermarché Lens", youth=3, present=3)
    assert _read(group)[0] == "accueil_jour"


def test_a_room_booked_for_a_group_is_the_day_unit() -> None:
    booked = timed_entry(
        "Réservé Alizé",
        location="Salle des Fougères",
        youth=6,
        present=6,
        functions=(),
        kind="establishment",
    )
    assert _read(booked) == ("accueil_jour", "site", "direct", "salle-reservee-pour-un-groupe-r7")
    # A room booked with nobody stays unclassified.
    empty = timed_entry("Réservé", location="Salle des Fougères", youth=0, present=0, functions=())
    assert _read(empty)[0] == "unclassified"


def test_on_call_duty_of_a_service_is_nowhere_in_particular() -> None:
    duty = timed_entry(
        "Astreinte cadre internat",
        youth=0,
        present=0,
        functions=("chef de service",),
        times=("18:00", "23:00"),
    )
    assert _read(duty) == (
        "institutionnel",
        "inconnu",
        "institutionnel",
        "astreinte-d-un-service-r7",
    )


def test_a_test_entry_at_a_room_is_there() -> None:
    test = timed_entry(
        "test agenda", location="Salle des Fougères", youth=0, present=0, functions=()
    )
    assert _read(test)[:2] == ("unclassified", "site")
    assert _read(timed_entry("test agenda", youth=0, present=0, functions=()))[:2] == (
        "unclassified",
        "inconnu",
    )


def test_creole_koze_is_a_talk() -> None:
    assert ABBREVIATIONS["koze"] == ("entretien",)
    talk = timed_entry("Kozé avec la famille et Jessy", location="Les Genêts")
    assert _read(talk)[:3] == ("ambulatoire", "site", "direct")
