"""The place readings added in round 6 when a location or a place word is given (December
2026): a call or video word heading the title says a distance whatever place the location
names; a stay at a lycée or a collège in the young person's own agenda is at the school; a
partner the title names, with the young person, beats the DITEP's premises named as a whole;
a session of one whose young person is absent, at a town the registry does not know, is not
a meeting elsewhere."""

from __future__ import annotations

from agenda_ingest.classification.engine import CompiledRuleSet, default_with_places
from tests.agenda_ingest.classification.reading import professional_entry, setting_of

_PLACES = (
    "own:\n"
    "  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts, site central]}\n"
    "  - {name: Salle Horizon, kind: room, aliases: [Horizon]}\n"
    "  - {name: Maison Alizé, kind: house, aliases: [Alizé]}\n"
    "partners:\n"
    "  - {name: CMP Saint-Roch, kind: care, aliases: [CMP]}\n"
    "  - {name: Lycée professionnel Vauban, kind: school, aliases: [LP Vauban]}\n"
    "  - {name: Ludothèque Le Dé, kind: leisure, aliases: [ludo Le Dé]}\n"
    "  - {name: CFA des Métiers, kind: training, aliases: [CFA]}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def test_a_call_heading_the_title_is_at_a_distance() -> None:
    rules = _rules()
    call = professional_entry("Tél CMP Saint-Roch - Lou", present=0)
    assert setting_of(rules, **call, location="CMP Saint-Roch") == "distance"
    video = professional_entry("Visio équipe éducative Lou", present=0, professionals=2)
    assert setting_of(rules, **video, location="Salle Horizon") == "distance"
    point = professional_entry("Point téléphonique CMP - Lou", present=0)
    assert setting_of(rules, **point, location="CMP") == "distance"
    assert setting_of(rules, **professional_entry("Téléconsult Lou"), location="Horizon") == (
        "distance"
    )
    # Further on in the title, the call is a detail: the place says where.
    detail = professional_entry("Synthèse de Lou (CMP en visio)", present=0, professionals=3)
    assert setting_of(rules, **detail, location="Salle Horizon") == "site"
    workshop = professional_entry("Atelier emploi - appels aux employeurs", youth=3, present=3)
    assert setting_of(rules, **workshop, location="Salle Horizon") == "site"


def test_a_call_word_in_an_idiom_is_no_call() -> None:
    # After round 6's measure (CN): « zoom sur » is a close look, not the video tool.
    rules = _rules()
    look = professional_entry("Zoom sur le parcours de Lou", present=0, professionals=4)
    assert setting_of(rules, **look, location="Salle Horizon") == "site"
    projects = professional_entry("Appel à projets ARS - dossier", youth=0, present=0)
    assert setting_of(rules, **projects, location="Salle Horizon") == "site"
    # The tool itself still says a distance.
    video = professional_entry("Zoom équipe CMP - Lou", present=0, professionals=2)
    assert setting_of(rules, **video, location="Salle Horizon") == "distance"


def test_a_stay_at_a_lycee_in_his_own_agenda_is_at_the_school() -> None:
    rules = _rules()
    stay = professional_entry("Mini-stage menuiserie", professionals=0, kind="youth")
    assert setting_of(rules, **stay, location="LP Vauban") == "ecole"
    unknown = professional_entry("Stage atelier CAP", professionals=0, kind="youth")
    assert setting_of(rules, **unknown, location="LP Jules Ferry, Brest") == "ecole"
    # A stay at a firm stays outside, even in a street named after a school.
    firm = professional_entry("Stage carrosserie", professionals=0, kind="youth")
    assert setting_of(rules, **firm, location="Carrosserie du Lycée, Brest") == "exterieur"
    # A CFA is left to the stay rule (its writer files it outside).
    cfa = professional_entry("Stage CFA", professionals=0, kind="youth")
    assert setting_of(rules, **cfa, location="CFA") == "exterieur"


def test_a_partner_named_at_the_premises_says_where() -> None:
    rules = _rules()
    care = professional_entry("Consultation / Lou / CMP", kind="youth")
    assert setting_of(rules, **care, location="Les Genêts") == "soins"
    school = professional_entry("LP Vauban / Lou")
    assert setting_of(rules, **school, location="DITEP Les Genêts") == "ecole"
    outing = professional_entry("Jeux / Lou / ludo Le Dé", professionals=0, kind="youth")
    assert setting_of(rules, **outing, location="site central") == "exterieur"
    # Without the young person, a meeting about a partner is held at the premises.
    meeting = professional_entry("Dossier CMP - Lou", present=0)
    assert setting_of(rules, **meeting, location="Les Genêts") == "site"
    # A room or a house of the DITEP is where it says, whatever partner the title names.
    room = professional_entry("Préparation rendez-vous CMP avec Lou")
    assert setting_of(rules, **room, location="Salle Horizon") == "site"


def test_a_no_show_at_a_town_is_not_a_meeting_elsewhere() -> None:
    rules = _rules()
    absent = professional_entry("PEC Lou", present=0)
    assert setting_of(rules, **absent, location="Landerneau") == "inconnu"
    # Professionals meeting at a town, no young person: elsewhere, as before.
    network = professional_entry("Réunion réseau", youth=0, present=0, professionals=2)
    assert setting_of(rules, **network, location="Landerneau") == "exterieur"
