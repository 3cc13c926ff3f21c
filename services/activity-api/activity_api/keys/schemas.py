"""API keys as admins see them (never the secret, except once after a rotation)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ditep_core.auth.binding import describe_binding


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str = Field(description="Titulaire de la clé")
    key_prefix: str = Field(description="Préfixe public de la clé")
    scopes: list[str] = Field(description="Droits")
    finess: list[str] = Field(description="Établissements autorisés")
    regions: list[str] = Field(description="Régions autorisées (clés ARS)")
    departments: list[str] = Field(description="Départements autorisés (clés ARS)")
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @computed_field(  # type: ignore[prop-decorator]
        description="Périmètre de la clé, en clair : « FINESS … », « regions … », "
        "« all establishments », « everything (admin) »"
    )
    @property
    def binding(self) -> str:
        return describe_binding(self.scopes, self.finess, self.regions, self.departments)


class RotatedKey(BaseModel):
    key: ApiKeyOut
    plaintext: str = Field(description="La nouvelle clé, montrée une seule fois")
