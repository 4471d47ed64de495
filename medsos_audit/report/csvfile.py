"""The report's findings as CSV for analysts' tools: one row per finding, stable column names."""

from __future__ import annotations

import csv
import io

from medsos_audit.report import tables
from medsos_audit.report.data import BranchReport

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value: object) -> object:
    # A spreadsheet opening the CSV would run a formula; quote free text that looks like one.
    if column in tables.FREE_TEXT and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(report: BranchReport) -> str:
    """The findings of ``report`` as CSV text (header row first, UTF-8 safe)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=tables.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in tables.finding_records(report):
        writer.writerow({k: _cell(k, v) for k, v in record.items()})
    return buf.getvalue()
