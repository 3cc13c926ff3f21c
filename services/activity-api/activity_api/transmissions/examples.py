"""The OpenAPI example of a transmitted version (a correction, version 2): the body of
``GET /v1/establishments/{finess}/transmissions/2025-Q1`` from a test run, names and dates
made readable, the diff cut to three figures. ``tests/activity_api/downloads`` checks that it
is a valid ``TransmittedReport``."""

from __future__ import annotations

from typing import Any

TRANSMITTED_EXAMPLE: dict[str, Any] = {
    "establishment": {
        "finess": "690000100",
        "name": "DITEP Les Cèdres",
        "region_code": "84",
        "department_code": "69",
    },
    "period": {
        "code": "2025-Q1",
        "start": "2025-01-01",
        "end": "2025-04-01",
        "timezone": "Europe/Paris",
    },
    "profile_version": "aire-2024.1",
    "rule_set_versions": ["fr-default-2025.1"],
    "file_active": {
        "total": 29,
        "by_status": {
            "pre_admission": 0,
            "accompagnement": 29,
            "suivi_post_sortie": 0,
            "ponctuel": 0,
        },
        "by_modality": {"accueil_nuit": 6, "accueil_jour": 11, "ambulatoire": 12},
    },
    "multi_modality": {"youth": 0, "share": 0.0},
    "transitions": {"count": 0, "youth": 0, "by_pair": {}},
    "units": {
        "total": 29,
        "youth_weeks": 29,
        "by_score": {"1": 29, "2": 0, "3": 0, "4": 0},
        "lt_1h": 0,
        "surcharges": {"complexity": 0, "appui_ressources": 0},
    },
    "hours": {
        "direct": 58.0,
        "indirect": 0.0,
        "total": 58.0,
        "by_activity": {
            "accueil_nuit": 12.0,
            "accueil_jour": 22.0,
            "ambulatoire": 24.0,
            "coordination": 0.0,
            "appui_ressources": 0.0,
        },
        "by_setting": {
            "site": 58.0,
            "domicile": 0.0,
            "ecole": 0.0,
            "exterieur": 0.0,
            "soins": 0.0,
            "distance": 0.0,
            "inconnu": 0.0,
        },
        "appui_ressources_unlinked": {
            "total": 0.0,
            "by_setting": {
                "site": 0.0,
                "domicile": 0.0,
                "ecole": 0.0,
                "exterieur": 0.0,
                "soins": 0.0,
                "distance": 0.0,
                "inconnu": 0.0,
            },
        },
    },
    "days": {
        "journees": {"total": 14.5, "accueil_nuit": 3.0, "accueil_jour": 5.5, "ambulatoire": 6.0},
        "nuits": 0,
        "absences": 0,
        "absent_sessions": 0,
    },
    "acts": {"actes": 12, "seances": 12},
    "capacity": {
        "reference_week": "2025-03-24",
        "accueil_nuit": {"installed": None, "occupied": 0, "available": None},
        "accueil_jour": {"installed": None, "occupied": 0, "available": None},
        "ambulatoire": {"installed": None, "occupied": 0, "available": None},
    },
    "quality": {
        "received": 29,
        "counted": 29,
        "unclassified": 0,
        "cancelled": 0,
        "absent": 0,
        "not_validated": 0,
        "overlaps": 0,
        "without_participants": 0,
        "duplicates_merged": 0,
        "youth_without_pathway": 29,
        "by_source": [
            {
                "source_id": 1,
                "received": 29,
                "counted": 29,
                "unclassified": 0,
                "cancelled": 0,
                "absent": 0,
                "not_validated": 0,
                "overlaps": 0,
                "without_participants": 0,
                "duplicates_merged": 0,
            }
        ],
    },
    "computed_at": "2025-05-06T08:29:57Z",
    "stale": False,
    "frozen": {
        "frozen_at": "2025-05-06T08:30:00Z",
        "frozen_by": "Direction DITEP Les Cèdres",
        "import_ids": [118, 131],
    },
    "transmission": {
        "version": 2,
        "transmitted_at": "2025-05-06T08:30:00Z",
        "transmitted_by": "Direction DITEP Les Cèdres",
        "reason": "Séances de février saisies en retard",
        "profile_version": "aire-2024.1",
        "ruleset_versions": ["fr-default-2025.1"],
        "import_ids": [118, 131],
        "deadline": "2025-04-30",
        "after_deadline": True,
    },
    "diff": [
        {"figure": "days.journees.accueil_jour", "before": 4.5, "after": 5.5},
        {"figure": "days.journees.total", "before": 13.5, "after": 14.5},
        {"figure": "file_active.by_modality.accueil_jour", "before": 9, "after": 11},
    ],
}
