"""`medsos-audit purge`: apply the retention policy and print what was removed (counts)."""

from __future__ import annotations

import argparse

from rich.console import Console

from medsos_audit.cli_support import EXIT_OK, EXIT_USAGE, settings_from
from medsos_audit.runs import recorded_purge
from warehouse.db import connect


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "purge",
        help="apply the retention policy (counts are printed and logged, never content)",
        description=(
            "Remove unflagged posts older than the retention period and their raw files, and "
            "the data of doctors who left the registry; flagged posts and their evidence stay "
            "while a case is open. Every purge is recorded in purge_log."
        ),
    )
    cmd.add_argument(
        "--weeks",
        type=int,
        default=None,
        help="retention period in weeks (default $MEDSOS_RETENTION_WEEKS, else 26)",
    )
    return cmd


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    settings = settings_from(args)
    weeks = args.weeks if args.weeks is not None else settings.retention_weeks
    if weeks < 1:
        console.print("error: --weeks must be at least 1", markup=False)
        return EXIT_USAGE
    con = connect(settings.warehouse)
    try:
        run_id, counts = recorded_purge(con, settings.home, weeks)
    finally:
        con.close()
    console.print(f"purge {run_id}: data posted before {counts['cutoff']} (UTC)", markup=False)
    for key in ("posts", "raw_files", "flags", "doctors_removed"):
        console.print(f"  {key.replace('_', ' ')}: {counts[key]}", markup=False)
    return EXIT_OK
