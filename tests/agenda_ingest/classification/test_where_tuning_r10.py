"""Where, round 10 (December 2026): settings with no place and homes that are institutions.
Appui-ressources with no place is at an unknown place, not the DITEP's; an astreinte without a
young person is where the professional is, whatever word comes with it; a phone permanence held
at the DITEP's premises is there; a description starting with « appel » and whom says a call; a
café named with the DITEP's premises' name is that café; a place's name repeated in the title is
not desk work; a young person's studio at a FJT is his home. Decisions kept: desk work, sessions
and meetings with no place keep the DITEP's office; a MECS or a foyer without the young person
stays a partner's place, outside."""

from __future__ import annotations

from typing import Any

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

_PLACES = """format: ditep-places/1
own:
  - {name: DITEP Les Genêts, kind: site, aliases: [Les Genêts, site Genêts]}
  - {name: Antenne Place du Marché, kind: site, aliases: [antenne Marché, Place du Marché]}
  - {name: Bureau secrétariat, kind: room, aliases: [secrétariat]}
  - {name: Service de suite, kind: group, aliases: [SDS]}
  - {name: Maison Les Aulnes, kind: house, aliases: [Aulnes]}
partners:
  - {name: Résidence jeunes La Vigie (FJT), kind: establishment, aliases: [FJT Vigie, FJT]}
  - {name: MECS Le Phare, kind: establishment, aliases: [Le Phare]}
  - {name: Collège Jean Rostand, kind: school, aliases: [clg Rostand]}
"""

_ALONE: dict[str, Any] = {"youth": 0, "present": 0}


def _read(summary: str, location: str = "", **entry: Any) -> tuple[str, str, str, str]:
    return labels_and_rule(timed_entry(summary, location=location, **entry), _PLACES)


def test_appui_ressources_with_no_place_is_at_an_unknown_place() -> None:
    alone = _read("Appui-ressource", functions=("psychologue",), **_ALONE)
    assert alone[:2] == ("appui_ressources", "inconnu")
    assert _read("Appui RASED secteur Nord", **_ALONE)[:2] == ("appui_ressources", "inconnu")
    # A place word, a call or a registry place still says where.
    assert _read("Appui équipe école Jaurès", **_ALONE)[1] == "ecole"
    assert _read("Appui-ressource (tél) enseignante", **_ALONE)[1] == "distance"
    assert _read("Appui-ressource enseignants", "clg Rostand", **_ALONE)[1] == "ecole"


def test_an_astreinte_without_a_young_person_is_where_the_professional_is() -> None:
    duty = _read(
        "ASTREINTE CSE semaine",
        functions=("CSE",),
        times=("18:00", "23:59"),
        **_ALONE,
    )
    assert duty[:2] == ("institutionnel", "inconnu")
    assert duty[3] == "astreinte-sans-jeune-r10"
    # A place given still says where; a call word says the distance.
    assert _read("Astreinte réunion cadres", "Les Genêts", **_ALONE)[1] == "site"
    assert _read("Astreinte tél cadre", **_ALONE)[1] == "distance"
    # Not read: a team meeting without the word, which stays at the DITEP.
    meeting = _read("Réunion CSE / direction", functions=("CSE", "directrice"), **_ALONE)
    assert meeting[:2] == ("institutionnel", "site")
    assert meeting[3] != "astreinte-sans-jeune-r10"


def test_a_phone_permanence_at_the_ditep_s_premises_is_there() -> None:
    desk = _read("Permanence téléphonique SESSAD", "antenne Marché", **_ALONE)
    assert desk[:2] == ("institutionnel", "site")
    assert desk[3] == "permanence-telephonique-au-ditep-r10"
    assert _read("Perm tél familles", "secrétariat", **_ALONE)[1] == "site"
    # Not read: with no place, or at a service named as a group, the phone says the distance.
    assert _read("Permanence tél SESSAD", **_ALONE)[1] == "distance"
    grouped = _read("Permanence tel service de suite", "SDS", **_ALONE)
    assert grouped[1] == "distance"
    assert grouped[3] != "permanence-telephonique-au-ditep-r10"


def test_a_description_starting_with_a_call_and_whom_says_a_call() -> None:
    mdph = _read(
        "Point dossier MDPH de L.",
        description="appel référente MDPH",
        youth=1,
        present=0,
        functions=("assistante sociale",),
    )
    assert mdph[:2] == ("coordination", "distance")
    # Not a call at a time, nor what led to a session held at a place.
    duty = _read("Astreinte", description="Appel à 23h10 : fugue signalée", **_ALONE)
    assert duty[1] == "inconnu"
    crisis = _read("Crise en classe - L.", "clg Rostand", description="appel CPE, je me déplace")
    assert crisis[1] == "ecole"


def test_a_cafe_named_with_the_premises_name_is_that_cafe() -> None:
    cafe = _read("Point post-sortie T. au café", "café Place du Marché")
    assert cafe[:2] == ("ambulatoire", "exterieur")
    assert _read("Point post-sortie T. au bar", "bar place du Marché")[1] == "exterieur"
    # Not read: the premises alone stay the DITEP's.
    assert _read("Entretien T.", "Place du Marché")[1] == "site"


def test_a_place_s_name_repeated_in_the_title_is_not_desk_work() -> None:
    stay = _read(
        "Séjour raquettes Les Saisies",
        "Les Saisies (Savoie)",
        youth=6,
        present=6,
        functions=("éducateur spécialisé", "moniteur éducateur"),
        start="2026-02-16T09:00:00",
        end="2026-02-20T17:00:00",
    )
    assert stay[:2] == ("accueil_nuit", "exterieur")
    # Not read: desk work named in the title, at a place of its own, is still desk work.
    desk = _read("Saisie DUI", "Mairie annexe", **_ALONE)
    assert desk[0] == "institutionnel"


def test_a_young_person_s_studio_at_a_fjt_is_his_home() -> None:
    visit = _read("VAD studio FJT - R.", "FJT Vigie", times=("18:00", "19:00"))
    assert visit[:2] == ("ambulatoire", "domicile")
    assert visit[3] == "visite-au-studio-d-un-fjt-r10"
    assert _read("Rencontre R. dans son studio", "FJT Vigie")[1] == "domicile"
    # Not read: a visit at the FJT whose title does not say his lodging stays a partner's place.
    plain = _read("Suivi post-sortie R. - visite", "FJT Vigie")
    assert plain[1] == "exterieur"
    assert plain[3] != "visite-au-studio-d-un-fjt-r10"


def test_decisions_kept() -> None:
    # Desk work, a session and a synthesis with no place keep the DITEP's office (labellers split,
    # or the specification's own examples).
    assert _read("Écrits", **_ALONE)[:2] == ("institutionnel", "site")
    ortho = _read("Séance orthophonie", functions=("orthophoniste",), times=("10:00", "10:45"))
    assert ortho[:2] == ("ambulatoire", "site")
    synthesis = _read("Synthèse PPA de Y.", youth=1, present=0, functions=("psychologue",))
    assert synthesis[:2] == ("coordination", "site")
    # A MECS without the young person stays a partner's place, outside; with him, his home.
    support = _read("Appui équipe MECS Le Phare (situation N.)", "Le Phare", youth=1, present=0)
    assert support[:2] == ("appui_ressources", "exterieur")
    assert _read("VAD N. à la MECS", "Le Phare")[1] == "domicile"
