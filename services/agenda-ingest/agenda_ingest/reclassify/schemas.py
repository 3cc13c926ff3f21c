"""Responses of the reclassification route."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ReclassificationOut(BaseModel):
    run_id: int
    rule_set_version: str
    sessions_examined: int
    sessions_changed: int
    before: dict[str, int] = Field(description="Séances par activité avant")
    after: dict[str, int] = Field(description="Séances par activité après")


class ReclassificationRunOut(ReclassificationOut):
    created_at: dt.datetime
    created_by_key_id: int | None
