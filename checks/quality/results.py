"""Keeps what the gate found: GX's result JSON and a readable HTML page under dq/<run_id>/, and
one `dq_results` row per suite (per week for the weekly suites).

The HTML page is this project's own: GX 1.24's Data Docs page loads 15 scripts and stylesheets
from CDNs (the pipeline runs offline) and writes failing values into the page unescaped, so a
hostile shortcode such as ``<script>…`` would run in the operator's browser. Here every value
goes through Jinja2's autoescape and the page needs no network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from checks.quality.runner import Validation
from medsos_audit.runs import is_run_id, utcnow
from warehouse.db import ensure_private_dir, write_private

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass
class Entry:
    """One validation kept for the run: its label, result, file and the weeks it covered."""

    label: str
    validation: Validation
    path: str  # relative to MEDSOS_HOME
    weeks: list[str] | None


@dataclass
class DqReport:
    """The data-quality results of one run, kept under ``$MEDSOS_HOME/dq/<run_id>/``."""

    home: Path
    run_id: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def folder_name(self) -> str:
        """The run id, or a hash of it when it is not of the plain run id form (it is a path)."""
        if is_run_id(self.run_id):
            return self.run_id
        return "id-" + hashlib.sha256(self.run_id.encode()).hexdigest()[:16]

    @property
    def folder(self) -> Path:
        return self.home / "dq" / self.folder_name

    def add(self, label: str, validation: Validation, weeks: list[str] | None = None) -> Entry:
        """Writes GX's result JSON for ``validation`` and refreshes the run's index.html."""
        ensure_private_dir(self.folder)
        name = f"{len(self.entries) + 1:03d}-{label}.json"
        document = {"label": label, "weeks": weeks, "result": validation.document}
        write_private(self.folder / name, json.dumps(document, indent=1, default=str).encode())
        entry = Entry(label, validation, f"dq/{self.folder_name}/{name}", weeks)
        self.entries.append(entry)
        self.write_index()
        return entry

    def write_index(self) -> Path:
        """The run's results as one self-contained HTML page (index.html)."""
        page = _TEMPLATES.get_template("dq_index.html.j2").render(
            run_id=self.run_id,
            created=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            entries=self.entries,
            passed=all(e.validation.success for e in self.entries),
        )
        path = self.folder / "index.html"
        write_private(path, page.encode())
        return path


@lru_cache(maxsize=4)
def report_for(home: Path, run_id: str) -> DqReport:
    """The one report of a run in this process, so every stage adds to the same index page."""
    return DqReport(home, run_id)


def _week_rows(entry: Entry) -> list[tuple[str | None, bool, int, list[dict[str, Any]]]]:
    """(week, success, failed expectations, details) per week covered, or one row for a table."""
    outcomes = entry.validation.outcomes
    if entry.weeks is None:
        details = [o.summary() for o in outcomes]
        failed = sum(not o.success for o in outcomes)
        return [(None, failed == 0, failed, details)]
    rows: list[tuple[str | None, bool, int, list[dict[str, Any]]]] = []
    for week in entry.weeks:
        details = []
        failed = 0
        for outcome in outcomes:
            mine = [r for r in outcome.failing if r.get("post_week") == week]
            week_failed = bool(mine) or (not outcome.success and not outcome.failing)
            failed += week_failed
            summary = outcome.summary() | {
                "success": not week_failed,
                "unexpected_count": len(mine),
                "failing_sample": mine[:20],
            }
            details.append(summary)
        rows.append((week, failed == 0, failed, details))
    return rows


def record(
    con: duckdb.DuckDBPyConnection, run_id: str, entry: Entry, now: datetime | None = None
) -> int:
    """Inserts the `dq_results` rows of one kept validation; returns how many."""
    rows = _week_rows(entry)
    stamp = now or utcnow()
    for week, success, failed, details in rows:
        con.execute(
            "INSERT INTO dq_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                entry.validation.suite.name,
                week,
                success,
                entry.validation.evaluated,
                failed,
                json.dumps({"rows": entry.validation.rows, "expectations": details}, default=str),
                entry.path,
                stamp,
            ],
        )
    return len(rows)
