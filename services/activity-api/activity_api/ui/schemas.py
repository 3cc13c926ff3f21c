"""What the pages show, built as models (the templates read nothing else)."""

from __future__ import annotations

from pydantic import BaseModel


class PeriodView(BaseModel):
    code: str
    label: str


class PeriodLink(BaseModel):
    code: str
    label: str


class Tile(BaseModel):
    path: str  # indicator.measure
    label: str
    value: str
    raw: str  # the JSON value, as the API sends it ("" for null)
    year_before: str


class Cell(BaseModel):
    path: str  # the field of the activity body this figure is
    period: str | None = None  # the body's period when not the page's
    raw: str
    text: str


class Row(BaseModel):
    label: str
    cells: list[Cell]


class Chart(BaseModel):
    id: str
    title: str
    svg: str
    row_header: str
    columns: list[str]
    rows: list[Row]


class SourceRow(BaseModel):
    id: int
    name: str
    last_received: str
    received: int
    unclassified: int
    unclassified_share: str
    rejected: str


class EstablishmentView(BaseModel):
    finess: str
    name: str
    period: PeriodView
    year_before_label: str
    period_links: list[PeriodLink]
    stale: bool
    tiles: list[Tile]
    charts: list[Chart]
    sources: list[SourceRow]


class StatusRow(BaseModel):
    finess: str
    name: str
    department: str
    status: str
    status_label: str
    version: str
    transmitted_at: str
    late: bool


class AreaLink(BaseModel):
    code: str
    label: str


class ResultLine(BaseModel):
    label: str
    path: str  # the field of the results' total this figure is
    raw: str  # the JSON value, as the API sends it ("" for null)
    text: str


class Download(BaseModel):
    label: str
    url: str  # without the format: ``{url}.xlsx?period=…``, ``{url}.csv?period=…``


class AreaView(BaseModel):
    kind: str  # "region", "department" or "national"
    name: str
    code: str | None = None
    region: str | None = None  # the region's code (of a department: its region's)
    statuses: list[StatusRow] = []
    departments: list[AreaLink] = []
    results: list[ResultLine] = []
    results_share: str = ""
    downloads: list[Download] = []
    period: PeriodView
    year_before_label: str
    period_links: list[PeriodLink]
    stale: bool
    tiles: list[Tile]


class FigureLine(BaseModel):
    label: str
    path: str
    raw: str
    text: str


class Change(BaseModel):
    figure: str
    before: str
    after: str


class VersionView(BaseModel):
    version: int
    transmitted_at: str
    transmitted_by: str
    reason: str | None
    changes: list[Change]


class QuarterView(BaseModel):
    finess: str
    name: str
    period: PeriodView
    status: str
    status_label: str
    deadline: str
    after_deadline: bool
    figures: list[FigureLine]
    warnings: list[str]
    versions: list[VersionView]
    may_transmit: bool
    needs_reason: bool
    transmittable: bool  # the quarter is over


class Choice(BaseModel):
    value: str
    label: str


class ReviewRow(BaseModel):
    group: str
    summary: str
    reason: str
    classified_as: str
    rule_id: str
    sessions: int
    locations: str
    sources: str
    first_start: str
    last_start: str


class ReviewView(BaseModel):
    finess: str
    name: str
    source: int | None
    week: str
    sources: list[Choice]
    unclassified_sessions: int
    low_confidence_sessions: int
    groups_shown: int
    rows: list[ReviewRow]
    activities: list[Choice]
    settings: list[Choice]
    natures: list[Choice]
