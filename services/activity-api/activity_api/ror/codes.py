"""URLs and codes of the ANS ROR guide (IG "Répertoire de l'Offre et des Ressources").

Profile and extension URLs and the code-system URL pattern are those of the IG's own
examples (``ror-location-exemple``, ``HealthcareService-1234564``); codes from
formats.md ("Out: ROR capacity and offer").
"""

from __future__ import annotations

from typing import Final

from ditep_core.nomenclatures import Activity

IG: Final = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition"
PROFILE_ORGANIZATION: Final = f"{IG}/ror-organization"
PROFILE_HEALTHCARE_SERVICE: Final = f"{IG}/ror-healthcareservice"
PROFILE_LOCATION: Final = f"{IG}/ror-location"
EXTENSION_SUPPORTED_CAPACITY: Final = f"{IG}/ror-location-supported-capacity"
EXTENSION_COMMUNE: Final = f"{IG}/ror-commune-cog"
EXTENSION_CREATION_DATE: Final = f"{IG}/ror-meta-creation-date"
EXTENSION_SENSITIVE_UNIT: Final = f"{IG}/ror-healthcareservice-sensitive-unit"
EXTENSION_PATIENT_TYPE: Final = f"{IG}/ror-healthcareservice-patient-type"


def nos(table: str) -> str:
    """A NOS code system: ``TRE_R213-ModePriseEnCharge`` → its FHIR URL."""
    return f"https://mos.esante.gouv.fr/NOS/{table}/FHIR/{table.replace('_', '-')}"


SYSTEM_REGION: Final = nos("TRE_R30-RegionOM")
SYSTEM_CARE_MODE: Final = nos("TRE_R213-ModePriseEnCharge")
SYSTEM_OFFER_CATEGORY: Final = nos("TRE_R244-CategorieOrganisation")
SYSTEM_ESTABLISHMENT_CATEGORY: Final = nos("TRE_R66-CategorieEtablissement")
SYSTEM_CAPACITY_TYPE: Final = nos("TRE_R329-NatureCapacite")
SYSTEM_CAPACITY_STATUS: Final = nos("TRE_R330-TypeStatutCapacite")
SYSTEM_CAPACITY_TEMPORALITY: Final = nos("TRE_R331-TemporaliteCapacite")
SYSTEM_TEMPORARY_ASSIGNMENT: Final = nos("TRE_R337-AffectationTemporaire")
SYSTEM_CAPACITY_SOURCE: Final = nos("TRE_R335-TypeSourceCapacite")
SYSTEM_ACTIVITY_FIELD: Final = nos("TRE_R227-ChampActivite")
SYSTEM_OPERATIONAL_ACTIVITY: Final = nos("TRE_R211-ActiviteOperationnelle")
SYSTEM_OPERATIONAL_ACTIVITY_FAMILY: Final = nos("TRE_R265-PrestationPilotageSerafin")
SYSTEM_SUPPORTED_PUBLIC: Final = nos("TRE_R239-PublicPrisEnCharge")
SYSTEM_OPERATIONAL_RESOURCE_ID_TYPE: Final = nos("TRE_R354-TypeIdentifiantRessourceOperationnelle")
# The commune (INSEE COG code) of ror-commune-cog, as in the guide's Location example.
SYSTEM_COMMUNE: Final = nos("TRE_R13-CommuneOM")
# ror-organization's ``identifier:finess`` slice: patternUri and type (TRE_G07 code 1).
SYSTEM_FINESS: Final = "https://finess.esante.gouv.fr"
SYSTEM_STRUCTURE_IDENTIFIER_TYPE: Final = nos("TRE_G07-TypeIdentifiantStructure")
IDENTIFIER_TYPE_FINESS: Final = "1"

