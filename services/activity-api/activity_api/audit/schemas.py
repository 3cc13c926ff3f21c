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
    user_id: int | None = Field(
        default=None,
        description="Personne connectée à l'application web (pages /ui/) ; null pour une clé",
    )
    method: str = Field(description="Méthode HTTP (CLI pour une commande)")
    route: str = Field(description="Route (gabarit) ou commande")
    path: str = Field(description="Chemin appelé")
    scope_kind: str | None = Field(description="Périmètre : establishment, department, region…")
    scope_code: str | None = Field(description="Code du périmètre (FINESS, code INSEE)")
    status: int = Field(description="Statut de la réponse")
    correlation_id: str | None = Field(
        description="X-Correlation-ID de l'appelant (choisi par lui : peut se répéter)"
    )
    request_id: str | None = Field(
        description="Identifiant de la requête (X-Request-ID), tiré au hasard par le service"
    )
    query: str | None = Field(
        description="Chaîne de requête (tronquée, secrets masqués : key, token…)"
    )
    source_address: str | None = Field(description="Adresse d'origine de l'appel")
    request_count: int = Field(
        description="Nombre d'appels représentés : 1, ou plus pour une ligne de synthèse"
    )
    summary_minute: dt.datetime | None = Field(
        description="Ligne de synthèse des appels sans clé valide d'une adresse : sa minute (UTC)"
    )


AUDIT_COLUMNS: tuple[str, ...] = tuple(AuditEventOut.model_fields)
