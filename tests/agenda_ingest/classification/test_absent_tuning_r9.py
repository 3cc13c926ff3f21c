"""Missed sessions and absent young people, ninth round (December 2026): a care session or a home
visit missed keeps the activity planned (said in the title with the family named, or in the
description only), a DITEP day or night noted absent in the young person's own agenda with the
foster family or the CMP given as the reason, a class of the UEE cancelled, a group day cancelled
in the establishment's agenda, a call to the young person who did not come, off sick at home, a
bare "absence", and the decisions kept (the nature of a missed session, the parents seen without
their child). Entries in the tests' own words; each pins the activity, the setting (and a nature or
a rule where it tells) of one decision (docs/classification-rules.md, "Round 9: missed sessions and
absent young people")."""

from __future__ import annotations

from agenda_ingest.classification.links import cue_codes
from tests.agenda_ingest.classification.reading import (
    labels_and_rule,
    timed_entry,
    youth_agenda_entry,
)

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes]}
  - {name: Ferme des Aulnes, kind: site, aliases: [la ferme des Aulnes]}
  - {name: Salle Mont Aigoual, kind: room, aliases: [Mont Aigoual]}
  - {name: Maison Les Genêts, kind: house, aliases: [Genêts]}
  - {name: Groupe Alizé, kind: group, aliases: [Alizé]}
  - {name: Groupe Mistral, kind: group, aliases: [Mistral]}