# TRE_R66: 186 = ITEP (a DITEP is registered as its ITEP), 182 = SESSAD.
CATEGORY_ITEP: Final = ("186", "Institut thérapeutique éducatif et pédagogique (ITEP)")
# TRE_R244 offer category 50: ITEP.
OFFER_CATEGORY_ITEP: Final = "50"
# TRE_R227 (JDV_J20) champ d'activité of the offer: an ITEP is a medico-social
# establishment (TRE_R66 186), whatever its modality.
ACTIVITY_FIELD_MEDICO_SOCIAL: Final = ("04", "Médico-social (MS)")
# TRE_R239 (JDV_J29) public pris en charge of an ITEP: young people with a disability
# (psychological difficulties, CASF L312-1 I 2°).
PUBLIC_DISABILITY: Final = ("02", "Personnes en situation de handicap (PH) et aidants")

# ror-location ``identifier:idExterneSynchro`` (TRE_R354 code 26): the id the offer
# holder gives its Location, here ours (``690000017-accueil-nuit``), under this system.
# A first push searches by it before creating, so it never creates a second Location.
IDENTIFIER_TYPE_EXTERNAL_SYNC: Final = "26"
SYSTEM_LOCATION_SYNC_ID: Final = "urn:ditep:ror:location"

# TRE_R213 care mode of each modality of the 2017 decree.
CARE_MODE: Final[dict[Activity, tuple[str, str]]] = {
    Activity.ACCUEIL_NUIT: ("48", "Accueil de nuit"),
    Activity.ACCUEIL_JOUR: ("47", "Accueil de jour"),
    Activity.AMBULATOIRE: ("49", "Sur les lieux de vie"),
}

# ror-healthcareservice ``specialty:operationalActivity`` (1..1, required JDV_J17, codes
# of TRE_R211) and ``specialty:operationalActivityFamily`` (0..1, required JDV_J51, here
# TRE_R265 SERAFIN-PH prestations): in the medico-social field the operational activity
# is a SERAFIN-PH direct prestation. Per modality, the first usual SERAFIN-PH prestation
# of classification.md that JDV_J51 lists, and the TRE_R211 activity the ANS ConceptMap
# ASS_A14 (FamilleActivite -> ActiviteOperationnelle) pairs with it:
# - accueil de nuit: 2.3.2.1 (TRE_R265 019) -> 298, as in the guide's own medico-social
#   HealthcareService example;
# - accueil de jour: 2.2.1.2 (012) -> 295, an ITEP's public being young people whose
#   difficulties disturb their socialisation (CASF D312-59-1);
# - ambulatoire (SESSAD, on the places of life, school first): 2.3.3.1 (022) -> 300.
# Sources: JDV_J17 and JDV_J51 of ansforge/IG-terminologie-de-sante (ig/main, commit
# a1e419ea), ASS_A14 (ConceptMap, terminologies v1.12.0).
OPERATIONAL_ACTIVITY: Final[dict[Activity, tuple[str, str]]] = {
    Activity.ACCUEIL_NUIT: ("298", "Accompagnements pour vivre dans un logement"),
    Activity.ACCUEIL_JOUR: ("295", "Accompagnements pour les relations avec autrui"),
    Activity.AMBULATOIRE: ("300", "Accompagnements à la scolarisation"),
}
OPERATIONAL_ACTIVITY_FAMILY: Final[dict[Activity, tuple[str, str]]] = {
    Activity.ACCUEIL_NUIT: ("019", "2.3.2.1 Accompagnements pour vivre dans un logement"),
    Activity.ACCUEIL_JOUR: (
        "012",
        "2.2.1.2 Accompagnements pour la communication et les relations avec autrui",
    ),
    Activity.AMBULATOIRE: (
        "022",
        "2.3.3.1 Accompagnements pour mener sa vie d'élève, d'étudiant ou d'apprenti",
    ),
}

CAPACITY_TYPE_PLACE: Final = ("02", "Place")
STATUS_INSTALLED: Final = ("01", "Installé")
STATUS_AVAILABLE: Final = ("02", "Disponible")
STATUS_OCCUPIED: Final = ("03", "Occupé")
TEMPORALITY_CURRENT: Final = ("01", "Courant")
TEMPORARY_ASSIGNMENT_NONE: Final = ("01", "Aucune")
# TRE_R335 (JDV_J193) source of a capacity: the figures are computed from the agendas of
# the DUI (dossier usager informatisé, the medico-social counterpart of the DPI).
CAPACITY_SOURCE_DPI: Final = ("04", "Dossier patient informatisé (DPI)")
