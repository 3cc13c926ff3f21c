"""The place readings added in round 5 on the setting side (December 2026): the home said in
the description, "@" written for "à", and a family named as company in the title."""

from __future__ import annotations

from agenda_ingest.classification.engine import CompiledRuleSet, default_with_places
from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import setting_of

_PLACES = (
    "own:\n  - {name: DITEP Les Hauts de Loire, kind: site, aliases: [site Loire]}\n"
    "partners:\n  - {name: Collège Rabelais, kind: school}\n"
)


def _rules() -> CompiledRuleSet:
    return default_with_places(_PLACES)


def _seen(summary: str, description: str = "") -> dict[str, object]:
    return {
        "summary": summary,
        "description": description,
        "youth": 1,
        "youth_present": 1,
        "professionals": 1,
        "functions": ["moniteur éducateur"],
        "source_kind": "professional",
    }


def test_the_description_says_the_home() -> None:
    assert cue_codes("lecture à la maison avec la mère") == ("cue|home",)
    assert cue_codes("domicile, rangement de la chambre") == ("cue|home",)
    assert cue_codes("chez l'assistant familial, devoirs") == ("cue|home",)
    assert cue_codes("chez la famille d’accueil") == ("cue|home",)
    # A way home is not a session there; a home word later in a sentence is not its start.
    assert cue_codes("retour à la maison en bus") == ()
    assert cue_codes("taxi domicile") == ()
    assert cue_codes("bilan : pas de domicile fixe") == ()


def test_a_session_in_a_town_said_at_home_is_at_home() -> None:
    rules = _rules()
    at_home = _seen("Suivi Maxence", "à la maison, avec son oncle")
    assert setting_of(rules, **at_home, location="Chinon") == "domicile"
    first = _seen("Accompagnement Inès", "domicile : préparation du sac de classe")
    assert setting_of(rules, **first, location="Bourgueil") == "domicile"
    carer = _seen("PEC Loïc", "chez l'assistante familiale")
    assert setting_of(rules, **carer, location="Langeais") == "domicile"
    # Nothing said: a town stays a place whose kind is not said.
    assert setting_of(rules, **_seen("Suivi Maxence"), location="Chinon") == "inconnu"
    # A video link still says a call, whatever the young person's home.
    call = _seen("Visio Maxence", "Maxence à la maison, grippé")
    assert setting_of(rules, **call, location="https://meet.jit.si/ditep-maxence") == "distance"


def test_an_at_sign_is_read_as_a() -> None:
    rules = _rules()
    homework = _seen("Devoirs @ la maison - Lilou")
    assert setting_of(rules, **homework, location="Azay-le-Rideau") == "domicile"
    # An address keeps its "@" (no "à" inside a word).
    mail = _seen("Suivi Lilou", "mail à lilou.parents@exemple.fr")
    assert setting_of(rules, **mail, location="Azay-le-Rideau") == "inconnu"


def test_a_family_named_as_company_is_no_home() -> None:
    rules = _rules()
    own = {"youth": 1, "youth_present": 1, "professionals": 0, "source_kind": "youth"}
    out = {"summary": "Sortie zoo avec sa famille d'accueil", **own}
    assert setting_of(rules, **out, location="Beauval") == "exterieur"
    lake = {"summary": "Sortie au lac avec la famille d'accueil", **own}
    assert setting_of(rules, **lake, location="Tours") == "exterieur"
    # Staying with the family is still his home.
    stay = {"summary": "Week-end famille d'accueil", **own}
    assert setting_of(rules, **stay, location="Tours") == "domicile"