partners:
  - {name: Collège Rosa Bonheur, kind: school, aliases: [clg Bonheur]}
  - {name: CMP Les Oliviers, kind: care, aliases: [CMP Oliviers]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def _missed(
    summary: str,
    location: str = "",
    description: str = "",
    *,
    youth: int = 1,
    functions: tuple[str, ...] = ("éducatrice spécialisée",),
    times: tuple[str, str] = ("10:00", "11:00"),
) -> dict[str, object]:
    """A session of a professional's agenda planned with young people, none of them there."""
    return timed_entry(
        summary, description, location, youth=youth, present=0, functions=functions, times=times
    )


def _own(
    summary: str,
    location: str = "",
    description: str = "",
    *,
    times: tuple[str, str] = ("09:00", "16:30"),
    start: str | None = None,
    end: str | None = None,
) -> dict[str, object]:
    """An entry of the young person's own agenda, him absent (a DITEP day by default)."""
    return youth_agenda_entry(
        summary, location, description, present=0, times=times, start=start, end=end
    )


def test_a_care_session_missed_with_the_family_unreachable_is_the_session() -> None:
    entry = _missed(
        "Séance de psychomotricité – Noé absent (maman non joignable)",
        "Salle Mont Aigoual",
        functions=("psychomotricienne",),
    )
    assert _read(entry) == ("ambulatoire", "site", "direct", "seance-manquee-dite-r9")
    # The same call to the mother, no session named, stays the coordination with the parents.
    call = _missed("Appel maman de Noé (absent ce matin)")
    assert _read(call)[:3] == ("coordination", "distance", "indirect")


def test_a_consultation_missed_said_in_the_description_is_not_an_exchange_with_the_cmp() -> None:
    entry = _missed(
        "Consultation pédopsychiatre Lilou",
        "CMP Les Oliviers",
        "pas venue, sa mère a prévenu la veille",
        functions=("pédopsychiatre",),
    )
    assert _read(entry) == ("ambulatoire", "soins", "direct", "seance-manquee-decrite-r9")
    # A meeting with the CMP about her, without her, stays coordination.
    meeting = _missed("Réunion CMP / Lilou", "CMP Les Oliviers", "reportée par le CMP")
    assert _read(meeting)[0] == "coordination"


def test_a_home_visit_where_nobody_was_there_is_the_visit_at_home() -> None:
    described = _missed("Visite au domicile", "", "prévue avec Enzo, pas là à notre arrivée")
    assert _read(described) == ("ambulatoire", "domicile", "direct", "vad-manquee-decrite-r9")
    titled = _missed("Enzo n'était pas là à la VAD, une heure de route pour rien", "Lodève")
    assert _read(titled)[:3] == ("ambulatoire", "domicile", "direct")
    # A trip "for nothing" is the visit missed, not a transport.
    trip = _missed("Enzo n'était pas là pour la VAD, trajet pour rien", "Lodève")
    assert _read(trip)[:3] == ("ambulatoire", "domicile", "direct")
    # The phone tried from the door does not make it a session at a distance.
    phoned = _missed("VAD Enzo - ABSENT", "Lodève", "personne, pas de réponse au tél")
    assert _read(phoned)[:3] == ("ambulatoire", "domicile", "direct")
    postponed = _missed("visite éduc domicile - reportée")
    assert _read(postponed)[:3] == ("ambulatoire", "domicile", "direct")


def test_the_description_says_not_there_only_before_a_stop() -> None:
    assert "cue|absent" in cue_codes("Enzo pas là, personne n'a ouvert")
    assert "cue|absent" in cue_codes("famille pas la - 40 min de route pour rien")
    assert "cue|absent" in cue_codes("mère non joignable")
    assert "cue|absent" not in cue_codes("pas la peine de rappeler, RAS")
    assert "cue|absent" not in cue_codes("il s'énerve pour rien")


def test_a_group_day_noted_absent_in_his_agenda_keeps_its_modality() -> None:
    # With the group's educators on the entry, or the group named with no place.
    care = timed_entry(
        "Alizé - absent (RDV CMP ?)",
        "sa mère a prévenu à 8h30",
        "Les Aulnes",
        present=0,
        functions=("éducatrice spécialisée", "moniteur éducateur"),
        kind="youth",
        times=("09:00", "12:00"),
    )
    assert _read(care)[:3] == ("accueil_jour", "site", "direct")
    named = _own("Alizé - absent (RDV au CMP)", times=("09:00", "12:00"))
    assert _read(named)[:3] == ("accueil_jour", "site", "direct")
    foster_day = _own(
        "Semi-internat Mistral - ABSENT (malade, sa famille d'accueil a prévenu)", "Les Aulnes"
    )
    assert _read(foster_day) == (
        "accueil_jour",
        "site",
        "direct",
        "jour-absent-famille-d-accueil-r9",
    )
    foster_night = _own(
        "Genêts - absente (restée chez sa famille d'accueil, angine)",
        start="2026-03-12T17:30:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(foster_night) == (
        "accueil_nuit",
        "site",
        "direct",
        "nuit-absent-famille-d-accueil-r9",
    )
    # The DITEP's own foster care (CAFS) keeps its rules: its night is at the foster carer's.
    cafs = _own(
        "Accueil familial - absent (hospitalisé)",
        start="2026-03-12T17:30:00",
        end="2026-03-13T08:30:00",
    )
    assert _read(cafs)[3] != "nuit-absent-famille-d-accueil-r9"
    described = _own(
        "Mistral / Lou / ferme",
        "la ferme des Aulnes",
        "absent non excusé",
        times=("09:30", "16:00"),
    )
    assert _read(described) == (
        "accueil_jour",
        "site",
        "direct",
        "jour-prevu-absent-agenda-du-jeune-r9",
    )


def test_a_uee_class_cancelled_is_the_class_at_school() -> None:
    entry = _missed(
        "UEE clg Bonheur - enseignant absent",
        "clg Bonheur",
        "pas de remplaçant, élèves dans leur classe",
        youth=5,
        functions=("enseignant spécialisé",),
        times=("08:30", "11:30"),
    )
    assert _read(entry) == ("ambulatoire", "ecole", "direct", "uee-manquee-r9")


def test_a_group_day_cancelled_in_the_establishment_agenda_is_the_day_unit() -> None:
    snow = timed_entry(
        "SI annulé – routes fermées",
        youth=6,
        present=0,
        functions=(),
        kind="establishment",
        times=("09:00", "16:30"),
    )
    assert _read(snow) == ("accueil_jour", "site", "direct", "jour-annule-etablissement-r9")
    group = timed_entry(
        "Mistral",
        "ANNULÉ (journée de formation de l'équipe)",
        "Salle Mont Aigoual",
        youth=6,
        present=0,
        functions=(),
        kind="establishment",
        times=("09:00", "16:30"),
    )
    assert _read(group)[:3] == ("accueil_jour", "site", "direct")


def test_a_call_to_the_young_person_who_did_not_come_is_a_session_at_a_distance() -> None:
    entry = timed_entry(
        "Appel Lina (pas venue à l'atelier)", "jointe sur son portable", times=("09:30", "09:45")
    )
    assert _read(entry) == ("ambulatoire", "distance", "direct", "appel-au-jeune-absent-r9")


def test_off_sick_at_home_and_a_bare_absence_are_his_own_time() -> None:
    sick = _own(
        "Gastro – reste à la maison", description="certificat du médecin", times=("08:00", "17:00")
    )
    assert _read(sick)[:2] == ("hors_prestation", "domicile")
    bare = _own("Absence", description="vacances avec ses parents", times=("08:00", "17:00"))
    assert _read(bare)[:2] == ("hors_prestation", "inconnu")


def test_decisions_kept() -> None:
    # A missed session keeps the nature of the session planned (round 4; recounted on 71 sets).
    missed = _missed("Orthophonie Tom - absent", "Salle Mont Aigoual", functions=("orthophoniste",))
    assert _read(missed)[:3] == ("ambulatoire", "site", "direct")
    # The parents seen without their child stay coordination (no majority to change).
    parents = _missed("Entretien parents de Tom (sans Tom)", "Les Aulnes")
    assert _read(parents)[:3] == ("coordination", "site", "indirect")
    # Off sick with no place said stays at home (round 3).
    sick = _own("ABSENT - malade")
    assert _read(sick)[:2] == ("hors_prestation", "domicile")


def test_a_via_ferrata_is_outside() -> None:
    outing = _missed(
        "Via ferrata Mistral - ANNULÉ météo",
        "Via ferrata du Caroux",
        youth=5,
        times=("13:30", "16:30"),
    )
    assert _read(outing)[:2] == ("accueil_jour", "exterieur")
