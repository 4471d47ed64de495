"""`medsos-audit run`: import a snapshot, normalise, check, rebuild the audit tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extract.registry import RegistryError
from extract.snapshot import SnapshotError
from medsos_audit.cli_support import EXIT_FAILED, EXIT_OK, EXIT_USAGE, settings_from
from medsos_audit.pipeline import run_snapshot
from medsos_audit.progress import RichProgress

SHOW_SKIPPED = 20
EXAMPLE_SQL = (
    "SELECT branch, post_week, posts, flagged_posts, promotion_posts, berat_posts\n"
    "FROM audit_weekly_branch ORDER BY post_week DESC, flagged_posts DESC LIMIT 10;"
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "run",
        help="import a snapshot folder and audit it end to end",
        description=(
            "Import an instaloader-layout snapshot folder, normalise it into the warehouse, run "
            "the compliance checks and rebuild the weekly audit tables of every week touched. "
            "Exit 0 when done (skipped files and bad registry rows are reported, not fatal), "
            "1 when nothing could be done, 2 on a usage error."
        ),
    )
    cmd.add_argument(
        "--registry", type=Path, required=True, help="registry CSV of doctors and accounts"
    )
    cmd.add_argument(
        "--snapshot",
        type=Path,
        required=True,
        help="folder laid out as instaloader saves profiles (<dir>/<username>/*_UTC.json[.xz])",
    )
    return cmd


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=False, highlight=False)
    settings = settings_from(args)
    try:
        run_id, registry, summary = run_snapshot(
            settings, args.registry, args.snapshot, progress=RichProgress()
        )
    except (RegistryError, SnapshotError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True)
        return EXIT_USAGE
    for problem in registry.problems:
        console.print(f"[yellow]registry row skipped[/yellow] {escape(str(problem))}", markup=True)
    for path, reason in summary.skipped[:SHOW_SKIPPED]:
        # file names and reasons come from the snapshot: escaped, never read as rich markup
        console.print(f"[yellow]file skipped[/yellow] {escape(path)}: {escape(reason)}")
    if len(summary.skipped) > SHOW_SKIPPED:
        console.print(f"... and {len(summary.skipped) - SHOW_SKIPPED} more (table import_files)")
    for path, reason in summary.load.quarantined[:SHOW_SKIPPED]:
        console.print(f"[yellow]file quarantined[/yellow] {escape(path)}: {escape(reason)}")
    if len(summary.load.quarantined) > SHOW_SKIPPED:
        more = len(summary.load.quarantined) - SHOW_SKIPPED
        console.print(f"... and {more} more (table quarantine)")
    table = Table(title=f"run {run_id}", show_header=False)
    for key, value in summary.counts().items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    console.print(f"warehouse: {settings.warehouse}")
    if summary.gate is None and not summary.blocked:
        console.print("nothing changed since the last publication: gate and copy skipped")
    else:
        console.print(f"data quality: {settings.dq_dir / run_id / 'index.html'}")
    if summary.blocked:
        console.print(summary.blocked, markup=False, style="red")
        console.print("nothing published; the analysts' copy is unchanged")
        return EXIT_FAILED
    console.print(f"analysts' copy (read-only, masked): {settings.published_path}")
    console.print("example query for analysts (docs/warehouse.md lists every table):")
    console.print(EXAMPLE_SQL, markup=False)
    if not registry.accounts:
        console.print("[red]nothing to do: the registry has no valid account[/red]")
        return EXIT_FAILED
    return EXIT_OK
