"""The audit log as admins read it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: dt.datetime = Field(description="Horodatage (UTC)")
    service: str = Field(description="Service appelé (activity-api, agenda-ingest, cli)")
    client_id: int | None = Field(
        description="Identifiant de la clé d'API (null : CLI, ou clé inconnue)"
    )
    method: str = Field(description="Méthode HTTP (CLI pour une commande)")
    route: str = Field(description="Route (gabarit) ou commande")
    path: str = Field(description="Chemin appelé")
    scope_kind: str | None = Field(description="Périmètre : establishment, department, region…")
    scope_code: str | None = Field(description="Code du périmètre (FINESS, code INSEE)")
    status: int = Field(description="Statut de la réponse")
    correlation_id: str | None = Field(description="Identifiant de corrélation")


AUDIT_COLUMNS: tuple[str, ...] = tuple(AuditEventOut.model_fields)
