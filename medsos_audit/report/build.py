"""Weekly reports per branch: HTML, XLSX and CSV under reports/<YYYY-Www>/<branch-slug>.*"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from medsos_audit.progress import NoProgress, Progress
from medsos_audit.report import data, html, i18n
from medsos_audit.report.chart import data_uri, trend_png
from medsos_audit.report.csvfile import csv_text
from medsos_audit.report.files import write_private
from medsos_audit.report.workbook import workbook_bytes
from medsos_audit.settings import Settings

log = logging.getLogger(__name__)


class UnknownBranchError(ValueError):
    """A --branch that names no branch with registered accounts."""


@dataclass(frozen=True)
class RenderedReport:
    """One branch's report in every form, in memory (files are written from this)."""

    report: data.BranchReport
    lang: str
    html: str
    xlsx: bytes
    csv: str
    chart_png: bytes

    def html_with_chart(self, src: str, *, max_cards: int | None = None) -> str:
        """The HTML with the chart at ``src`` (e.g. 'cid:...' for an e-mail) instead of data:."""
        return html.render_report(self.report, self.lang, src, max_cards=max_cards)

    @property
    def longest_list(self) -> int:
        """The most cards any section shows (posts, late posts, profiles)."""
        r = self.report
        return max(len(r.posts), len(r.late_posts), len(r.profiles))


@dataclass(frozen=True)
class ReportFiles:
    """Where one branch's report was written, and what it holds."""

    branch: str
    week: str
    html: Path
    xlsx: Path
    csv: Path
    flagged_posts: int
    findings: int


def render_branch(
    con: duckdb.DuckDBPyConnection,
    branch: str,
    week: str,
    tz: str,
    lang: str,
    *,
    generated_at: datetime | None = None,
) -> RenderedReport:
    """Reads and renders the report of one branch for one week."""
    report = data.load_branch_report(con, branch, week, tz, generated_at=generated_at)
    png = trend_png(report.trend_weeks, report.trend, lang, week)
    return RenderedReport(
        report=report,
        lang=lang,
        html=html.render_report(report, lang, data_uri(png)),
        xlsx=workbook_bytes(report, lang),
        csv=csv_text(report),
        chart_png=png,
    )


def resolve_branches(con: duckdb.DuckDBPyConnection, wanted: str | None) -> list[str]:
    """Every branch, or the one named by ``wanted`` (its name or slug, any case)."""
    known = data.branches(con)
    if wanted is None:
        return known
    for name in known:
        if wanted.strip().casefold() in (name.casefold(), data.branch_slug(name)):
            return [name]
    raise UnknownBranchError(
        f"no branch {wanted!r}; known branches: {', '.join(known) or '(none)'}"
    )


def write_report(rendered: RenderedReport, out_dir: Path) -> ReportFiles:
    """Writes the three files of one rendered report (0600; folders 0700)."""
    report = rendered.report
    folder = out_dir / report.week
    stem = folder / report.slug
    paths = (stem.with_suffix(".html"), stem.with_suffix(".xlsx"), stem.with_suffix(".csv"))
    write_private(paths[0], rendered.html.encode("utf-8"), out_dir)
    write_private(paths[1], rendered.xlsx, out_dir)
    # utf-8-sig: Excel opens a CSV with a byte-order mark as UTF-8 (names, emoji).
    write_private(paths[2], rendered.csv.encode("utf-8-sig"), out_dir)
    findings = sum(len(i.findings) for i in (*report.posts, *report.late_posts, *report.profiles))
    return ReportFiles(
        branch=report.branch,
        week=report.week,
        html=paths[0],
        xlsx=paths[1],
        csv=paths[2],
        flagged_posts=len(report.posts),
        findings=findings,
    )


def build_reports(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    week: str,
    *,
    branches: Sequence[str] | None = None,
    lang: str | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[ReportFiles]:
    """Writes the report of every branch (or of ``branches``) for ``week``; returns the files."""
    lang = lang or i18n.staff_lang(settings.lang)
    out = out_dir or settings.reports_dir
    chosen = list(branches) if branches is not None else data.branches(con)
    written = []
    with (progress or NoProgress()).stage("reports", len(chosen)) as advance:
        for branch in chosen:
            rendered = render_branch(con, branch, week, settings.tz, lang)
            files = write_report(rendered, out)
            log.info(
                "report %s %s: %d flagged posts, %d findings",
                files.week,
                data.branch_slug(branch),
                files.flagged_posts,
                files.findings,
            )
            written.append(files)
            advance(1)
    return written
