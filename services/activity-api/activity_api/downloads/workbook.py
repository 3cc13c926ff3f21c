"""XLSX workbooks of the figures (transmission.md §3), written with XlsxWriter.

Sheets: a summary; one per table (file active, weekly units, hours, journées and nuits,
actes and séances, capacity, data quality); the indicators; a method sheet (period,
profile and rule-set versions, freeze or transmission, statistical secrecy). French
labels, numbers stored as numbers; a suppressed cell holds ``s`` (INSEE's mark), a
figure that does not exist is left empty. Text cells are written as text, never as
formulas, and neutralised like the CSV's (``ditep_core.web.tabular.spreadsheet_cell``).

The builders take the response models (``ActivityReport``, ``AreaReport``,
``IndicatorsReport``) and optional transmission metadata, so that any route serving
those bodies can offer the same workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import xlsxwriter
from pydantic import BaseModel, Field
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from activity_api.downloads.tables import (
    INDICATOR_COLUMNS,
    REASONS,
    SUMMARY_PATHS,
    SUPPRESSED_MARK,
    TABLE_SHEETS,
    FigureTable,
    RowsTable,
    area_figure_table,
    figure_label,
    flat_figures,
    indicator_rows,
    national_figure_table,
    region_shares_table,
    results_figure_table,
    sheet_paths,
    statuses_table,
)
from activity_api.indicators.schemas import IndicatorsReport
from activity_api.regions.schemas import (
    AreaReport,
    AreaResults,
    FiguresRow,
    NationalResults,
    QuarterInfo,
    Secrecy,
    TransmissionShare,
)
from ditep_core.reports import ActivityReport, QualityCounts
from ditep_core.web.tabular import spreadsheet_cell


class TransmissionMeta(BaseModel):
    """What a transmitted version adds to its figures (shown on the method sheet)."""

    version: int = Field(description="Version de la transmission")
    transmitted_at: dt.datetime = Field(description="Date de transmission")
    transmitted_by: str = Field(description="Transmis par")
    reason: str | None = Field(default=None, description="Motif de la correction")
    profile_version: str | None = Field(default=None, description="Version du profil")
    ruleset_versions: list[str] = Field(default_factory=list, description="Règles de classement")
    import_ids: list[int] = Field(default_factory=list, description="Imports")


INDICATOR_HEADERS = (
    "Indicateur",
    "Code",
    "Mesure",
    "Libellé",
    "Unité",
    "Valeur",
    "Motif",
    "Un an plus tôt",
    "Motif (un an plus tôt)",
    "Définition",
)


class _Book:
    """One workbook in memory, with its formats and the safe way to write a cell."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.workbook: Workbook = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                # Text stays text: "=..." is never a formula, "0012" never a number.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.bold: Format = self.workbook.add_format({"bold": True})
        self.title: Format = self.workbook.add_format({"bold": True, "font_size": 14})
        self.wrap: Format = self.workbook.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str) -> Worksheet:
        worksheet: Worksheet = self.workbook.add_worksheet(name[:31])
        return worksheet

    def cell(
        self, sheet: Worksheet, row: int, column: int, value: object, style: Format | None = None
    ) -> None:
        if value is None:
            sheet.write_blank(row, column, None, style)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, style)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, style)
        elif isinstance(value, dt.date):  # datetimes too
            sheet.write_string(row, column, value.isoformat(), style)
        else:
            text = spreadsheet_cell(str(value))
            sheet.write_string(row, column, str(text), style)

    def row(
        self,
        sheet: Worksheet,
        row: int,
        values: Sequence[object],
        style: Format | None = None,
    ) -> None:
        for column, value in enumerate(values):
            self.cell(sheet, row, column, value, style)

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


# --- sheets --------------------------------------------------------------------------


def _key_values(
    book: _Book, sheet: Worksheet, start: int, pairs: Iterable[tuple[str, object]]
) -> int:
    row = start
    for key, value in pairs:
        book.cell(sheet, row, 0, key, book.bold)
        book.cell(sheet, row, 1, value)
        row += 1
    return row


def _establishment_tables(book: _Book, report: ActivityReport, flat: Mapping[str, Any]) -> None:
    """One sheet per table; ``flat``: the body's figures by dotted path."""
    for title, groups in TABLE_SHEETS:
        sheet = book.sheet(title)
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, 1, 70)
        sheet.set_column(2, 2, 14)
        book.row(sheet, 0, ("Code", "Libellé", "Valeur"), book.bold)
        row = 1
        for path in sheet_paths(flat, groups):
            book.row(sheet, row, (path, figure_label(path), flat[path]))
            row += 1
        if "quality" in groups and report.quality.by_source:
            row += 1
            book.cell(sheet, row, 0, "Par source", book.bold)
            fields = list(QualityCounts.model_fields)
            header = ["source_id", *fields]
            labels = ["Source", *(QualityCounts.model_fields[f].description or f for f in fields)]
            book.row(sheet, row + 1, labels, book.bold)
            book.row(sheet, row + 2, header)
            for offset, source in enumerate(report.quality.by_source):
                values = source.model_dump()
                book.row(sheet, row + 3 + offset, [values[name] for name in header])


