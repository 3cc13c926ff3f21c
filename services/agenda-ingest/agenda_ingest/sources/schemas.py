"""Bodies of the source routes: a source's settings, a change to them, its sessions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
)

from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    ImportStatus,
    Nature,
    SessionStatus,
    Setting,
    SourceMode,
)
from ditep_core.web.parameters import DAY_SCHEMA, ReadDay, StorableText


class SourceWindow(BaseModel):
    start: dt.date = Field(description="First day of the window applied today")
    end: dt.date = Field(description="Day after the window applied today (excluded)")
    fixed_start: dt.date | None = Field(
        description="The start an admin fixed (null: 1 September of the previous school year)"
    )
    fixed_end: dt.date | None = Field(
        description="The end an admin fixed (null: today + horizon_days)"
    )
    horizon_days: int = Field(description="Days ahead of today when the end is not fixed")


class ParticipantRules(BaseModel):
    youth_uri_prefixes: list[str] | None = Field(
        description="URI prefixes marking a young person (null: the INS defaults)"
    )
    youth_markers: list[str] | None = Field(
        description="Vendor parameter values marking a young person (null: USAGER, JEUNE)"
    )
    youth_agenda: bool = Field(
        description="A young person's own agenda: every session is theirs (the identifier "
        "itself is never shown)"
    )


class LastImport(BaseModel):
    import_id: int
    status: ImportStatus
    received_at: dt.datetime


class SourceOut(BaseModel):
    id: int
    finess: str
    name: str
    format: FeedFormat
    mode: SourceMode
    agenda_kind: AgendaKind
    enabled: bool = Field(description="false: pushes are refused (409) and pulls skip it")
    disabled_at: dt.datetime | None
    window: SourceWindow
    count_validated_only: bool = Field(
        description="Only sessions validated (done) are counted, not past planned ones"
    )
    mass_delete_share: float = Field(
        description="Share of the window's sessions a snapshot may delete without confirmation"
    )
    participant_rules: ParticipantRules
    pull_url: str | None = Field(
        description="The URL pulled (admin keys only; null for a pushed source or another key)"
    )
    last_import: LastImport | None
    created_at: dt.datetime


class SourceList(BaseModel):
    sources: list[SourceOut]


def _day_text(value: object) -> object:
    """A day as JSON gives it (YYYY-MM-DD), not a number of seconds."""
    if value is not None and not isinstance(value, (str, dt.date)):
        raise ValueError("expected a day like 2025-03-01")
    return value


WindowDay = Annotated[dt.date | None, BeforeValidator(_day_text), ReadDay]


YouthUriPrefix = Annotated[StorableText, Field(min_length=1, max_length=200)]
YouthMarker = Annotated[StorableText, Field(min_length=1, max_length=64)]


class SourceUpdate(BaseModel):
    """What ``PATCH /v1/sources/{id}`` may change; a field left out is unchanged, a
    window bound or participant list sent as null goes back to its default."""

    model_config = ConfigDict(extra="forbid")

    name: StorableText | None = Field(default=None, min_length=1, max_length=200)
    format: FeedFormat | None = None
    window_start: WindowDay = Field(default=None, json_schema_extra=DAY_SCHEMA)
    window_end: WindowDay = Field(default=None, json_schema_extra=DAY_SCHEMA)
    horizon_days: StrictInt | None = Field(default=None, ge=1, le=3660)
    count_validated_only: StrictBool | None = None
    mass_delete_share: StrictFloat | None = Field(default=None, gt=0, le=1)
    youth_uri_prefixes: list[YouthUriPrefix] | None = Field(default=None, max_length=50)
    youth_markers: list[YouthMarker] | None = Field(default=None, max_length=50)
    enabled: StrictBool | None = Field(default=None, description="false disables the source")


class SessionFound(BaseModel):
    session_id: int
    uid: str
    recurrence_id: str = Field(description="Original start of the occurrence ('' for a single)")
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    title: str | None = Field(
        description="The session's title as typed (SUMMARY, label): for the establishment's "
        "own keys and admin keys"
    )
    status: SessionStatus
    activity: Activity
    setting: Setting
    nature: Nature
    rule_id: str
    import_id: int | None = Field(description="The import that wrote it last")
    youth: int = Field(description="Young people named")
    youth_absent: int = Field(description="Of whom absent")
    explanation: str = Field(description="GET this for why it is classified and counted so")


class SessionsFound(BaseModel):
    total: int = Field(description="Sessions matching, in all")
    limit: int
    offset: int
    sessions: list[SessionFound]
