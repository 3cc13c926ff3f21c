"""API keys as admins see them (never the secret, except once after a rotation)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str = Field(description="Titulaire de la clé")
    key_prefix: str = Field(description="Préfixe public de la clé")
    scopes: list[str] = Field(description="Droits")
    finess: list[str] = Field(description="Établissements autorisés (vide : tous)")
    regions: list[str] = Field(description="Régions autorisées (vide : toutes)")
    departments: list[str] = Field(description="Départements autorisés")
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class RotatedKey(BaseModel):
    key: ApiKeyOut
    plaintext: str = Field(description="La nouvelle clé, montrée une seule fois")
