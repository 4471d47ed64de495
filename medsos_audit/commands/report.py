"""`medsos-audit report`: write each branch's weekly report (HTML, XLSX, CSV)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from medsos_audit.cli_support import EXIT_OK, EXIT_USAGE, settings_from
from medsos_audit.progress import RichProgress
from medsos_audit.report import UnknownBranchError, build_reports, resolve_branches
from medsos_audit.report.i18n import LANGS, staff_lang
from medsos_audit.runs import fail_run, finish_run, start_run
from warehouse.db import connect
from warehouse.weeks import WeekError, last_complete_week, monday_of


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "report",
        help="write the weekly report of each branch (HTML, XLSX, CSV)",
        description=(
            "Write the weekly audit report of every branch (or one) as a self-contained HTML "
            "file, an XLSX workbook and a CSV file under reports/<YYYY-Www>/<branch>.*. "
            "Exit 0 when written, 1 when the warehouse cannot be read, 2 on a usage error."
        ),
    )
    cmd.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="ISO week to report (default: the last complete week in MEDSOS_TZ)",
    )
    cmd.add_argument(
        "--branch", metavar="NAME", help="only this branch (its name or file name; default: all)"
    )
    cmd.add_argument(
        "--lang", choices=LANGS, default=None, help="id (Bahasa Indonesia, default) or en"
    )
    cmd.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the reports (default: $MEDSOS_HOME/reports)",
    )
    return cmd


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    settings = settings_from(args)
    week = args.week or last_complete_week(settings.tz)
    try:
        monday_of(week)
    except WeekError as exc:
        console.print(f"report: {exc}", markup=False)
        return EXIT_USAGE
    lang = args.lang or staff_lang(settings.lang)
    out_dir = (args.out or settings.reports_dir).expanduser().resolve()
    con = connect(settings.warehouse)
    try:
        try:
            branches = resolve_branches(con, args.branch)
        except UnknownBranchError as exc:
            console.print(f"report: {exc}", markup=False)
            return EXIT_USAGE
        run_id = start_run(con, "report", {"week": week, "branch": args.branch, "lang": lang})
        started = time.perf_counter()
        try:
            files = build_reports(
                con,
                settings,
                week,
                branches=branches,
                lang=lang,
                out_dir=out_dir,
                progress=RichProgress(),
            )
        except BaseException as exc:
            fail_run(con, run_id, exc)
            raise
        seconds = time.perf_counter() - started
        finish_run(
            con,
            run_id,
            "success",
            {
                "week": week,
                "reports": len(files),
                "flagged_posts": sum(f.flagged_posts for f in files),
            },
        )
    finally:
        con.close()
    table = Table(title=f"report {week} ({lang})")
    for col in ("branch", "flagged posts", "findings", "files"):
        table.add_column(col)
    for f in files:
        table.add_row(
            f.branch, str(f.flagged_posts), str(f.findings), f"{f.html.stem}.html .xlsx .csv"
        )
    console.print(table)
    if not files:
        console.print("no branch has registered accounts: nothing to report")
    console.print(f"{len(files)} reports in {seconds:.1f} s under {out_dir / week}", markup=False)
    return EXIT_OK
