"""Bodies of the place-registry routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class PlaceRegistryOut(BaseModel):
    finess: str
    content_sha256: str
    updated_at: dt.datetime
    own_places: int
    partner_places: int
    document: str
