"""What `make demo` prints after Airflow ran weekly_audit: what was loaded, flagged, written.

    python -m medsos_audit.demo [--week YYYY-Www]

Reads the warehouse read-only; prints the figures, the files staff would receive, where the
warehouse is and a first query for analysts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from medsos_audit.settings import Settings

EXAMPLE_SQL = """SELECT branch, post_week, posts, flagged_posts, promotion_posts, berat_posts
FROM audit_weekly_branch ORDER BY post_week DESC, flagged_posts DESC LIMIT 10;"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list:
    return con.execute(sql, params or []).fetchall()


def summarise(settings: Settings, week: str | None, console: Console) -> int:
    """Prints the demo's summary; returns a process exit code."""
    if not settings.warehouse.exists():
        console.print(f"no warehouse at {settings.warehouse}: the run did not happen")
        return 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        runs = _rows(con, "SELECT run_id, kind, status, error FROM runs ORDER BY started_at")
        counts = dict(
            _rows(
                con,
                "SELECT 'posts', count(*) FROM posts UNION ALL "
                "SELECT 'flags', count(*) FROM flags UNION ALL "
                "SELECT 'doctors', count(*) FROM doctors WHERE active",
            )
        )
        per_check = _rows(
            con,
            "SELECT check_name, count(DISTINCT coalesce(shortcode, 'profile:' || owner_id)), "
            "count(DISTINCT coalesce(shortcode, 'profile:' || owner_id)) "
            "FILTER (WHERE severity = 'berat') FROM flags GROUP BY 1 ORDER BY 1",
        )
        skipped = _rows(con, "SELECT path, reason FROM import_files WHERE status <> 'loaded'")
        outbox = _rows(con, "SELECT kind, branch, status, eml_path FROM outbox ORDER BY 1, 2")
        branch = (
            _rows(
                con,
                "SELECT branch, posts, flagged_posts, promotion_posts, "
                "testimonial_repost_posts, personal_mixing_posts, patient_privacy_posts, "
                "berat_posts FROM audit_weekly_branch WHERE post_week = ? ORDER BY branch",
                [week],
            )
            if week
            else []
        )
    finally:
        con.close()
    for run_id, kind, status, error in runs:
        console.print(f"run {run_id} ({kind}): {status}" + (f" — {error}" if error else ""))
    console.print(
        f"{counts['doctors']} registered doctors, {counts['posts']} posts, {counts['flags']} flags"
    )
    table = Table(title="flags per check", show_header=True)
    for column in ("check", "posts or profiles", "of them berat"):
        table.add_column(column)
    for name, subjects, heavy in per_check:
        table.add_row(name, str(subjects), str(heavy))
    console.print(table)
    if branch:
        week_table = Table(title=f"audit_weekly_branch, {week}")
        for column in (
            "branch",
            "posts",
            "flagged",
            "promo",
            "testi",
            "personal",
            "privacy",
            "berat",
        ):
            week_table.add_column(column)
        for row in branch:
            week_table.add_row(*(str(v) for v in row))
        console.print(week_table)
    for path, reason in skipped:
        console.print(f"file skipped: {Path(path).name}: {reason}", markup=False)
    reports = sorted(settings.reports_dir.glob(f"{week}/*.html")) if week else []
    for report in reports:
        console.print(f"report: {report}")
    for kind, to_branch, status, eml in outbox:
        console.print(f"e-mail ({kind}, {to_branch or 'operator'}): {status} {settings.home / eml}")
    console.print(f"warehouse: {settings.warehouse}")
    if settings.published_path.exists():
        console.print(f"analysts' copy (masked, read-only): {settings.published_path}")
    console.print("a first query for analysts (docs/warehouse.md lists every table):")
    console.print(EXAMPLE_SQL, markup=False)
    return 0 if runs and runs[-1][2] in {"success", "partial"} else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medsos_audit.demo", description=__doc__)
    parser.add_argument("--week", default=None, help="the audited week, YYYY-Www")
    args = parser.parse_args(argv)
    return summarise(Settings.from_env(), args.week, Console(highlight=False))


if __name__ == "__main__":
    sys.exit(main())
