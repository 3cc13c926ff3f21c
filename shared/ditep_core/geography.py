"""INSEE regions and departments (2016 regions, COG), and the department of a FINESS.

A FINESS number starts with its department: two characters (01…95, 2A, 2B), or
``97`` then a digit for the overseas departments (971 Guadeloupe … 976 Mayotte).
"""

from __future__ import annotations

from typing import Final

REGIONS: Final[dict[str, str]] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

_DEPARTMENTS_BY_REGION: Final[dict[str, tuple[str, ...]]] = {
    "01": ("971",),
    "02": ("972",),
    "03": ("973",),
    "04": ("974",),
    "06": ("976",),
    "11": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "24": ("18", "28", "36", "37", "41", "45"),
    "27": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "28": ("14", "27", "50", "61", "76"),
    "32": ("02", "59", "60", "62", "80"),
    "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "52": ("44", "49", "53", "72", "85"),
    "53": ("22", "29", "35", "56"),
    "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "93": ("04", "05", "06", "13", "83", "84"),
    "94": ("2A", "2B"),
}

REGION_OF_DEPARTMENT: Final[dict[str, str]] = {
    department: region
    for region, departments in _DEPARTMENTS_BY_REGION.items()
    for department in departments
}


def department_of_finess(finess: str) -> str:
    """``690000017`` → ``69``; ``974000123`` → ``974``; ``2A0000011`` → ``2A``."""
    value = finess.strip().upper()
    return value[:3] if value.startswith("97") else value[:2]


def region_of_department(department: str) -> str | None:
    return REGION_OF_DEPARTMENT.get(department.strip().upper())


def departments_of_region(region: str) -> tuple[str, ...]:
    return _DEPARTMENTS_BY_REGION.get(region, ())
