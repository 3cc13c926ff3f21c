"""Responses and requests of the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from agenda_ingest.reclassify.schemas import ReclassificationOut
from ditep_core.nomenclatures import Activity, Nature, Setting


class ReviewGroup(BaseModel):
    group: str = Field(description="Identifiant du groupe (intitulé normalisé, haché)")
    key: str = Field(description="Intitulé normalisé : minuscules, sans accents ni chiffres")
    example_summary: str
    sessions: int
    locations: list[str] = Field(description="Les lieux les plus fréquents du groupe")
    first_start: dt.datetime
    last_start: dt.datetime
    reason: Literal["unclassified", "low_confidence"] = Field(
        default="unclassified",
        description="unclassified: no rule applied; low_confidence: a fallback rule "
        "(flag low_confidence) classified it from the people alone, counted as such until "
        "set by hand",
    )
    classified_as: Activity = Field(
        default=Activity.UNCLASSIFIED, description="The activity the rules gave the group"
    )
    rule_id: str = Field(default="none", description="The rule that classified the group")
    source_ids: list[int] = Field(
        default_factory=list, description="Les sources (ids) des séances du groupe"
    )
    weeks: list[str] = Field(
        default_factory=list,
        description="Les semaines ISO (2025-W03), à l'heure de l'établissement, des séances",
    )


class ReviewQueue(BaseModel):
    finess: str
    unclassified_sessions: int
    low_confidence_sessions: int = Field(
        default=0, description="Sessions a fallback rule classified (counted, to be confirmed)"
    )
    groups: list[ReviewGroup]


class ManualClassificationIn(BaseModel):
    activity: Activity
    setting: Setting
    nature: Nature
    serafin_code: str | None = Field(default=None, pattern=r"^\d+(\.\d+)*$", max_length=16)


class ManualClassificationResult(BaseModel):
    group: str
    sessions_classified: int


class RuleFromGroupIn(BaseModel):
    activity: Activity
    setting: Setting | None = Field(default=None, description="Absent : déduit des mots (auto)")
    nature: Nature | None = Field(default=None, description="Absent : selon les jeunes présents")
    rule_id: str | None = None
    explanation: str | None = None


class RuleFromGroupResult(BaseModel):
    rule_id: str
    rule_set_version: str
    rule_set_number: int
    reclassification: ReclassificationOut
