"""The report as an XLSX workbook (openpyxl): the HTML's tables, one sheet each."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from medsos_audit.report import i18n, tables
from medsos_audit.report.data import BranchReport

SHEETS = {
    "id": ("Ringkasan", "Tren", "Dokter", "Temuan", "Tidak diperiksa", "Keterangan"),
    "en": ("Summary", "Trend", "Doctors", "Findings", "Not checked", "Legend"),
}
_HEADER_FILL = PatternFill("solid", fgColor="E5E7EB")
_MAX_WIDTH = 60


def _sheet(wb: Workbook, title: str, rows: Sequence[Sequence[Any]], *, first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    widths: dict[int, int] = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                # Text from Instagram may start with '=': keep it text, never a formula.
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=len(value) > _MAX_WIDTH, vertical="top")
            widths[c] = min(_MAX_WIDTH, max(widths.get(c, 8), len(str(value)) + 2))
    if rows:
        for c in range(1, len(rows[0]) + 1):
            head = ws.cell(row=1, column=c)
            head.font = Font(bold=True)
            head.fill = _HEADER_FILL
        ws.freeze_panes = "A2"
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = width


def workbook_bytes(report: BranchReport, lang: str) -> bytes:
    """The workbook of ``report`` in ``lang``, as the bytes of an .xlsx file."""
    names = SHEETS[lang]
    wb = Workbook()
    _sheet(wb, names[0], tables.figure_rows(report, lang), first=True)
    _sheet(wb, names[1], tables.trend_rows(report, lang))
    _sheet(wb, names[2], tables.doctor_rows(report, lang))
    _sheet(wb, names[3], tables.finding_rows(report, lang))
    _sheet(wb, names[4], tables.unchecked_rows(report, lang))
    _sheet(wb, names[5], tables.legend_rows(lang))
    summary = wb[names[0]]
    t = i18n.labels(lang)
    summary.append([])
    summary.append([t["branch"], report.branch])
    summary.append([t["week"], i18n.format_week(report.week, lang)])
    summary.append([t["generated"], i18n.format_datetime(report.generated_at, report.tz, lang)])
    # The workbook's own dates say when the report was made, not when the file was written.
    wb.properties.created = wb.properties.modified = report.generated_at.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
