"""Who is there, tenth round (December 2026): the young person accompanied to his hearing, at
his foster family's, to a trial day, to the doctor, at a family meal; a partner's team and the
DITEP's together; team time (quality, the DITEP's teachers, practice analysis in a room's
agenda); a club's instructors trained. Entries in the tests' own words; each pins the activity
(and the rule) of one decision (docs/classification-rules.md, "Round 10: who is there")."""

from __future__ import annotations

from tests.agenda_ingest.classification.reading import labels_and_rule, timed_entry

PLACES = """
format: ditep-places/1
own:
  - {name: DITEP Les Aulnes, kind: site, aliases: [Les Aulnes]}
  - {name: Groupe Castors, kind: group, aliases: [Castors]}
  - {name: Salle Vercors, kind: room, aliases: [Vercors]}
partners:
  - {name: Collège Jules Verne, kind: school, aliases: [clg Verne]}
"""


def _read(entry: dict[str, object]) -> tuple[str, str, str, str]:
    return labels_and_rule(entry, PLACES)


def test_the_hearing_alone_stays_coordination() -> None:
    entry = timed_entry("Audience JE - Noam", location="Tribunal judiciaire de Valence")
    assert _read(entry)[0] == "coordination"


def test_trial_day_at_a_group_during_pre_admission_is_the_day_unit() -> None:
    entry = timed_entry(
        "Stage découverte Castors - Enzo (pré-admission)",
        location="Castors",
        times=("09:00", "16:00"),
    )
    assert _read(entry)[0] == "accueil_jour"


def test_pre_admission_interview_stays_coordination() -> None:
    entry = timed_entry("Pré-admission : rencontre Enzo + parents", location="Les Aulnes")
    assert _read(entry)[0] == "coordination"


def test_doctor_and_family_meal_with_one_young_person() -> None:
    assert (
        _read(
            timed_entry(
                "Accompagnement chez le généraliste (certificat foot)", location="Cabinet Dr Roux"
            )
        )[0]
        == "ambulatoire"
    )
    activity, _setting, _, rule = _read(
        timed_entry("Repas chez la famille Duval", location="Saillans")
    )
    assert (activity, rule) == ("ambulatoire", "repas-en-famille-un-jeune-r10")


def test_visit_at_the_ase_foster_family_with_him_is_support() -> None:
    entry = timed_entry("Visite famille d'accueil ASE - Noam", location="Crest")
    activity, setting, _, rule = _read(entry)
    assert (activity, setting, rule) == (
        "ambulatoire",
        "domicile",
        "visite-famille-d-accueil-avec-le-jeune-r10",
    )


def test_postponed_session_at_the_ditep_is_the_session() -> None:
    entry = timed_entry(
        "Consult pédopsy Noam décalée",
        location="Les Aulnes",
        present=0,
        functions=("pedopsychiatre",),
    )
    assert _read(entry)[0] == "ambulatoire"


def test_partner_team_and_ditep_together_is_coordination() -> None:
    entry = timed_entry("Visio équipe foyer / DITEP - Noam", location="Teams", present=0)
    assert _read(entry)[0] == "coordination"


def test_team_time_without_young_people() -> None:
    quality = timed_entry(
        "Bilan des fiches événements indésirables", location="Vercors", youth=0, present=0
    )
    assert _read(quality)[0] == "institutionnel"
    teachers = timed_entry(
        "Réunion des enseignants - coordination pédagogique",
        location="Vercors",
        youth=0,
        present=0,
        functions=("enseignante", "enseignant"),
    )
    assert _read(teachers)[0] == "institutionnel"
    room = timed_entry(
        "Vercors - réservée supervision", location="Vercors", youth=0, present=0, functions=()
    )
    room["source_kind"] = "establishment"
    assert _read(room)[0] == "institutionnel"


def test_teachers_meeting_at_a_partner_school_is_not_read_by_the_team_rule() -> None:
    entry = timed_entry(
        "Réunion enseignants clg Verne (gestion de crise)",
        location="clg Verne",
        youth=0,
        present=0,
        functions=("enseignante",),
    )
    assert _read(entry)[3] != "reunion-des-enseignants-du-ditep-r10"


def test_training_a_club_s_instructors_is_appui() -> None:
    entry = timed_entry(
        "Formation des moniteurs du club de voile", location="Club nautique", youth=0, present=0
    )
    assert _read(entry)[0] == "appui_ressources"
    recruit = timed_entry(
        "Formation moniteur-éducateur (IRTS)", location="IRTS", youth=0, present=0
    )
    assert _read(recruit)[3] != "appui-formation-moniteurs-r10"