def _figure_sheets(book: _Book, table: FigureTable) -> None:
    """Rows of figures (establishments or regions, then the total), one sheet per table of
    transmission.md §3: the identity columns, then every published figure of the sheet's
    groups; row 1 the French labels, row 2 the codes (the CSV's header)."""
    rows: list[tuple[list[object], dict[str, Any], set[str]]] = [
        (identity, row.flat_figures(), set(row.suppressed)) for identity, row in table.rows
    ]
    # Every figure path in the order first met (a dict: membership in constant time).
    columns: dict[str, None] = {}
    for _identity, flat, _hidden in rows:
        for path, value in flat.items():
            if path not in columns and not isinstance(value, list | str):
                columns[path] = None
    width = len(table.identity)
    for title, groups in TABLE_SHEETS:
        paths = [path for path in columns if path.split(".", 1)[0] in groups]
        sheet = book.sheet(title)
        sheet.freeze_panes(2, width)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 1, 36)
        sheet.set_row(0, 60)
        labels = [column.label for column in table.identity]
        book.row(sheet, 0, [*labels, *map(figure_label, paths)], book.wrap)
        book.row(sheet, 1, [*table.codes, *paths], book.bold)
        for index, (identity, flat, hidden) in enumerate(rows):
            values: list[object] = list(identity)
            for path in paths:
                value = flat.get(path)
                values.append(SUPPRESSED_MARK if value is None and path in hidden else value)
            book.row(sheet, 2 + index, values)


def _rows_sheet(book: _Book, table: RowsTable) -> None:
    """A list (quarters, statuses): row 1 the French labels, row 2 the codes (the CSV's
    header), then one row per line."""
    sheet = book.sheet(table.title)
    sheet.freeze_panes(2, 1)
    sheet.set_column(0, len(table.columns) - 1, 18)
    sheet.set_row(0, 45)
    book.row(sheet, 0, [column.label for column in table.columns], book.wrap)
    book.row(sheet, 1, table.codes, book.bold)
    for index, values in enumerate(table.rows):
        book.row(sheet, 2 + index, values)


def _indicators_sheet(book: _Book, report: IndicatorsReport) -> None:
    sheet = book.sheet("Indicateurs")
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 22)
    sheet.set_column(3, 3, 40)
    sheet.set_column(5, 8, 16)
    sheet.set_column(9, 9, 90)
    headers = list(INDICATOR_HEADERS)
    headers[5] = f"Valeur ({report.period.code})"
    headers[7] = f"Un an plus tôt ({report.year_before_period.code})"
    book.row(sheet, 0, headers, book.bold)
    book.row(sheet, 1, INDICATOR_COLUMNS)
    for index, values in enumerate(indicator_rows(report)):
        book.row(sheet, 2 + index, values)


def _summary(
    book: _Book,
    title: str,
    identity: Sequence[tuple[str, object]],
    figures: Mapping[str, Any],
    hidden: set[str],
) -> None:
    sheet = book.sheet("Synthèse")
    sheet.set_column(0, 0, 60)
    sheet.set_column(1, 1, 24)
    book.cell(sheet, 0, 0, title, book.title)
    row = _key_values(book, sheet, 2, identity) + 1
    book.row(sheet, row, ("Indicateur", "Valeur", "Code"), book.bold)
    for path in SUMMARY_PATHS:
        if path in figures:
            row += 1
            value = figures[path]
            shown = SUPPRESSED_MARK if value is None and path in hidden else value
            book.row(sheet, row, (figure_label(path), shown, path))


def _transmission_pairs(transmission: TransmissionMeta | None) -> list[tuple[str, object]]:
    if transmission is None:
        return [("Transmission", "non transmis (chiffres calculés à la demande)")]
    return [
        ("Version de la transmission", transmission.version),
        ("Transmis le", transmission.transmitted_at),
        ("Transmis par", transmission.transmitted_by),
        ("Motif de la correction", transmission.reason or ""),
        ("Profil de comptage (transmission)", transmission.profile_version or ""),
        ("Règles de classement (transmission)", ", ".join(transmission.ruleset_versions)),
        ("Imports (transmission)", ", ".join(str(i) for i in transmission.import_ids)),
    ]


