"""Writes entries.jsonl: the wording set, from the phrasings below (run from the repository root:
``python tests/data/wording/build_entries.py``). Each phrasing gives two entries, on two weeks,
at its own times; the labels were decided from docs (domain classification.md) and issue 20's
families of wording, by the person who wrote them, before looking at what the rules say.

A phrasing: (summary, location, youth, youth present, professionals, "activity/setting/nature",
hard, extras) where extras may give ``t`` (start, end clock; an end before the start is the next
morning), ``kind`` (source kind), ``fn`` (functions), ``desc`` (description with links).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

P: list[tuple[Any, ...]] = []


def e(
    summary: str,
    location: str,
    youth: int,
    present: int,
    pros: int,
    labels: str,
    hard: bool,
    **extra: Any,
) -> None:
    P.append((summary, location, youth, present, pros, labels, hard, extra))


N: dict[str, Any] = {"t": ("19:30", "07:45")}
EVE: dict[str, Any] = {"t": ("18:00", "08:30")}
Y: dict[str, Any] = {"kind": "youth"}

# --- Hard: nights named by a house, group or unit, evening to morning, no "nuit"/"internat" ----
e("Les Tilleuls", "", 4, 4, 2, "accueil_nuit/site/direct", True, **N)
e("Maison des Tilleuls - soirée calme", "", 3, 3, 1, "accueil_nuit/site/direct", True, **EVE)
e("La Bastide", "La Bastide", 5, 5, 2, "accueil_nuit/site/direct", True, **N)
e("Bastide : accueil du soir au lendemain", "", 4, 4, 2, "accueil_nuit/site/direct", True, **EVE)
e("Groupe Horizon", "", 6, 6, 2, "accueil_nuit/site/direct", True, t=("20:00", "07:30"))
e("Unité Horizon - veille", "", 6, 6, 1, "accueil_nuit/site/direct", True, t=("21:00", "07:00"))
e("Colibris", "Les Colibris", 5, 5, 2, "accueil_nuit/site/direct", True, t=("19:00", "08:00"))
e("Tilleuls (Noah, Inès, Yanis)", "", 3, 3, 2, "accueil_nuit/site/direct", True, **N)
e("", "Maison des Tilleuls", 4, 4, 2, "accueil_nuit/site/direct", True, **EVE)
e("", "La Bastide", 2, 2, 1, "accueil_nuit/site/direct", True, t=("19:00", "07:30"))
# Same houses and groups by day: accueil de jour.
e("Groupe Colibris", "", 6, 6, 2, "accueil_jour/site/direct", True, t=("09:00", "16:30"))
e("Horizon - matinée", "", 5, 5, 2, "accueil_jour/site/direct", True, t=("09:00", "12:00"))
e(
    "Les Tilleuls - mercredi après-midi",
    "",
    4,
    4,
    2,
    "accueil_jour/site/direct",
    True,
    t=("13:30", "17:00"),
)
e("", "Salle Arc-en-ciel", 3, 3, 1, "accueil_jour/site/direct", True, t=("10:00", "11:30"))

# --- Hard: school inclusion, educational support, home-based support synonyms --------------
e(
    "Inclusion en 5e B avec l'éducatrice",
    "Collège Jean Jaurès",
    1,
    1,
    1,
    "ambulatoire/ecole/direct",
    True,
)
e("Temps d'inclusion accompagné", "École Pasteur", 1, 1, 1, "ambulatoire/ecole/direct", True)
e("Soutien scolaire", "", 1, 1, 1, "ambulatoire/site/direct", True, t=("16:30", "17:30"))
e("Aide aux devoirs individuelle", "Salle polyvalente", 1, 1, 1, "ambulatoire/site/direct", True)
e("Soutien scolaire à la maison", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("Intervention au domicile", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("Passage chez la famille de Sami", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("Accompagnement éducatif à la maison", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("Rencontre au domicile, maman et Léo", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("Soutien parental chez la famille", "", 1, 0, 1, "ambulatoire/domicile/indirect", True)
e("Observation en classe", "Collège Jean Jaurès", 1, 1, 1, "ambulatoire/ecole/direct", True)
e(
    "Temps en classe avec l'AESH",
    "Collège Jean Jaurès",
    1,
    1,
    0,
    "hors_prestation/ecole/direct",
    True,
    **Y,
)
e("Inclusion 6e (AESH)", "Collège Jaurès", 1, 1, 0, "hors_prestation/ecole/direct", True, **Y)
e("Classe de CM1", "École Pasteur", 1, 1, 0, "hors_prestation/ecole/direct", True, **Y)

# --- Hard: transport by vehicle or route ----------------------------------------------------
e("Minibus tournée nord", "", 5, 5, 1, "transport/inconnu/direct", True, t=("07:45", "08:45"))
e("Ramassage Muret - Portet", "", 4, 4, 1, "transport/inconnu/direct", True, t=("07:30", "08:40"))
e("Tournée du soir", "", 3, 3, 1, "transport/inconnu/direct", True, t=("16:45", "17:50"))
e("Circuit Colomiers", "", 4, 4, 1, "transport/inconnu/direct", True, t=("08:00", "08:50"))
e("Kangoo - retour familles", "", 2, 2, 1, "transport/inconnu/direct", True, t=("16:30", "17:30"))
e("Trafic 9 places aller", "", 6, 6, 1, "transport/inconnu/direct", True, t=("07:50", "08:45"))
e("Conduite de Lucas au CMP", "", 1, 1, 1, "transport/inconnu/direct", True)
e("Aller-retour gare Matabiau", "", 1, 1, 1, "transport/inconnu/direct", True)
e("Raccompagnement domicile", "", 2, 2, 1, "transport/inconnu/direct", True)
e("Ligne 2 du matin", "", 5, 5, 1, "transport/inconnu/direct", True, t=("07:40", "08:40"))

# --- Hard: outings named after the destination; the setting depends on whose place it is ---
e("Médiathèque", "Médiathèque José Cabanis", 4, 4, 2, "accueil_jour/exterieur/direct", True)
e("Bibliothèque du quartier", "", 3, 3, 1, "accueil_jour/exterieur/direct", True)
e("Piscine", "Piscine Léo Lagrange", 5, 5, 2, "accueil_jour/exterieur/direct", True)
e("Piscine", "Bassin thérapeutique", 3, 3, 1, "accueil_jour/site/direct", True)
e("Gym", "Gymnase Compans", 6, 6, 2, "accueil_jour/exterieur/direct", True)
e("Gymnase", "Salle de sport du DITEP", 6, 6, 2, "accueil_jour/site/direct", True)
e("Escalade", "Salle de sport du DITEP", 4, 4, 1, "accueil_jour/site/direct", True)
e("Ludothèque", "", 3, 3, 1, "accueil_jour/exterieur/direct", True)
e("Cinéma", "Cinéma Utopia", 5, 5, 2, "accueil_jour/exterieur/direct", True)
e("Bowling", "", 6, 6, 2, "accueil_jour/exterieur/direct", True)
e("Ferme pédagogique", "", 6, 6, 2, "accueil_jour/exterieur/direct", True)
e("Cuisine", "Centre social Bellefontaine", 4, 4, 1, "accueil_jour/exterieur/direct", True)
e("Patinoire", "", 5, 5, 2, "accueil_jour/exterieur/direct", True)
e("Musée des Augustins", "", 4, 4, 2, "accueil_jour/exterieur/direct", True)

# --- Hard: internal meetings versus meetings with partners ----------------------------------
e("Réunion avec l'ASE pour Théo", "", 1, 0, 2, "coordination/site/indirect", True)
e(
    "Rencontre CMP - point de situation",
    "CMP Les Lilas",
    1,
    0,
    1,
    "coordination/soins/indirect",
    True,
)
e(
    "Réunion partenariale au collège",
    "Collège Jean Jaurès",
    1,
    0,
    2,
    "coordination/ecole/indirect",
    True,
)
e("Point référente ASE", "", 1, 0, 1, "coordination/site/indirect", True)
e(
    "Échange avec l'IME sur l'orientation d'Adam",
    "IME Les Cèdres",
    1,
    0,
    1,
    "coordination/exterieur/indirect",
    True,
)
e("Réunion d'équipe Colibris", "", 0, 0, 6, "institutionnel/site/institutionnel", True)
e(
    "Réunion inter-équipes",
    "Salle polyvalente",
    0,
    0,
    12,
    "institutionnel/site/institutionnel",
    True,
)
e("Staff du lundi", "", 0, 0, 8, "institutionnel/site/institutionnel", True)
e("Réunion clinique", "", 0, 0, 7, "institutionnel/site/institutionnel", True)
e("Point éducateurs Horizon", "", 0, 0, 4, "institutionnel/site/institutionnel", True)
e("Rencontre MDPH (dossier de Jade)", "", 1, 0, 1, "coordination/site/indirect", True)
e("Rdv assistante sociale secteur pour Mia", "", 1, 0, 1, "coordination/site/indirect", True)

# --- Hard: video calls by tool or link ------------------------------------------------------
e(
    "Entretien maman de Lina",
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
    1,
    0,
    1,
    "ambulatoire/distance/indirect",
    True,
)
e("Séance psy", "Zoom", 1, 1, 1, "ambulatoire/distance/direct", True, fn=["psychologue"])
e(
    "Synthèse de Nolan",
    "",
    1,
    0,
    5,
    "coordination/distance/indirect",
    True,
    desc="Lien : https://us02web.zoom.us/j/8123456789",
)
e(
    "Réunion d'équipe",
    "",
    0,
    0,
    9,
    "institutionnel/distance/institutionnel",
    True,
    desc="Rejoindre : https://teams.microsoft.com/l/meetup-join/abc",
)
e("Entretien famille en visio", "", 1, 0, 1, "ambulatoire/distance/indirect", True)
e("Suivi psychologique (Teams)", "", 1, 1, 1, "ambulatoire/distance/direct", True)
e(
    "ESS",
    "",
    1,
    0,
    3,
    "coordination/distance/indirect",
    True,
    desc="https://meet.google.com/abc-defg-hij",
)
e(
    "Bilan ortho",
    "",
    1,
    1,
    1,
    "ambulatoire/distance/direct",
    True,
    desc="Visio : https://webex.com/meet/ortho",
)

# --- Hard: partner premises are not the DITEP's site ----------------------------------------
e("Atelier cuisine", "Centre social Bellefontaine", 4, 4, 1, "accueil_jour/exterieur/direct", True)
e("Séance", "CMP Les Lilas", 1, 1, 1, "ambulatoire/soins/direct", True, fn=["psychologue"])
e(
    "Rendez-vous infirmière",
    "Infirmerie scolaire",
    1,
    1,
    1,
    "ambulatoire/ecole/direct",
    True,
    fn=["infirmière"],
)
e("Visite de pré-admission", "IME Les Cèdres", 1, 1, 1, "ambulatoire/exterieur/direct", True)
e(
    "Formation gestes de premiers secours",
    "IRTS Occitanie",
    0,
    0,
    6,
    "institutionnel/exterieur/institutionnel",
    True,
)
e("Formation", "IRTS", 0, 0, 2, "institutionnel/exterieur/institutionnel", True)
e(
    "Entretien éducatif",
    "Centre social Bellefontaine",
    1,
    1,
    1,
    "ambulatoire/exterieur/direct",
    True,
)
e("Accompagnement consultation", "CHU Purpan", 1, 1, 1, "ambulatoire/soins/direct", True)
e(
    "Atelier théâtre",
    "Salle Mozart, MJC Croix-Daurade",
    5,
    5,
    2,
    "accueil_jour/inconnu/direct",
    True,
)
e("Entretien", "14 rue des Lilas, Balma", 1, 1, 1, "ambulatoire/inconnu/direct", True)

# --- Hard: a young person's own agenda with no DITEP professional ---------------------------
e("Hôpital de jour", "CHU Purpan", 1, 1, 0, "hors_prestation/soins/direct", True, **Y)
e("Stage en entreprise", "Garage Dupuy", 1, 1, 0, "hors_prestation/exterieur/direct", True, **Y)
e("Stage découverte boulangerie", "", 1, 1, 0, "hors_prestation/inconnu/direct", True, **Y)
e("Orthophoniste libérale", "", 1, 1, 0, "hors_prestation/soins/direct", True, **Y)
e(
    "Consultation pédopsychiatre CMP",
    "CMP Les Lilas",
    1,
    1,
    0,
    "hors_prestation/soins/direct",
    True,
    **Y,
)
e("Entraînement foot", "Stade municipal", 1, 1, 0, "hors_prestation/exterieur/direct", True, **Y)
e("Conservatoire - solfège", "", 1, 1, 0, "hors_prestation/inconnu/direct", True, **Y)
e("Chez papa", "", 1, 1, 0, "hors_prestation/domicile/direct", True, **Y)
e("Séance kiné", "Cabinet de kinésithérapie", 1, 1, 0, "hors_prestation/soins/direct", True, **Y)
e("Mathématiques", "Collège Jean Jaurès", 1, 1, 0, "hors_prestation/ecole/direct", True, **Y)

# --- Hard: typos and missing accents in the common words ------------------------------------
e("reunoin d'equipe", "", 0, 0, 8, "institutionnel/site/institutionnel", True)
e("seence orthophonie", "", 1, 1, 1, "ambulatoire/site/direct", True)
e("vistie a domicile", "", 1, 1, 1, "ambulatoire/domicile/direct", True)
e("internta", "", 4, 4, 2, "accueil_nuit/site/direct", True, **N)
e("acompagnement scolaire", "Collège Jean Jaurès", 1, 1, 1, "ambulatoire/ecole/direct", True)
e("transprot taxi", "", 1, 1, 0, "transport/inconnu/direct", True)
e("synthse PPA Enzo", "", 1, 0, 4, "coordination/site/indirect", True)
e("reunion equipe pluridiciplinaire", "", 0, 0, 10, "institutionnel/site/institutionnel", True)
e("semi-interant", "", 6, 6, 2, "accueil_jour/site/direct", True, t=("09:00", "16:00"))
e("consultaton psy", "", 1, 1, 1, "ambulatoire/site/direct", True)
e("psychomotriciet", "", 1, 1, 1, "ambulatoire/site/direct", True)
e("Formaiton bientraitance", "", 0, 0, 12, "institutionnel/site/institutionnel", True)
e("Soutient scolaire", "", 1, 1, 1, "ambulatoire/site/direct", True)
e("Ramasage Muret", "", 4, 4, 1, "transport/inconnu/direct", True)

# --- Plain wording (from the specification's examples and their usual variants) -------------
e(
    "Internat – soirée et coucher",
    "",
    6,
    6,
    2,
    "accueil_nuit/site/direct",
    False,
    t=("18:00", "08:00"),
)
e("INTERNAT", "", 8, 8, 2, "accueil_nuit/site/direct", False, **N)
e("Nuit à l'internat", "", 5, 5, 1, "accueil_nuit/site/direct", False, **N)
e("Internat séquentiel", "", 3, 3, 1, "accueil_nuit/site/direct", False, **N)
e("Veille de nuit", "", 6, 6, 1, "accueil_nuit/site/direct", False, t=("22:00", "07:00"))
e("Accueil de nuit", "", 4, 4, 2, "accueil_nuit/site/direct", False, **N)
e("Coucher internat", "", 6, 6, 2, "accueil_nuit/site/direct", False, t=("20:00", "22:30"))
e(
    "Semi-internat groupe Les Cèdres",
    "",
    8,
    8,
    3,
    "accueil_jour/site/direct",
    False,
    t=("09:00", "16:30"),
)
e("Semi-internat", "", 10, 10, 3, "accueil_jour/site/direct", False, t=("08:45", "16:15"))
e("Externat", "", 5, 5, 2, "accueil_jour/site/direct", False, t=("09:00", "16:00"))
e("Accueil de jour", "", 7, 7, 2, "accueil_jour/site/direct", False, t=("09:00", "16:30"))
e("Atelier bois", "", 4, 4, 1, "accueil_jour/site/direct", False)
e("Atelier cuisine", "", 4, 4, 1, "accueil_jour/site/direct", False)
e("Atelier terre", "", 3, 3, 1, "accueil_jour/site/direct", False)
e("Unité d'enseignement", "", 6, 6, 1, "accueil_jour/site/direct", False, fn=["enseignant"])
e("Classe interne", "", 6, 6, 1, "accueil_jour/site/direct", False, fn=["enseignante"])
e("Repas thérapeutique", "", 6, 6, 2, "accueil_jour/site/direct", False)
e("Sortie piscine", "", 5, 5, 2, "accueil_jour/exterieur/direct", False)
e("Sport collectif", "", 8, 8, 2, "accueil_jour/site/direct", False)
e("Équitation", "", 4, 4, 2, "accueil_jour/exterieur/direct", False)
e("VAD famille X", "", 1, 1, 1, "ambulatoire/domicile/direct", False)
e("VAD", "", 1, 1, 1, "ambulatoire/domicile/direct", False)
e("Visite à domicile", "", 1, 1, 1, "ambulatoire/domicile/direct", False)
e(
    "SESSAD – accompagnement en classe",
    "Collège Jean Jaurès",
    1,
    1,
    1,
    "ambulatoire/ecole/direct",
    False,
)
e("Séance orthophonie", "Bureau SESSAD", 1, 1, 1, "ambulatoire/site/direct", False)
e("Orthophonie", "", 1, 1, 1, "ambulatoire/site/direct", False, fn=["orthophoniste"])
e("Psychomotricité", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Séance psychomot", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Entretien psychologue", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Suivi éducatif", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Bilan psychométrique", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Relaxation", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Consultation pédopsychiatre", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Entretien téléphonique avec la mère", "", 1, 0, 1, "ambulatoire/distance/indirect", False)
e("Appel famille", "", 1, 0, 1, "ambulatoire/distance/indirect", False)
e("Synthèse PPA de Y", "", 1, 0, 5, "coordination/site/indirect", False)
e("Synthèse", "", 1, 0, 6, "coordination/site/indirect", False)
e("ESS collège Jean Moulin", "", 1, 0, 2, "coordination/ecole/indirect", False)
e("Équipe de suivi de scolarisation", "", 1, 0, 2, "coordination/site/indirect", False)
e("Réunion MDPH", "", 1, 0, 1, "coordination/site/indirect", False)
e("Réunion ASE", "", 1, 0, 1, "coordination/site/indirect", False)
e("Projet personnalisé : réunion de projet", "", 1, 0, 4, "coordination/site/indirect", False)
e("Concertation partenaires", "", 1, 0, 3, "coordination/site/indirect", False)
e(
    "Appui équipe enseignante école Jaurès",
    "",
    0,
    0,
    1,
    "appui_ressources/ecole/institutionnel",
    False,
)
e(
    "Sensibilisation des animateurs du centre de loisirs",
    "",
    0,
    0,
    1,
    "appui_ressources/exterieur/institutionnel",
    False,
)
e("Appui AESH", "", 0, 0, 1, "appui_ressources/site/institutionnel", False)
e("Taxi domicile → DITEP", "", 1, 1, 0, "transport/inconnu/direct", False)
e("Taxi", "", 1, 1, 0, "transport/inconnu/direct", False)
e("Navette", "", 6, 6, 1, "transport/inconnu/direct", False)
e("Transport", "", 3, 3, 1, "transport/inconnu/direct", False)
e("Trajet retour", "", 2, 2, 1, "transport/inconnu/direct", False)
e("VSL hôpital", "", 1, 1, 0, "transport/inconnu/direct", False)
e("Classe ULIS", "", 1, 1, 0, "hors_prestation/ecole/direct", False, **Y)
e("Classe ordinaire", "", 1, 1, 0, "hors_prestation/ecole/direct", False, **Y)
e("Collège", "", 1, 1, 0, "hors_prestation/ecole/direct", False, **Y)
e("Week-end en famille", "", 1, 1, 0, "hors_prestation/domicile/direct", False, **Y)
e("Retour en famille", "", 1, 1, 0, "hors_prestation/domicile/direct", False, **Y)
e("Vacances", "", 1, 1, 0, "hors_prestation/inconnu/direct", False, **Y)
e("Centre de loisirs", "", 1, 1, 0, "hors_prestation/exterieur/direct", False, **Y)
e("Réunion d'équipe pluridisciplinaire", "", 0, 0, 12, "institutionnel/site/institutionnel", False)
e("Réunion de service", "", 0, 0, 20, "institutionnel/site/institutionnel", False)
e("Analyse des pratiques", "", 0, 0, 8, "institutionnel/site/institutionnel", False)
e("Supervision", "", 0, 0, 6, "institutionnel/site/institutionnel", False)
e("Formation", "", 0, 0, 1, "institutionnel/site/institutionnel", False)
e("Rédaction des écrits", "", 0, 0, 1, "institutionnel/site/institutionnel", False)
e("Congés", "", 0, 0, 1, "institutionnel/site/institutionnel", False)
e("Réunion de cadres", "", 0, 0, 5, "institutionnel/site/institutionnel", False)
e("Transmissions", "", 0, 0, 3, "institutionnel/site/institutionnel", False)
e("CVS", "", 0, 0, 4, "institutionnel/site/institutionnel", False)
e("Accueil familial CAFS", "", 1, 1, 1, "accueil_nuit/domicile/direct", False, **N)
e("Famille d'accueil", "", 1, 1, 1, "accueil_nuit/domicile/direct", False, **N)
e("Séjour montagne", "", 6, 6, 3, "accueil_nuit/exterieur/direct", False, t=("09:00", "18:00"))
e("UEE", "", 4, 4, 1, "ambulatoire/ecole/direct", False)
e("Classe externalisée", "", 5, 5, 1, "ambulatoire/ecole/direct", False)
e("Accompagnement au collège", "", 1, 1, 1, "ambulatoire/ecole/direct", False)
e("Consultation au CMP", "", 1, 1, 1, "ambulatoire/soins/direct", False)
e("Entretien famille", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Rdv avec l'enseignante de Tom", "", 1, 0, 1, "appui_ressources/site/indirect", False)
e("Point avec le professeur principal", "", 1, 0, 1, "appui_ressources/site/indirect", False)
e("Rencontre enseignants", "École Pasteur", 0, 0, 1, "appui_ressources/ecole/institutionnel", False)
e("Préparation du projet", "", 0, 0, 1, "institutionnel/site/institutionnel", False)

e("Groupe de parole ados", "", 6, 6, 2, "accueil_jour/site/direct", False)
e("Atelier informatique", "", 4, 4, 1, "accueil_jour/site/direct", False)
e("Temps de classe", "", 6, 6, 1, "accueil_jour/site/direct", False, fn=["enseignant"])
e("Accueil du matin", "", 8, 8, 2, "accueil_jour/site/direct", False, t=("08:30", "09:15"))
e("Soirée jeux à l'internat", "", 6, 6, 2, "accueil_nuit/site/direct", False, t=("20:00", "22:00"))
e("Séance d'orthophonie au cabinet", "", 1, 1, 1, "ambulatoire/soins/direct", False)
e("Visite domicile famille B.", "", 1, 1, 2, "ambulatoire/domicile/direct", False)
e("Suivi psychologique", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Bilan psychomoteur", "", 1, 1, 1, "ambulatoire/site/direct", False)
e("Synthèse annuelle", "", 1, 0, 7, "coordination/site/indirect", False)
e("GEVA-Sco", "", 1, 0, 2, "coordination/site/indirect", False)
e("Réunion équipe éducative", "", 1, 0, 4, "coordination/site/indirect", False)
e("Taxi retour domicile", "", 1, 1, 0, "transport/inconnu/direct", False)
e("Judo", "", 1, 1, 0, "hors_prestation/exterieur/direct", False, **Y)
e("Réunion de direction", "", 0, 0, 4, "institutionnel/site/institutionnel", False)
e("Journée pédagogique", "", 0, 0, 30, "institutionnel/site/institutionnel", False)
e("Entretien professionnel annuel", "", 0, 0, 2, "institutionnel/site/institutionnel", False)


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def entries() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, (summary, location, youth, present, pros, labels, hard, extra) in enumerate(P):
        activity, setting, nature = labels.split("/")
        begin, finish = extra.get("t", ("10:00", "11:00"))
        for week in (0, 1):
            day = dt.date(2026, 3, 2) + dt.timedelta(days=7 * week + index % 5)
            start = dt.datetime.combine(day, _clock(begin))
            end = dt.datetime.combine(day, _clock(finish))
            if end <= start:
                end += dt.timedelta(days=1)
            entry: dict[str, Any] = {
                "summary": summary if week == 0 or hard else summary.upper(),
                "location": location,
                "start": start.isoformat(timespec="minutes"),
                "end": end.isoformat(timespec="minutes"),
                "youth": youth,
                "youth_present": present,
                "professionals": pros,
                "source_kind": extra.get("kind", "establishment"),
            }
            if "fn" in extra:
                entry["functions"] = extra["fn"]
            if "desc" in extra:
                entry["description"] = extra["desc"]
            entry["hard"] = hard
            entry["expected"] = {"activity": activity, "setting": setting, "nature": nature}
            out.append(entry)
    return out


if __name__ == "__main__":
    rows = entries()
    (HERE / "entries.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    hard = sum(1 for row in rows if row["hard"])
    print(f"{len(rows)} entries, {hard} hard")
