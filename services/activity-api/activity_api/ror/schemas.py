"""Bodies of the ROR id and push-status routes (the bundle itself is FHIR JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

RESOURCE = Field(
    description="Notre ressource ROR, ex. Location/690000017-accueil-nuit",
    examples=["Location/690000017-accueil-nuit"],
)


class RorIdIn(BaseModel):
    resource: str = RESOURCE
    ror_id: str = Field(description="Identifiant de la ressource dans le ROR", max_length=64)


class RorIdOut(BaseModel):
    resource: str = RESOURCE
    ror_id: str | None = Field(
        description="Identifiant ROR (absent : la ressource est envoyée sous le nôtre)"
    )


class RorIdsOut(BaseModel):
    finess: str = Field(description="FINESS de l'établissement")
    ids: list[RorIdOut] = Field(description="Nos ressources ROR et l'identifiant d'envoi")


class RorLocationStatusOut(BaseModel):
    location: str = Field(description="Notre Location (lieu de réalisation de l'offre)")
    week: str = Field(description="Semaine ISO envoyée")
    method: str = Field(
        description="Méthode de la dernière requête : PUT (mise à jour), POST (création), "
        "GET (recherche par identifiant, la push s'y est arrêtée)"
    )
    url: str = Field(description="URL de la dernière requête")
    status_code: int | None = Field(description="Statut HTTP répondu (absent : pas de réponse)")
    ok: bool = Field(description="Accepté par le ROR")
    attempts: int = Field(description="Nombre d'essais")
    messages: list[str] = Field(description="Problèmes signalés (OperationOutcome) ou erreur")
    outcome: dict[str, Any] | None = Field(description="OperationOutcome du refus, tel que reçu")
    pushed_at: dt.datetime = Field(description="Date de l'envoi (UTC)")


class RorStatusOut(BaseModel):
    finess: str = Field(description="FINESS de l'établissement")
    locations: list[RorLocationStatusOut] = Field(
        description="Dernière réponse du ROR par Location"
    )