def _method(
    book: _Book,
    pairs: list[tuple[str, object]],
    transmission: TransmissionMeta | None,
    suppressed: Sequence[str],
    *,
    transmitted_results: bool = False,
) -> None:
    """The method sheet: ``pairs``, then the transmission (a version's, or "not
    transmitted"; nothing for results, whose rows say their versions), the conventions
    and every suppressed cell."""
    sheet = book.sheet("Méthode")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 100)
    book.cell(sheet, 0, 0, "Méthode", book.title)
    if not transmitted_results:
        pairs = [*pairs, *_transmission_pairs(transmission)]
    pairs = [
        *pairs,
        (
            "Conventions",
            f"« {SUPPRESSED_MARK} » : valeur masquée (secret statistique) ; cellule vide : "
            "valeur non définie ou sans objet. Heures en heures décimales ; parts et taux "
            "entre 0 et 1.",
        ),
        ("Valeurs masquées", len(suppressed)),
    ]
    row = _key_values(book, sheet, 2, pairs)
    for path in suppressed:
        book.row(sheet, row, ("", path))
        row += 1


def _common_method(
    period: tuple[str, dt.date, dt.date],
    profile_version: str,
    rule_set_versions: Sequence[str],
    computed_at: dt.datetime | None,
    stale: bool,
) -> list[tuple[str, object]]:
    code, start, end = period
    return [
        ("Période", code),
        ("Du (inclus)", start),
        ("Au (exclu)", end),
        ("Version du profil de comptage", profile_version),
        ("Versions des règles de classement", ", ".join(rule_set_versions)),
        # None: the refresh task has not computed this period yet.
        ("Calculé le", computed_at if computed_at is not None else "pas encore calculé"),
        ("Données plus récentes en attente de recalcul", "oui" if stale else "non"),
    ]


def establishment_workbook(
    report: ActivityReport,
    indicators: IndicatorsReport | None = None,
    transmission: TransmissionMeta | None = None,
) -> bytes:
    """One establishment's figures (and indicators) as a workbook."""
    book = _Book()
    flat = flat_figures(report.model_dump(mode="json", by_alias=True))
    _summary(
        book,
        f"Décompte d'activité — {report.establishment.name}",
        [
            ("N° FINESS", report.establishment.finess),
            ("Raison sociale", report.establishment.name),
            ("Région", report.establishment.region_code),
            ("Département", report.establishment.department_code),
            ("Période", report.period.code),
        ],
        flat,
        set(),
    )
    _establishment_tables(book, report, flat)
    if indicators is not None:
        _indicators_sheet(book, indicators)
    pairs = _common_method(
        (report.period.code, report.period.start, report.period.end),
        report.profile_version,
        report.rule_set_versions,
        report.computed_at,
        report.stale,
    )
    pairs.append(("Fuseau horaire", report.period.timezone))
    if report.frozen is not None:
        pairs += [
            ("Période gelée le", report.frozen.frozen_at),
            ("Gelée par", report.frozen.frozen_by),
            ("Imports", ", ".join(str(i) for i in report.frozen.import_ids)),
        ]
    pairs.append(("Secret statistique", "sans objet (chiffres de l'établissement)"))
    _method(book, pairs, transmission, indicators.suppressed if indicators else [])
    return book.close()


def area_workbook(
    report: AreaReport,
    indicators: IndicatorsReport | None = None,
    transmission: TransmissionMeta | None = None,
) -> bytes:
    """A region's or department's table (establishments and total) as a workbook."""
    book = _Book()
    kind = "Région" if report.area.kind == "region" else "Département"
    _summary(
        book,
        f"Décompte d'activité — {kind} {report.area.name or report.area.code}",
        [
            (kind, report.area.code),
            ("Établissements", report.establishment_count),
            ("Période", report.period.label),
        ],
        report.totals.flat_figures(),
        set(report.totals.suppressed),
    )
    _figure_sheets(book, area_figure_table(report))
    if indicators is not None:
        _indicators_sheet(book, indicators)
    versions = report.totals.flat_figures()
    pairs = _common_method(
        (report.period.label, report.period.start, report.period.end),
        ", ".join(_texts(versions.get("profile_version"))),
        _texts(versions.get("rule_set_versions")),
        report.computed_at,
        report.stale,
    )
    pairs += [
        ("Secret statistique : seuil", report.secrecy.threshold),
        ("Secret statistique : règle", report.secrecy.rule),
    ]
    suppressed = [f"TOTAL : {path}" for path in report.totals.suppressed]
    for row in report.establishments:
        suppressed += [f"{row.finess} : {path}" for path in row.suppressed]
    if indicators is not None:
        suppressed += [f"Indicateur : {code}" for code in indicators.suppressed]
    _method(book, pairs, transmission, suppressed)
    return book.close()


