"""The pages' content, from the service functions of the other features (the same
figures as the API's JSON): the activity bodies (``activity.service``), the steering
indicators (``indicators.service``), the area aggregates under secrecy (``regions``).

Read only: the caller's unit of work is a read transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from activity_api.activity.service import (
    activity_report,
    establishment_reports,
    file_active_by_status_per_month,
)
from activity_api.indicators.endpoints import CALENDAR_PERIOD_PATTERN
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.indicators.service import (
    area_indicators,
    area_report_with_indicators,
    establishment_indicators,
    establishments_of,
    may_read_national,
)
from activity_api.regions.schemas import (
    Area,
    AreaReport,
    AreaResults,
    AreaTransmissions,
    NationalResults,
)
from activity_api.regions.service import (
    area_report,
    area_results,
    area_transmissions,
    national_results,
    resolve_area,
)
from activity_api.transmissions.service import (
    transmission_list,
    transmit,
    transmitted_version,
)
from activity_api.ui.charts import bars
from activity_api.ui.ingest import Queue
from activity_api.ui.rendering import UiError
from activity_api.ui.repository import UiRepository
from activity_api.ui.schemas import (
    AreaLink,
    AreaView,
    Cell,
    Change,
    Chart,
    Choice,
    Download,
    EstablishmentView,
    FigureLine,
    PeriodLink,
    PeriodView,
    QuarterView,
    ResultLine,
    ReviewRow,
    ReviewView,
    Row,
    SourceRow,
    StatusRow,
    Tile,
    VersionView,
)
from ditep_core.audit.service import AuditRecord, AuditScope, record
from ditep_core.auth.access import Level
from ditep_core.auth.principal import Principal
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import Activity, Nature, Scope, Setting
from ditep_core.reports import (
    ActivityReport,
    ByModality,
    BySetting,
    ByStatus,
    HoursByActivity,
)
from ditep_core.web.correlation import current_request_ids
from ditep_core.web.problems import Conflict, InvalidRequest
from ditep_counting.engine.periods import CountingPeriod, PeriodError, parse_period

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_CALENDAR = re.compile(CALENDAR_PERIOD_PATTERN)
UNKNOWN_PERIOD = (
    "La période « {code} » n'est pas reconnue. Indiquez un mois (2025-03), un trimestre "
    "(2025-Q1), une année civile (2025) ou une année scolaire (2024-2025)."
)


# --- periods --------------------------------------------------------------------------------


def period_label(period: CountingPeriod) -> str:
    code = period.code
    if re.fullmatch(r"\d{4}-\d{2}", code):
        return f"{MONTHS[period.start.month - 1]} {period.start.year}"
    if re.fullmatch(r"\d{4}-Q[1-4]", code):
        quarter = int(code[-1])
        return f"{'1er' if quarter == 1 else f'{quarter}e'} trimestre {code[:4]}"
    if re.fullmatch(r"\d{4}-\d{4}", code):
        return f"année scolaire {code}"
    return f"année {code}"


def ui_period(code: str | None, default: Callable[[], CountingPeriod]) -> CountingPeriod:
    """The period of the page's address (a calendar period), else ``default()`` (only
    called then: it reads the latest session); anything else is a readable error page
    naming it."""
    if code is None or not code.strip():
        return default()
    return _parse_ui_period(code.strip())


def _parse_ui_period(text: str) -> CountingPeriod:
    if not _CALENDAR.fullmatch(text):
        raise UiError(400, UNKNOWN_PERIOD.format(code=text[:40]), title="Période inconnue")
    try:
        return parse_period(text)
    except PeriodError as error:
        raise UiError(
            400, UNKNOWN_PERIOD.format(code=text[:40]), title="Période inconnue"
        ) from error


def _quarter_code(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _school_year_code(day: dt.date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def default_period(
    session: Session, establishment_ids: Sequence[int], now: dt.datetime
) -> CountingPeriod:
    """The quarter of the latest session before now (this quarter if there is none)."""
    latest = UiRepository(session).latest_session_start(establishment_ids, now)
    return parse_period(_quarter_code((latest or now).date()))


def _period_links(period: CountingPeriod) -> list[PeriodLink]:
    last_day = period.end - dt.timedelta(days=1)
    codes = [f"{last_day.year}-{last_day.month:02d}", _quarter_code(last_day)]
    codes.append(_school_year_code(last_day))
    links = []
    for kind, code in zip(("Mois", "Trimestre", "Année scolaire"), codes, strict=True):
        label = code if kind == "Année scolaire" else period_label(parse_period(code))
        links.append(PeriodLink(code=code, label=f"{kind} : {label}"))
    return links


def _months_ending(period: CountingPeriod, count: int = 12) -> list[CountingPeriod]:
    last = period.end - dt.timedelta(days=1)
    year, month = last.year, last.month
    codes: list[str] = []
    for _ in range(count):
        codes.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [parse_period(code) for code in reversed(codes)]


# --- numbers ---------------------------------------------------------------------------------


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "part":
        return f"{value * 100:.1f} %".replace(".", ",")
    if isinstance(value, int) or float(value).is_integer():
        text = f"{int(value):,}".replace(",", "\u202f")
    else:
        text = f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} {unit}".strip() if unit and unit != "part" else text


def _raw(value: Any) -> str:
    return "" if value is None else json.dumps(value)


def _cell(path: str, value: float | int | None, *, period: str | None = None) -> Cell:
    return Cell(path=path, period=period, raw=_raw(value), text=_number(value))


def _labels(model: type[BaseModel]) -> dict[str, str]:
    return {name: field.description or name for name, field in model.model_fields.items()}


# --- tiles -----------------------------------------------------------------------------------

_REASONS_SHOWN = {"undefined": "non défini", "suppressed": "secret statistique"}


def _shown(value: float | int | None, reason: str | None, unit: str) -> str:
    if value is None:
        return _REASONS_SHOWN.get(reason or "", "—")
    return _number(value, unit)


def tiles(report: IndicatorsReport) -> list[Tile]:
    result = []
    for indicator in report.indicators:
        for measure in indicator.measures:
            label = indicator.label
            if len(indicator.measures) > 1:
                label = f"{indicator.label} : {measure.label}"
            result.append(
                Tile(
                    path=f"{indicator.code}.{measure.code}",
                    label=label,
                    value=_shown(measure.value, measure.reason, measure.unit),
                    raw=_raw(measure.value),
                    year_before=_shown(
                        measure.year_before.value, measure.year_before.reason, measure.unit
                    ),
                )
            )
    return result


# --- charts ----------------------------------------------------------------------------------


def _chart(
    chart_id: str,
    title: str,
    row_header: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    stacked: bool = False,
    horizontal: bool = False,
) -> Chart:
    """A chart and its table from the same rows: one series per column."""
    categories = [row.label for row in rows]
    series = [
        (column, [json.loads(row.cells[index].raw or "0") for row in rows])
        for index, column in enumerate(columns)
    ]
    return Chart(
        id=chart_id,
        title=title,
        svg=bars(title, categories, series, stacked=stacked, horizontal=horizontal),
        row_header=row_header,
        columns=list(columns),
        rows=list(rows),
    )


def establishment_charts(
    report: ActivityReport,
    months: Sequence[CountingPeriod],
    by_status: Mapping[str, Mapping[str, int]],
) -> list[Chart]:
    """The dashboard's charts: ``by_status``, each month's ``file_active.by_status``."""
    statuses = _labels(ByStatus)
    modalities = _labels(ByModality)
    monthly = [
        Row(
            label=period_label(month),
            cells=[
                _cell(
                    f"file_active.by_status.{status}",
                    by_status[month.code][status],
                    period=month.code,
                )
                for status in statuses
            ],
        )
        for month in months
    ]
    mix = [
        Row(
            label=label,
            cells=[
                _cell(
                    f"file_active.by_modality.{name}", getattr(report.file_active.by_modality, name)
                )
            ],
        )
        for name, label in modalities.items()
    ]
    units = report.units
    profile = [
        Row(label="Moins d'une heure", cells=[_cell("units.lt_1h", units.lt_1h)]),
        *(
            Row(
                label=f"Unité {score}",
                cells=[_cell(f"units.by_score.{score}", getattr(units.by_score, name))],
            )
            for score, name in (("1", "one"), ("2", "two"), ("3", "three"), ("4", "four"))
        ),
    ]
    activity = [
        Row(
            label=label,
            cells=[_cell(f"hours.by_activity.{name}", getattr(report.hours.by_activity, name))],
        )
        for name, label in _labels(HoursByActivity).items()
    ]
    setting = [
        Row(
            label=label,
            cells=[_cell(f"hours.by_setting.{name}", getattr(report.hours.by_setting, name))],
        )
        for name, label in _labels(BySetting).items()
    ]
    occupation = [
        Row(
            label=label,
            cells=[
                _cell(f"capacity.{name}.installed", getattr(report.capacity, name).installed),
                _cell(f"capacity.{name}.occupied", getattr(report.capacity, name).occupied),
            ],
        )
        for name, label in modalities.items()
    ]
    week = report.capacity.reference_week
    return [
        _chart(
            "file-active-mois",
            "File active par mois et par statut (12 mois)",
            "Mois",
            list(statuses.values()),
            monthly,
            stacked=True,
        ),
        _chart("modalites", "File active par modalité", "Modalité", ["Jeunes"], mix),
        _chart(
            "unites",
            "Profil des unités hebdomadaires (semaines-jeune)",
            "Niveau",
            ["Semaines-jeune"],
            profile,
        ),
        _chart(
            "heures-activite",
            "Heures par activité",
            "Activité",
            ["Heures"],
            activity,
            horizontal=True,
        ),
        _chart(
            "heures-lieu",
            "Heures par lieu de réalisation",
            "Lieu",
            ["Heures"],
            setting,
            horizontal=True,
        ),
        _chart(
            "occupation",
            "Places occupées et capacité par modalité"
            + (f" (semaine du {week.strftime('%d/%m/%Y')})" if week else ""),
            "Modalité",
            ["Places installées", "Places occupées"],
            occupation,
        ),
    ]


def _sources(session: Session, establishment_id: int, report: ActivityReport) -> list[SourceRow]:
    quality = {item.source_id: item for item in report.quality.by_source}
    rows = []
    for feed in UiRepository(session).source_feeds(establishment_id):
        counts = quality.get(feed.id)
        received = counts.received if counts else 0
        unclassified = counts.unclassified if counts else 0
        rows.append(
            SourceRow(
                id=feed.id,
                name=feed.name,
                last_received=(
                    feed.last_received_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")
                    if feed.last_received_at
                    else "jamais"
                ),
                received=received,
                unclassified=unclassified,
                unclassified_share=_number(unclassified / received, "part") if received else "—",
                rejected="—" if feed.last_rejected is None else str(feed.last_rejected),
            )
        )
    return rows


# --- pages -----------------------------------------------------------------------------------


def establishment_view(
    session: Session, principal: Principal, finess: str, period_code: str | None
) -> EstablishmentView:
    if not principal.has_scope(Scope.ACTIVITY_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux chiffres d'un établissement.")
    establishment = get_accessible_establishment(session, principal, finess)
    now = utc_now()
    period = ui_period(period_code, lambda: default_period(session, [establishment.id], now))
    months = _months_ending(period)
    # One body (the period's) and the 12 months' statuses from one query: the monthly
    # chart shows nothing else of the months' bodies.
    report = establishment_reports(session, [establishment], period, now=now)[establishment.id]
    monthly = file_active_by_status_per_month(session, establishment, months)
    indicators = establishment_indicators(session, establishment, period, now=now, report=report)
    return EstablishmentView(
        finess=establishment.finess,
        name=establishment.name,
        period=PeriodView(code=period.code, label=period_label(period)),
        year_before_label=period_label(parse_period(indicators.year_before_period.code)),
        period_links=_period_links(period),
        stale=report.stale or indicators.stale,
        tiles=tiles(indicators),
        charts=establishment_charts(report, months, monthly),
        sources=_sources(session, establishment.id, report),
    )


def area_view(
    session: Session, principal: Principal, kind: str, code: str | None, period_code: str | None
) -> AreaView:
    """A region's (``kind`` "region"), a department's ("department") or the nation's
    ("national") indicators under secrecy; for a quarter, the establishments' transmission
    statuses (region, department) and the department's transmitted results."""
    if not principal.has_scope(Scope.ARS_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux agrégats régionaux.")
    if kind == "national":
        may_read_national(principal)
        area = None
        name = "France entière"
    else:
        assert code is not None
        area = resolve_area(principal, kind, code)
        if area.kind == "region":
            name = f"Région {area.name}" if area.name else f"Région {area.code}"
        else:
            name = f"Département {area.code}"
    now = utc_now()
    establishments = establishments_of(session, area)
    ids = [establishment.id for establishment in establishments]
    period = ui_period(period_code, lambda: default_period(session, ids, now))
    report = area_indicators(session, area, period, now=now)
    quarter = _QUARTER.fullmatch(period.code) is not None
    statuses: list[StatusRow] = []
    results: list[ResultLine] = []
    share = ""
    if area is not None and quarter:
        statuses = _status_rows(area_transmissions(session, area, period, now=now))
    if area is not None and area.kind == "department" and quarter:
        results, share = _result_lines(area_results(session, area, period, now=now))
    departments = []
    if area is not None and area.kind == "region":
        departments = [
            AreaLink(code=department, label=f"Département {department}")
            for department in sorted({e.department_code for e in establishments})
        ]
    return AreaView(
        kind=kind,
        name=name,
        code=area.code if area is not None else None,
        region=area.region_code if area is not None else None,
        statuses=statuses,
        departments=departments,
        results=results,
        results_share=share,
        downloads=_area_downloads(area, quarter),
        period=PeriodView(code=period.code, label=period_label(period)),
        year_before_label=period_label(parse_period(report.year_before_period.code)),
        period_links=_period_links(period),
        stale=report.stale,
        tiles=tiles(report),
    )


def _status_rows(listing: AreaTransmissions) -> list[StatusRow]:
    return [
        StatusRow(
            finess=row.finess,
            name=row.name,
            department=row.department_code,
            status=row.status,
            status_label=STATUS_LABELS.get(row.status, row.status),
            version="—" if row.version is None else str(row.version),
            transmitted_at=(
                row.transmitted_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")
                if row.transmitted_at
                else "—"
            ),
            late=row.status == "late" or row.after_deadline,
        )
        for row in listing.establishments
    ]


def _result_lines(results: AreaResults) -> tuple[list[ResultLine], str]:
    """The main figures of the area's transmitted total (hidden ones say so), and the
    share of its establishments that transmitted."""
    flat = results.totals.flat_figures()
    hidden = set(results.totals.suppressed)
    lines = []
    for label, path in _QUARTER_FIGURES:
        value = flat.get(path)
        if path in hidden:
            text = _REASONS_SHOWN["suppressed"]
        else:
            text = _number(value) if isinstance(value, int | float) else "—"
        lines.append(ResultLine(label=label, path=path, raw=_raw(value), text=text))
    share = results.transmissions
    return lines, f"{share.transmitted} établissement(s) sur {share.establishments}"


def _area_downloads(area: Area | None, quarter: bool) -> list[Download]:
    """What the page offers to download: the area's activity table under secrecy; for a
    quarter, the transmitted results (the department's, the nation's)."""
    if area is None:
        return (
            [Download(label="Résultats nationaux transmis", url="/ui/national/downloads/results")]
            if quarter
            else []
        )
    segment = "regions" if area.kind == "region" else "departments"
    noun = "de la région" if area.kind == "region" else "du département"
    downloads = [
        Download(
            label=f"Tableau {noun} (secret statistique appliqué)",
            url=f"/ui/{segment}/{area.code}/downloads/activity",
        )
    ]
    if area.kind == "department" and quarter:
        downloads.append(
            Download(
                label=f"Résultats transmis {noun}",
                url=f"/ui/{segment}/{area.code}/downloads/results",
            )
        )
    return downloads


def home(principal: Principal) -> str:
    """Where ``/ui/`` sends a user: their establishment, their region, or the nation."""
    if principal.finess:
        return f"/ui/establishments/{sorted(principal.finess)[0]}"
    if principal.regions:
        return f"/ui/regions/{sorted(principal.regions)[0]}"
    if principal.has_scope(Scope.ARS_READ):
        return "/ui/national"
    raise UiError(403, "Votre compte n'est rattaché à aucun établissement ni territoire.")


# --- the quarter and its transmission -------------------------------------------------------

STATUS_LABELS = {
    "draft": "brouillon (non transmis)",
    "transmitted": "transmis",
    "corrected": "corrigé",
    "late": "en retard (date limite passée, non transmis)",
}
_QUARTER = re.compile(r"^20[0-9]{2}-Q[1-4]$")
_QUARTER_FIGURES = (
    ("File active", "file_active.total"),
    ("Heures d'accompagnement", "hours.total"),
    ("Heures directes", "hours.direct"),
    ("Unités hebdomadaires (somme)", "units.total"),
    ("Journées", "days.journees.total"),
    ("Nuits", "days.nuits"),
    ("Actes ambulatoires", "acts.actes"),
    ("Séances reçues", "quality.received"),
    ("Séances à classer", "quality.unclassified"),
)


def _quarter_period(code: str) -> CountingPeriod:
    if not _QUARTER.fullmatch(code):
        raise UiError(
            400,
            f"« {code[:40]} » n'est pas un trimestre : indiquez par exemple 2025-Q1.",
            title="Période inconnue",
        )
    return parse_period(code)


def _dig(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        value = value[part]
    return value


def _warnings(report: ActivityReport) -> list[str]:
    quality = report.quality
    warnings = []
    if quality.unclassified:
        warnings.append(
            f"{quality.unclassified} séance(s) à classer ne sont pas comptées : reprenez-les "
            "dans la file de revue avant de transmettre."
        )
    if quality.not_validated:
        warnings.append(f"{quality.not_validated} séance(s) comptées ne sont pas validées.")
    if quality.without_participants:
        warnings.append(f"{quality.without_participants} séance(s) sans jeune ni professionnel.")
    if quality.youth_without_pathway:
        warnings.append(
            f"{quality.youth_without_pathway} jeune(s) sans période de parcours connue."
        )
    if report.stale:
        warnings.append("Des données récentes attendent le recalcul : réessayez dans un instant.")
    return warnings


def _value_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return _number(value)


def quarter_view(
    session: Session, principal: Principal, finess: str, period_code: str
) -> QuarterView:
    if not principal.has_scope(Scope.ACTIVITY_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux chiffres d'un établissement.")
    establishment = get_accessible_establishment(session, principal, finess)
    period = _quarter_period(period_code)
    now = utc_now()
    listing = transmission_list(session, establishment, now=now)
    status = next((item for item in listing.quarters if item.period == period.code), None)
    if status is None:
        raise UiError(
            404,
            f"Le trimestre {period.code} n'a ni activité ni transmission pour cet établissement.",
            title="Trimestre introuvable",
        )
    report = establishment_reports(session, [establishment], period, now=now)[establishment.id]
    body = report.json_body()
    versions = []
    for summary in status.versions:
        changes = []
        if summary.version > 1:
            transmitted = transmitted_version(session, establishment, period.code, summary.version)
            changes = [
                Change(
                    figure=change.figure,
                    before=_value_text(change.before),
                    after=_value_text(change.after),
                )
                for change in transmitted.diff or []
            ]
        versions.append(
            VersionView(
                version=summary.version,
                transmitted_at=summary.transmitted_at.astimezone(dt.UTC).strftime(
                    "%d/%m/%Y %H:%M UTC"
                ),
                transmitted_by=summary.transmitted_by,
                reason=summary.reason,
                changes=changes,
            )
        )
    return QuarterView(
        finess=establishment.finess,
        name=establishment.name,
        period=PeriodView(code=period.code, label=period_label(period)),
        status=status.status,
        status_label=STATUS_LABELS.get(status.status, status.status),
        deadline=status.deadline.strftime("%d/%m/%Y"),
        after_deadline=status.after_deadline,
        figures=[
            FigureLine(
                label=label,
                path=path,
                raw=_raw(_dig(body, path)),
                text=_number(_dig(body, path)),
            )
            for label, path in _QUARTER_FIGURES
        ],
        warnings=_warnings(report),
        versions=versions,
        may_transmit=principal.has_scope(Scope.TRANSMIT),
        needs_reason=bool(status.versions),
        transmittable=period.end <= listing.today,
    )


def transmit_quarter(
    session: Session,
    principal: Principal,
    finess: str,
    period_code: str,
    *,
    confirmed: bool,
    reason: str | None,
) -> int:
    """Transmit the quarter as ``POST …/transmissions`` does (its audit event in the same
    unit of work); the new version's number. Refusals are pages, in French."""
    if not principal.has_scope(Scope.TRANSMIT):
        raise UiError(403, "Seule la direction de l'établissement transmet un trimestre.")
    establishment = get_accessible_establishment(session, principal, finess)
    period = _quarter_period(period_code)
    if not confirmed:
        raise UiError(422, "Cochez la case de confirmation pour transmettre.")
    try:
        report = transmit(
            session, establishment, period.code, reason=reason, transmitted_by=principal.name
        )
    except Conflict as conflict:
        raise UiError(
            409,
            f"Le {period_label(period)} n'a pas changé depuis la dernière version transmise : "
            "rien à corriger.",
        ) from conflict
    except InvalidRequest as invalid:
        locations = {str(error.get("location")) for error in invalid.errors}
        if "body.reason" in locations:
            raise UiError(422, "Une correction demande un motif.") from invalid
        raise UiError(
            422,
            f"Le {period_label(period)} ne peut pas encore être transmis : il n'est pas terminé.",
        ) from invalid
    ids = current_request_ids()
    record(
        session,
        AuditRecord(
            service="activity-api",
            client_id=None,
            method="TRANSMIT",
            route=f"transmission {report.period.code} version {report.transmission.version}",
            path=f"/ui/establishments/{establishment.finess}/quarters/{period.code}/transmit",
            scope=AuditScope("establishment", establishment.finess),
            status=201,
            correlation_id=ids.caller_correlation_id if ids else None,
            occurred_at=utc_now(),
            request_id=ids.request_id if ids else None,
        ),
    )
    return report.transmission.version


# --- the review queue (agenda-ingest's, read through its API: ui.ingest) ----------------------

REVIEW_REFUSED = "Votre compte ne donne pas accès à la file de revue d'un établissement."
_REASONS = {"unclassified": "non classée", "low_confidence": "classée par défaut (à confirmer)"}
_WEEK = re.compile(r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")


@dataclass(frozen=True, slots=True)
class ReviewTarget:
    """What the review page needs from the database before calling agenda-ingest."""

    finess: str
    name: str
    sources: dict[int, str]


def review_target(session: Session, principal: Principal, finess: str) -> ReviewTarget:
    """The establishment, if this user may read its agendas' summaries (the establishment's
    own users and admins: the ``FREE_TEXT`` level of the review route) and classify them."""
    if not (principal.has_scope(Scope.ACTIVITY_READ) or principal.is_admin):
        raise UiError(403, REVIEW_REFUSED)
    establishment: Establishment = get_accessible_establishment(
        session, principal, finess, Level.FREE_TEXT
    )
    sources = {feed.id: feed.name for feed in UiRepository(session).source_feeds(establishment.id)}
    return ReviewTarget(establishment.finess, establishment.name, sources)


def review_filters(source: str | None, week: str | None) -> tuple[int | None, str]:
    """The filters of the address: a source id and an ISO week (2025-W03), both optional."""
    chosen_source = None
    if source:
        if not source.isdigit() or len(source) > 10:
            raise UiError(400, f"La source « {source} » n'est pas reconnue.")
        chosen_source = int(source)
    chosen_week = (week or "").strip()
    if chosen_week and not _WEEK.match(chosen_week):
        raise UiError(
            400, f"La semaine « {chosen_week} » n'est pas reconnue. Indiquez-la ainsi : 2025-W03."
        )
    return chosen_source, chosen_week


def _choices(values: Sequence[Activity] | Sequence[Setting] | Sequence[Nature]) -> list[Choice]:
    return [Choice(value=value.value, label=value.label) for value in values]


def _day(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%d/%m/%Y")


def review_view(target: ReviewTarget, queue: Queue, source: int | None, week: str) -> ReviewView:
    """The queue's groups, those of one source and one ISO week when asked."""
    groups = [
        group
        for group in queue.groups
        if (source is None or source in group.source_ids) and (not week or week in group.weeks)
    ]
    rows = [
        ReviewRow(
            group=group.group,
            summary=group.example_summary,
            reason=_REASONS[group.reason],
            classified_as=group.classified_as.label,
            rule_id=group.rule_id,
            sessions=group.sessions,
            locations=", ".join(group.locations) or "—",
            sources=", ".join(target.sources.get(i, f"source {i}") for i in group.source_ids)
            or "—",
            first_start=_day(group.first_start),
            last_start=_day(group.last_start),
        )
        for group in groups
    ]
    return ReviewView(
        finess=target.finess,
        name=target.name,
        source=source,
        week=week,
        sources=[Choice(value=str(i), label=name) for i, name in target.sources.items()],
        unclassified_sessions=queue.unclassified_sessions,
        low_confidence_sessions=queue.low_confidence_sessions,
        groups_shown=len(rows),
        rows=rows,
        activities=_choices([a for a in Activity if a is not Activity.UNCLASSIFIED]),
        settings=_choices(list(Setting)),
        natures=_choices(list(Nature)),
    )


# --- downloads (the API download routes' services, for the signed-in user) --------------------


def _download_period(code: str) -> CountingPeriod:
    """The period of a download's address: required, a calendar period."""
    if not code.strip():
        raise UiError(400, UNKNOWN_PERIOD.format(code=""), title="Période inconnue")
    return _parse_ui_period(code.strip())


def establishment_download(
    session: Session, principal: Principal, finess: str, period_code: str, *, workbook: bool
) -> tuple[ActivityReport, IndicatorsReport | None]:
    """The body of ``GET /v1/establishments/{finess}/activity`` for a calendar period, and
    for the workbook its indicators sheet, as that route builds them."""
    if not principal.has_scope(Scope.ACTIVITY_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux chiffres d'un établissement.")
    establishment = get_accessible_establishment(session, principal, finess)
    period = _download_period(period_code)
    report = activity_report(session, establishment, period)
    if not workbook:
        return report, None
    return report, establishment_indicators(session, establishment, period, report=report)


def area_download(
    session: Session,
    principal: Principal,
    kind: str,
    code: str,
    period_code: str,
    *,
    workbook: bool,
) -> tuple[AreaReport, IndicatorsReport | None]:
    """The body of ``GET /v1/regions|departments/{code}/activity`` (under secrecy) and, for
    the workbook, its indicators, as that route builds them."""
    if not principal.has_scope(Scope.ARS_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux agrégats régionaux.")
    area = resolve_area(principal, kind, code)
    period = _download_period(period_code)
    if workbook:
        return area_report_with_indicators(session, area, period, calendar=True)
    return area_report(session, area, period), None


def _download_quarter(code: str) -> CountingPeriod:
    if not code.strip():
        raise UiError(400, UNKNOWN_PERIOD.format(code=""), title="Période inconnue")
    return _quarter_period(code.strip())


def department_results_download(
    session: Session, principal: Principal, code: str, period_code: str
) -> AreaResults:
    """The body of ``GET /v1/departments/{code}/results`` for a quarter."""
    if not principal.has_scope(Scope.ARS_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux agrégats régionaux.")
    area = resolve_area(principal, "department", code)
    return area_results(session, area, _download_quarter(period_code))


def national_results_download(
    session: Session, principal: Principal, period_code: str
) -> NationalResults:
    """The body of ``GET /v1/national/results`` for a quarter (national users only)."""
    if not principal.has_scope(Scope.ARS_READ):
        raise UiError(403, "Votre compte ne donne pas accès aux agrégats régionaux.")
    may_read_national(principal)
    return national_results(session, _download_quarter(period_code))
