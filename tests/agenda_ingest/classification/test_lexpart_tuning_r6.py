"""The partners' vocabulary, sixth round (December 2026): the sigles a French DITEP writes for
its care, school, justice, child-protection, social, leisure and vocational partners, read as
the rules already read their spelt-out or better-known forms. Entries of our own phrasing."""

from __future__ import annotations

import pytest

from agenda_ingest.classification.engine import default_rule_set
from agenda_ingest.classification.entries import facts_from_entry
from agenda_ingest.classification.normalise import ABBREVIATIONS
from ditep_core.nomenclatures import Activity, Nature, Setting


def _classify(
    summary: str,
    youth: int,
    present: int,
    professionals: int,
    *,
    location: str = "",
    kind: str = "professional",
    start: str = "10:00",
    end: str = "11:00",
) -> tuple[Activity, Setting, Nature]:
    entry: dict[str, object] = {
        "summary": summary,
        "location": location,
        "description": "",
        "start": f"2026-03-04T{start}",
        "end": f"2026-03-04T{end}",
        "youth": youth,
        "youth_present": present,
        "professionals": professionals,
        "functions": ["éducatrice spécialisée"] * professionals,
        "source_kind": kind,
    }
    result = default_rule_set().classify(facts_from_entry(entry))
    return result.activity, result.setting, result.nature


def _own_agenda(summary: str, start: str = "14:00", end: str = "16:00") -> tuple[Activity, Setting]:
    """A young person's own agenda, no DITEP professional listed."""
    activity, setting, _ = _classify(summary, 1, 1, 0, kind="youth", start=start, end=end)
    return activity, setting


def test_the_cmp_sigles_and_the_cattp_are_read_as_the_cmp() -> None:
    for sigle in ("cmpea", "cmpij", "cmpi", "cmpe", "cattp"):
        assert ABBREVIATIONS[sigle] == ("cmp",)
    # Accompanied there: the support, at a care place.
    assert _classify("Accompagnement CATTP - Lucas", 1, 1, 1) == (
        Activity.AMBULATOIRE,
        Setting.SOINS,
        Nature.DIRECT,
    )
    # In his own agenda: his care outside the DITEP, even a "groupe" there.
    for summary in ("CATTP", "Groupe CATTP ados", "CMPIJ", "CMPEA - groupe"):
        assert _own_agenda(summary) == (Activity.HORS_PRESTATION, Setting.SOINS), summary
    # About him, him absent: coordination with a care partner.
    assert _classify("Point CMPEA - Hugo", 1, 0, 1) == (
        Activity.COORDINATION,
        Setting.SOINS,
        Nature.INDIRECT,
    )
    assert _classify("Synthèse CATTP - Noé", 1, 0, 2)[:2] == (Activity.COORDINATION, Setting.SOINS)


def test_psychiatric_hospitals_the_maison_des_ados_and_addiction_care_are_care_places() -> None:
    assert _own_agenda("Hospitalisation CHS", "08:00", "18:00") == (
        Activity.HORS_PRESTATION,
        Setting.SOINS,
    )
    assert _own_agenda("MDA", "17:00", "18:00") == (Activity.HORS_PRESTATION, Setting.SOINS)
    for summary in (
        "Visite Noah EPSM",
        "CSAPA avec Kevin",
        "Bilan au centre ressources autisme - Tom",
    ):
        assert _classify(summary, 1, 1, 1)[:2] == (Activity.AMBULATOIRE, Setting.SOINS), summary
    assert _classify("Échange CSAPA - Kevin", 1, 0, 1) == (
        Activity.COORDINATION,
        Setting.SOINS,
        Nature.INDIRECT,
    )


def test_the_erea_the_lp_and_the_relais_classes_are_schools() -> None:
    for summary in ("EREA", "LP Mermoz", "Atelier relais", "Dispositif relais - Mathis"):
        assert _own_agenda(summary, "08:30", "16:30") == (
            Activity.HORS_PRESTATION,
            Setting.ECOLE,
        ), summary
    assert _classify("Accompagnement EREA - Mathis", 1, 1, 1)[:2] == (
        Activity.AMBULATOIRE,
        Setting.ECOLE,
    )
    assert _classify("ESS Mathis EREA", 1, 0, 2) == (
        Activity.COORDINATION,
        Setting.ECOLE,
        Nature.INDIRECT,
    )


def test_orientation_and_employment_services_are_places_of_the_town() -> None:
    assert ABBREVIATIONS["ml"] == ("mission", "locale")
    for summary in (
        "Accompagnement CIO - Rayan",
        "Cap emploi avec Kevin",
        "Rdv conseillère ML - Kevin",
    ):
        assert _classify(summary, 1, 1, 1) == (
            Activity.AMBULATOIRE,
            Setting.EXTERIEUR,
            Nature.DIRECT,
        ), summary


def test_leisure_and_work_placements_in_the_own_agenda_are_his_life_outside() -> None:
    for summary in ("CLAS", "UNSS", "Colo", "PMSMP"):
        assert _own_agenda(summary) == (Activity.HORS_PRESTATION, Setting.EXTERIEUR), summary


def test_mdph_rights_and_justice_measures_are_coordination() -> None:
    for summary in ("Dossier RQTH Kevin", "Point MJIE - Noah", "UEAJ - Noah", "CEF - Yanis"):
        assert _classify(summary, 1, 0, 1) == (
            Activity.COORDINATION,
            Setting.SITE,
            Nature.INDIRECT,
        ), summary
    assert _classify("Convocation TPE - Yanis", 1, 1, 1)[0] is Activity.COORDINATION


@pytest.mark.parametrize("location", ["LVA Les Chênes", "FDE de Rodez"])
def test_where_a_placed_young_person_lives_is_his_home(location: str) -> None:
    # Spelt out as "lieu de vie", "foyer de l'enfance": a residence word.
    assert _classify("Entretien Noah", 1, 1, 1, location=location) == (
        Activity.AMBULATOIRE,
        Setting.DOMICILE,
        Nature.DIRECT,
    )


def test_the_departments_social_service_by_its_other_names_is_outside() -> None:
    result = _classify(
        "Accompagnement Lina et sa mère (aide sociale)", 1, 1, 1, location="MDSI Bordeaux Nord"
    )
    assert result == (Activity.AMBULATOIRE, Setting.EXTERIEUR, Nature.DIRECT)


def test_a_titre_de_sejour_is_no_stay() -> None:
    assert _classify("Accompagnement préfecture titre de séjour - Kevin", 1, 1, 1) == (
        Activity.AMBULATOIRE,
        Setting.EXTERIEUR,
        Nature.DIRECT,
    )
    # The DITEP's own stay is still one.
    assert _own_agenda("Séjour montagne", "09:00", "17:00")[0] is Activity.ACCUEIL_NUIT