def indicators_workbook(
    report: IndicatorsReport, transmission: TransmissionMeta | None = None
) -> bytes:
    """The indicators of an establishment, an area or the nation as a workbook."""
    book = _Book()
    scope = report.scope
    identity: list[tuple[str, object]] = [("Niveau", scope.kind)]
    if scope.code is not None:
        identity.append(("Code", scope.code))
    if scope.name is not None:
        identity.append(("Libellé", scope.name))
    identity += [
        ("Période", report.period.code),
        ("Un an plus tôt", report.year_before_period.code),
    ]
    sheet = book.sheet("Synthèse")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 30)
    book.cell(sheet, 0, 0, f"Indicateurs de pilotage — {scope.name or scope.code}", book.title)
    _key_values(book, sheet, 2, identity)
    _indicators_sheet(book, report)
    pairs = _common_method(
        (report.period.code, report.period.start, report.period.end),
        report.profile_version,
        report.rule_set_versions,
        report.computed_at,
        report.stale,
    )
    if report.secrecy is not None:
        pairs += [
            ("Secret statistique : seuil", report.secrecy.threshold),
            ("Secret statistique : règle", report.secrecy.rule),
            ("Établissements agrégés", report.secrecy.establishment_count),
        ]
    pairs.append(("Motifs", "; ".join(f"{text}" for text in REASONS.values())))
    _method(book, pairs, transmission, report.suppressed)
    return book.close()


def rows_workbook(
    title: str,
    identity: Sequence[tuple[str, object]],
    table: RowsTable,
    method: list[tuple[str, object]],
) -> bytes:
    """A list (an establishment's quarters, a region's statuses) as a workbook: a summary,
    the list, a method sheet."""
    book = _Book()
    sheet = book.sheet("Synthèse")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 40)
    book.cell(sheet, 0, 0, title, book.title)
    _key_values(book, sheet, 2, identity)
    _rows_sheet(book, table)
    _method(book, method, None, [], transmitted_results=True)
    return book.close()


TRANSMITTED_ONLY = (
    "Chiffres des dernières versions transmises uniquement (jamais un brouillon) ; "
    "un établissement qui n'a pas transmis n'a aucun chiffre."
)


def _results_method(
    period: QuarterInfo, computed_at: dt.datetime, secrecy: Secrecy, not_aggregated: list[str]
) -> list[tuple[str, object]]:
    return [
        ("Période", period.label),
        ("Du (inclus)", period.start),
        ("Au (exclu)", period.end),
        ("Date limite de transmission", period.deadline),
        ("Calculé le", computed_at),
        ("Source des chiffres", TRANSMITTED_ONLY),
        ("Indicateurs non agrégés", ", ".join(not_aggregated)),
        ("Secret statistique : seuil", secrecy.threshold),
        ("Secret statistique : règle", secrecy.rule),
    ]


def _suppressed_cells(table: FigureTable) -> list[str]:
    """``"<first identity cell> : <path>"`` for every suppressed cell, total first."""
    *rows, (total_identity, total) = table.rows
    cells = [f"{total_identity[0]} : {path}" for path in total.suppressed]
    for identity, row in rows:
        cells += [f"{identity[0]} : {path}" for path in row.suppressed]
    return cells


def _results_book(
    title: str,
    identity: list[tuple[str, object]],
    share: TransmissionShare,
    totals: FiguresRow,
    figures: FigureTable,
    transmissions: RowsTable,
    method: list[tuple[str, object]],
) -> bytes:
    book = _Book()
    identity = [
        *identity,
        ("Établissements", share.establishments),
        ("Établissements ayant transmis", share.transmitted),
        ("Part des établissements ayant transmis", share.share),
    ]
    _summary(book, title, identity, totals.flat_figures(), set(totals.suppressed))
    _rows_sheet(book, transmissions)
    _figure_sheets(book, figures)
    _method(book, method, None, _suppressed_cells(figures), transmitted_results=True)
    return book.close()


def results_workbook(results: AreaResults) -> bytes:
    """A region's or department's transmitted results: summary (the total), the
    establishments' statuses, one sheet per table (establishments and total), method."""
    kind = "Région" if results.area.kind == "region" else "Département"
    return _results_book(
        f"Résultats transmis — {kind} {results.area.name or results.area.code}",
        [(kind, results.area.code), ("Période", results.period.label)],
        results.transmissions,
        results.totals,
        results_figure_table(results),
        statuses_table(results.establishments),
        _results_method(
            results.period, results.computed_at, results.secrecy, results.not_aggregated
        ),
    )


def national_results_workbook(results: NationalResults) -> bytes:
    """National transmitted results: summary (the national total), each region's share
    transmitted, one sheet per table (regions and total), method."""
    return _results_book(
        "Résultats transmis — national",
        [("Niveau", "national"), ("Période", results.period.label)],
        results.transmissions,
        results.totals,
        national_figure_table(results),
        region_shares_table(results),
        _results_method(
            results.period, results.computed_at, results.secrecy, results.not_aggregated
        ),
    )


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
