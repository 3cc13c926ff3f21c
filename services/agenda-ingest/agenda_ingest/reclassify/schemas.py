"""Responses of the reclassification route."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReclassificationOut(BaseModel):
    run_id: int
    rule_set_version: str
    sessions_examined: int
    sessions_changed: int
    before: dict[str, int] = Field(description="Séances par activité avant")
    after: dict[str, int] = Field(description="Séances par activité après")
