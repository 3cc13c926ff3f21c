"""The download answers of the activity, area and indicators routes (CSV and XLSX)."""

from __future__ import annotations

from fastapi.responses import Response

from activity_api.activity.service import flatten
from activity_api.downloads.tables import INDICATOR_COLUMNS, indicator_rows
from activity_api.downloads.workbook import (
    TransmissionMeta,
    area_workbook,
    establishment_workbook,
    indicators_workbook,
)
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.regions.schemas import AreaReport
from activity_api.regions.service import csv_rows
from ditep_core.reports import ActivityReport
from ditep_core.web.tabular import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    DecimalMark,
    download_response,
    french_csv,
)


def _name(*parts: str) -> str:
    return "-".join(part.replace("/", "_") for part in parts)


def activity_csv(report: ActivityReport, decimal: DecimalMark) -> bytes:
    """The establishment body as ``figure;value`` lines (one per dotted path; the French
    labels are the workbook's)."""
    rows = flatten(report.model_dump(mode="json", by_alias=True))
    return french_csv(["figure", "value"], rows, decimal_comma=decimal == "comma")


def activity_filename(report: ActivityReport, extension: str) -> str:
    return f"{_name('activite', report.establishment.finess, report.period.code)}.{extension}"


def activity_xlsx(
    report: ActivityReport,
    indicators: IndicatorsReport | None,
    transmission: TransmissionMeta | None = None,
) -> Response:
    return download_response(
        establishment_workbook(report, indicators, transmission),
        media_type=XLSX_MEDIA_TYPE,
        filename=activity_filename(report, "xlsx"),
    )


def _area_name(report: AreaReport, extension: str) -> str:
    kind = "region" if report.area.kind == "region" else "departement"
    return f"{_name('activite', kind, report.area.code, report.period.label)}.{extension}"


def area_download(
    report: AreaReport,
    output: str,
    decimal: DecimalMark,
    indicators: IndicatorsReport | None,
    transmission: TransmissionMeta | None = None,
) -> Response:
    """An area's table as CSV (one line per establishment, then the total) or XLSX (with
    the indicators sheet when given)."""
    if output == "xlsx":
        return download_response(
            area_workbook(report, indicators, transmission),
            media_type=XLSX_MEDIA_TYPE,
            filename=_area_name(report, "xlsx"),
        )
    columns, rows = csv_rows(report)
    return download_response(
        french_csv(columns, rows, decimal_comma=decimal == "comma"),
        media_type=CSV_MEDIA_TYPE,
        filename=_area_name(report, "csv"),
    )


def _indicators_name(report: IndicatorsReport, extension: str) -> str:
    scope = report.scope
    kind = {"department": "departement", "region": "region"}.get(scope.kind)
    parts = ["indicateurs"]
    if kind is not None:
        parts.append(kind)
    parts.append(scope.code or "national")
    return f"{_name(*parts, report.period.code)}.{extension}"


def indicators_download(
    report: IndicatorsReport,
    output: str,
    decimal: DecimalMark,
    transmission: TransmissionMeta | None = None,
) -> Response:
    if output == "xlsx":
        return download_response(
            indicators_workbook(report, transmission),
            media_type=XLSX_MEDIA_TYPE,
            filename=_indicators_name(report, "xlsx"),
        )
    return download_response(
        french_csv(INDICATOR_COLUMNS, indicator_rows(report), decimal_comma=decimal == "comma"),
        media_type=CSV_MEDIA_TYPE,
        filename=_indicators_name(report, "csv"),
    )
