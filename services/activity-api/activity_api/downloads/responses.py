"""The download answers of the activity, area and indicators routes (CSV and XLSX)."""

from __future__ import annotations

from fastapi.responses import Response

from activity_api.activity.service import flatten
from activity_api.downloads.tables import (
    INDICATOR_COLUMNS,
    FigureTable,
    RowsTable,
    area_figure_table,
    indicator_rows,
    national_figure_table,
    quarters_table,
    results_figure_table,
    statuses_table,
)
from activity_api.downloads.workbook import (
    TransmissionMeta,
    area_workbook,
    establishment_workbook,
    indicators_workbook,
    national_results_workbook,
    results_workbook,
    rows_workbook,
)
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.regions.schemas import (
    Area,
    AreaReport,
    AreaResults,
    AreaTransmissions,
    NationalResults,
)
from activity_api.transmissions.schemas import TransmissionList
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
    return _figures_csv(area_figure_table(report), decimal, _area_name(report, "csv"))


def _figures_csv(table: FigureTable, decimal: DecimalMark, filename: str) -> Response:
    columns, rows = table.csv()
    return download_response(
        french_csv(columns, rows, decimal_comma=decimal == "comma"),
        media_type=CSV_MEDIA_TYPE,
        filename=filename,
    )


def _rows_csv(table: RowsTable, decimal: DecimalMark, filename: str) -> Response:
    return download_response(
        french_csv(table.codes, table.rows, decimal_comma=decimal == "comma"),
        media_type=CSV_MEDIA_TYPE,
        filename=filename,
    )


def _xlsx(content: bytes, filename: str) -> Response:
    return download_response(content, media_type=XLSX_MEDIA_TYPE, filename=filename)


# --- the transmission routes (issue 16) ---------------------------------------------------


def transmissions_download(
    listing: TransmissionList, output: str, decimal: DecimalMark
) -> Response:
    """An establishment's quarters: one line per transmitted version (and one per quarter
    never transmitted); named after the FINESS and the first and last quarters."""
    establishment = listing.establishment
    quarters = [quarter.period for quarter in listing.quarters]
    name = _name("transmissions", establishment.finess, *quarters[:1], *quarters[1:][-1:])
    table = quarters_table(listing)
    if output == "csv":
        return _rows_csv(table, decimal, f"{name}.csv")
    identity: list[tuple[str, object]] = [
        ("N° FINESS", establishment.finess),
        ("Raison sociale", establishment.name),
        ("Région", establishment.region_code),
        ("Département", establishment.department_code),
        ("Trimestres", f"{quarters[0]} à {quarters[-1]}" if quarters else ""),
    ]
    method: list[tuple[str, object]] = [
        ("Statuts calculés le", listing.today),
        (
            "Statuts",
            "brouillon : non transmis, date limite non passée ; en retard : non transmis, "
            "date limite passée ; transmis : une version ; corrigé : deux versions ou plus",
        ),
        ("Lignes", "une par version transmise ; une sans version par trimestre non transmis"),
    ]
    content = rows_workbook(f"Transmissions — {establishment.name}", identity, table, method)
    return _xlsx(content, f"{name}.xlsx")


def _area_kind(area: Area) -> str:
    return "region" if area.kind == "region" else "departement"


def statuses_download(statuses: AreaTransmissions, output: str, decimal: DecimalMark) -> Response:
    """A region's establishments and their quarter's status (no figure)."""
    area, period = statuses.area, statuses.period
    name = _name("transmissions", _area_kind(area), area.code, period.label)
    table = statuses_table(statuses.establishments)
    if output == "csv":
        return _rows_csv(table, decimal, f"{name}.csv")
    share = statuses.transmissions
    kind = "Région" if area.kind == "region" else "Département"
    identity: list[tuple[str, object]] = [
        (kind, area.code),
        ("Libellé", area.name or area.code),
        ("Période", period.label),
        ("Date limite de transmission", period.deadline),
        ("Établissements", share.establishments),
        ("Établissements ayant transmis", share.transmitted),
        ("Part des établissements ayant transmis", share.share),
    ]
    method: list[tuple[str, object]] = [
        ("Période", period.label),
        ("Du (inclus)", period.start),
        ("Au (exclu)", period.end),
        ("Date limite de transmission", period.deadline),
        ("Contenu", "statuts seulement : aucun chiffre d'activité"),
    ]
    content = rows_workbook(
        f"Transmissions — {kind} {area.name or area.code}", identity, table, method
    )
    return _xlsx(content, f"{name}.xlsx")


def results_download(results: AreaResults, output: str, decimal: DecimalMark) -> Response:
    """A region's or department's transmitted results."""
    area = results.area
    name = _name("resultats", _area_kind(area), area.code, results.period.label)
    if output == "csv":
        return _figures_csv(results_figure_table(results), decimal, f"{name}.csv")
    return _xlsx(results_workbook(results), f"{name}.xlsx")


def national_results_download(
    results: NationalResults, output: str, decimal: DecimalMark
) -> Response:
    """National transmitted results: one row per region and the national total."""
    name = _name("resultats", "national", results.period.label)
    if output == "csv":
        return _figures_csv(national_figure_table(results), decimal, f"{name}.csv")
    return _xlsx(national_results_workbook(results), f"{name}.xlsx")


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
