"""Responses and requests of the rule-set routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    Nature,
    PathwayStatus,
    SessionStatus,
    Setting,
)
from ditep_core.reports import ActivityFigures
from ditep_core.web.parameters import DAY_SCHEMA, ReadDay


class RuleSetSummary(BaseModel):
    number: int | None = Field(description="Numéro de version de l'établissement (null: défaut)")
    version: str = Field(description="Version enregistrée sur chaque séance classée")
    content_sha256: str
    created_at: dt.datetime | None = None
    created_by_key_id: int | None = None
    comment: str | None = None


class RuleSetOut(RuleSetSummary):
    document: str = Field(description="Le document des règles (YAML ou JSON), tel qu'écrit")


class RuleSetList(BaseModel):
    active_version: str = Field(description="Version appliquée aux prochains imports")
    uses_default: bool
    versions: list[RuleSetSummary]


class DryRunRequest(BaseModel):
    feed: str | dict[str, Any] | list[Any] = Field(
        description="Le flux : texte iCalendar, ou JSON FHIR (un document JSON, ou le même en "
        "texte)"
    )
    format: FeedFormat
    rules: str | None = Field(
        default=None, description="Règles à essayer (YAML ou JSON); absent : celles en vigueur"
    )
    source_kind: AgendaKind = AgendaKind.ESTABLISHMENT
    window_start: Annotated[dt.date | None, ReadDay] = Field(
        default=None, json_schema_extra=DAY_SCHEMA
    )
    window_end: Annotated[dt.date | None, ReadDay] = Field(
        default=None, json_schema_extra=DAY_SCHEMA
    )


class DryRunSession(BaseModel):
    uid: str
    recurrence_id: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    location: str
    activity: Activity
    setting: Setting
    nature: Nature
    serafin: str | None
    rule: str


class DryRunResult(BaseModel):
    rule_set_version: str
    sessions: list[DryRunSession]
    sessions_by_activity: dict[str, int]
    figures: ActivityFigures | None = Field(
        description=(
            "Ce que le comptage donnerait sur les semaines ISO du flux, même corps que"
            " /activity (rien n'est stocké ; null sans séance)"
        )
    )
    rejected: list[dict[str, str | int]] = Field(
        description="Événements inutilisables et avertissements (message, et line, path ou uid"
        " quand ils sont connus)"
    )


class RuleTrialOut(BaseModel):
    rule_id: str
    explanation: str
    matched: bool
    evidence: list[str] = Field(description="Ce sur quoi la règle s'est appuyée (mots, codes...)")
    failed_on: str | None = Field(description="La condition qui a écarté la règle")


class ExplainedSession(BaseModel):
    source_id: int
    uid: str
    recurrence_id: str = Field(description="Original start of the occurrence ('' for a single)")
    title: str = Field(description="Its title as typed (SUMMARY, label)")
    start: dt.datetime
    end: dt.datetime
    status: SessionStatus


class PathwayAtSession(BaseModel):
    status: PathwayStatus | None = Field(
        description="The young person's pathway status that day (null: no known period, "
        "counted as accompagnement)"
    )
    periods: int = Field(description="Known pathway periods covering the day")


class CountingOut(BaseModel):
    counted: bool = Field(description="Whether the counts take this session in, as of now")
    reasons: list[str] = Field(
        description="Why, one line each: status, activity, presence, window, pathway"
    )
    in_window: bool = Field(
        description="Inside the source's window: the next snapshot may update or delete it"
    )
    window_start: dt.date
    window_end: dt.date
    youth_present: int
    youth_absent: int
    pathways: list[PathwayAtSession] = Field(description="One per young person of the session")


class SessionClassificationOut(BaseModel):
    session_id: int
    session: ExplainedSession | None = Field(
        default=None, description="Which session this is (UID, title, start)"
    )
    counting: CountingOut | None = Field(
        default=None, description="Whether and why it is counted, not only how it is classified"
    )
    activity: Activity
    setting: Setting
    nature: Nature
    serafin: str | None
    rule_id: str
    rule_set_version: str
    manual: bool = Field(description="Classée à la main (file de revue)")
    rule_set_available: bool = Field(description="Le document de cette version est connu")
    matched: RuleTrialOut | None
    tried_before: list[RuleTrialOut]
    setting_evidence: str | None
    consistent: bool = Field(description="Rejouer la même version donne le classement enregistré")
