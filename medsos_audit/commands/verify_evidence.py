"""`medsos-audit verify-evidence`: landed files against their hashes, manifests by chain."""

from __future__ import annotations

import argparse

from rich.console import Console

from extract.evidence import verify
from medsos_audit.cli_support import EXIT_FAILED, EXIT_OK, settings_from
from warehouse.db import connect


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return sub.add_parser(
        "verify-evidence",
        help="check that landed files and their manifests are unaltered",
        description=(
            "Recompute the SHA-256 of every file live collection landed and of every run's "
            "manifest, and check that each manifest chains to the one before it. Files removed "
            "by the retention policy are counted, not failed. Exit 0 when everything matches, "
            "1 naming each mismatch."
        ),
    )


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, soft_wrap=True)
    settings = settings_from(args)
    con = connect(settings.warehouse)
    try:
        report = verify(con, settings.home)
    finally:
        con.close()
    for problem in report.problems:
        console.print(f"MISMATCH {problem}", markup=False)
    console.print(
        f"{report.manifests} manifests, {report.files} files checked, "
        f"{report.purged} purged by retention, {len(report.problems)} mismatches",
        markup=False,
    )
    return EXIT_OK if report.ok else EXIT_FAILED
