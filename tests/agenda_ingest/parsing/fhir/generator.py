"""A TDDUI export of a fictional DITEP as one FHIR Bundle, deterministic.

``generate(youth=100, events=20_000)`` gives a ``transaction`` Bundle (or
``collection`` with ``bundle_type``) holding one Organization, ``STAFF``
Practitioners (RPPS identifier, qualification), the young people as Patients
(INS-NIR and a local identifier, names as real exports have them), one TDDUI
stay per young person (accommodation modality in ``serviceType``) and
``events`` TDDUI event Encounters spread over a school year: SERAFIN-PH type
code and French label, status, "usager présent" (false for syntheses), "hors
prestation" (true for ordinary classes), the stay in ``partOf``, one
practitioner. References are ``urn:uuid:`` into the bundle. The same
arguments give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
FIRST_MONDAY = dt.date(2024, 9, 2)
WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
STAFF = 30
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
MODALITY = "https://mos.esante.gouv.fr/NOS/TRE_R338-ModaliteAccueil/FHIR/TRE-R338-ModaliteAccueil"
_NAMESPACE = uuid.UUID("6f1c3a52-0d0e-4c1b-9a43-1b2c3d4e5f60")

# (label, SERAFIN-PH code, start hour, start minute, minutes, function, youth present)
SESSIONS = [
    ("Semi-internat groupe Les Cèdres", "2.2.2", 9, 0, 450, "éducateur spécialisé", True),
    ("Internat – soirée et coucher", "2.2.1", 18, 0, 840, "éducatrice", True),
    ("SESSAD – accompagnement en classe", "2.3.3.1", 10, 0, 60, "éducatrice", True),
    ("VAD famille", "2.1.2", 14, 0, 90, "éducateur spécialisé", True),
    ("Séance orthophonie", "2.1.1.2", 16, 30, 45, "orthophoniste", True),
    ("Psychomotricité", "2.1.1.3", 17, 0, 45, "psychomotricien", True),
    ("Atelier groupe éducatif", "2.3.1", 9, 30, 360, "éducateur spécialisé", True),
    ("Entretien psychologue", "2.1.1.1", 11, 0, 45, "psychologue", True),
    ("Synthèse PPA", "2.4.1", 14, 0, 60, "psychologue", False),
]
FUNCTIONS = sorted({session[5] for session in SESSIONS})


def _urn(kind: str, number: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}-{number}')}"


def _local(day: dt.date, hour: int, minute: int, plus_minutes: int = 0) -> str:
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)
    moment = (moment.astimezone(dt.UTC) + dt.timedelta(minutes=plus_minutes)).astimezone(PARIS)
    return moment.isoformat()


def _entry(full_url: str, resource: dict[str, Any], bundle_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"fullUrl": full_url, "resource": resource}
    if bundle_type == "transaction":
        entry["request"] = {"method": "POST", "url": resource["resourceType"]}
    return entry


def _organization() -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1690000017"}],
        "name": "DITEP Les Cèdres",
    }


def _practitioner(number: int) -> dict[str, Any]:
    function = FUNCTIONS[number % len(FUNCTIONS)]
    return {
        "resourceType": "Practitioner",
        "meta": {"profile": [f"{TDDUI}/tddui-practitioner"]},
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": f"10{number:09d}"}],
        "name": [{"family": f"Pro{number}", "given": ["Camille"]}],
        "qualification": [{"code": {"text": function}}],
    }


def _patient(number: int, rng: random.Random) -> dict[str, Any]:
    nir = f"{rng.choice('12')}{rng.randint(8, 18) % 100:02d}{rng.randint(1, 12):02d}69"
    nir += f"{rng.randint(100, 999)}{rng.randint(100, 999)}"
    rng.randint(10, 97)  # the key was drawn: the draw is kept, so the rest stays the same
    nir += f"{97 - int(nir) % 97:02d}"  # its real key (a wrong one is rejected)
    return {
        "resourceType": "Patient",
        "meta": {"profile": [f"{TDDUI}/tddui-patient-ins"]},
        "identifier": [
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                            "code": "INS-NIR",
                        }
                    ]
                },
                "system": "urn:oid:1.2.250.1.213.1.4.8",
                "value": nir,
            },
            {
                "system": "https://identifiant-medicosocial-localusager.esante.gouv.fr",
                "value": f"3690000017/{number:06d}",
            },
        ],
        "name": [{"family": f"Jeune{number}", "given": ["Alex"]}],
        "gender": rng.choice(["male", "female"]),
        "birthDate": f"{2008 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d}",
    }


def _stay(number: int) -> dict[str, Any]:
    ended = number % 10 == 9
    period: dict[str, str] = {"start": "2024-09-02"}
    if ended:
        period["end"] = "2025-06-30"
    return {
        "resourceType": "Encounter",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-sejour"]},
        "extension": [{"url": f"{TDDUI}/tddui-admission-date", "valueDateTime": "2024-09-02"}],
        "identifier": [
            {
                "type": {
                    "coding": [
                        {
                            "system": (
                                "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/"
                                "tddui-encounter-identifier"
                            ),
                            "code": "SEJ",
                        }
                    ]
                },
                "system": "https://identifiant-medicosocial-sejour.esante.gouv.fr",
                "value": f"3690000017/{number:06d}-SEJOUR-{number + 1000}",
            }
        ],
        "status": "finished" if ended else "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH"},
        "serviceType": {
            "coding": [
                {
                    "system": MODALITY,
                    "code": "01" if number % 3 == 0 else "03",
                    "display": "Accueil séquentiel accepté" if number % 3 == 0 else "En présentiel",
                }
            ]
        },
        "subject": {"reference": _urn("patient", number)},
        "period": period,
        "serviceProvider": {"reference": _urn("organization", 0)},
    }


def _event(
    number: int, youth: int, day: dt.date, kind: int, professional: int, rng: random.Random
) -> dict[str, Any]:
    label, code, hour, minute, minutes, _function, present = SESSIONS[kind]
    roll = rng.random()
    status = "finished" if roll < 0.7 else "triaged" if roll < 0.85 else "planned"
    if roll > 0.97:
        status = "cancelled"
    extensions: list[dict[str, Any]] = [
        {"url": f"{TDDUI}/tddui-event-label", "valueString": label},
        {"url": f"{TDDUI}/tddui-patient-present", "valueBoolean": present},
    ]
    if kind == 2 and rng.random() < 0.05:
        extensions.append({"url": f"{TDDUI}/tddui-outside-service", "valueBoolean": True})
    return {
        "resourceType": "Encounter",
        "meta": {"profile": [f"{TDDUI}/tddui-encounter-evenement"]},
        "extension": extensions,
        "identifier": [
            {
                "system": "https://identifiant-medicosocial-evenement.esante.gouv.fr",
                "value": f"3690000017/{youth:06d}-EVN-{number}",
            }
        ],
        "status": status,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [
            {"coding": [{"system": SERAFIN, "code": code}]},
            {"text": label},
        ],
        "subject": {"reference": _urn("patient", youth)},
        "participant": [{"individual": {"reference": _urn("practitioner", professional)}}],
        "period": {
            "start": _local(day, hour, minute),
            "end": _local(day, hour, minute, minutes),
        },
        "partOf": {"reference": _urn("stay", youth)},
        "serviceProvider": {"reference": _urn("organization", 0)},
    }


def generate(
    youth: int = 100, events: int = 20_000, *, bundle_type: str = "transaction", seed: int = 2024
) -> bytes:
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = [_entry(_urn("organization", 0), _organization(), bundle_type)]
    entries += [
        _entry(_urn("practitioner", number), _practitioner(number), bundle_type)
        for number in range(STAFF)
    ]
    for number in range(youth):
        entries.append(_entry(_urn("patient", number), _patient(number, rng), bundle_type))
        entries.append(_entry(_urn("stay", number), _stay(number), bundle_type))
    per_youth = max(1, events // youth)
    for index in range(events):
        young = index // per_youth if index // per_youth < youth else index % youth
        rank = index % per_youth
        week, slot = divmod(rank, 5)
        day = FIRST_MONDAY + dt.timedelta(weeks=week % 44, days=slot)
        kind = (young + slot + week) % len(SESSIONS)
        professional = (young * 7 + kind) % STAFF
        event = _event(index, young, day, kind, professional, rng)
        entries.append(_entry(_urn("event", index), event, bundle_type))
    bundle = {
        "resourceType": "Bundle",
        "meta": {"profile": [f"{TDDUI}/tddui-bundle"]},
        "type": bundle_type,
        "entry": entries,
    }
    return json.dumps(bundle, ensure_ascii=False).encode()
