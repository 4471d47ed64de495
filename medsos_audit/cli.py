"""The ``medsos-audit`` command: one entry point, one sub-command per module in commands/."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
from rich.console import Console

from medsos_audit import __version__
from medsos_audit.cli_support import EXIT_FAILED, io_problem
from warehouse.db import WarehouseError

# Each name is a module in medsos_audit/commands/ with add_parser(subparsers) and run(args) -> int.
COMMANDS = [
    "run",
    "collect",
    "report",
    "alerts",
    "evaluate",
    "verify_evidence",
    "purge",
    "serve",
    "users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medsos-audit",
        description=(
            "Audit registered doctors' professional Instagram accounts against MKEK IDI "
            "fatwa 029/PB/K.MKEK/04/2021 and SK 022/PB/K.MKEK/07/2020."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"medsos_audit.commands.{name}")
        cmd = module.add_parser(sub)
        cmd.add_argument(
            "--warehouse",
            type=Path,
            default=None,
            help="DuckDB warehouse file (default: $MEDSOS_WAREHOUSE, else $MEDSOS_HOME/"
            "warehouse.duckdb, else var/warehouse.duckdb)",
        )
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except WarehouseError as exc:  # cannot open or write the warehouse: one line, not a trace
        Console(highlight=False, soft_wrap=True).print(f"error: {exc}", markup=False)
        return EXIT_FAILED
    except (OSError, duckdb.Error) as exc:  # a full disk or a permission error: the same
        problem = io_problem(exc)
        if problem is None:
            raise
        Console(highlight=False, soft_wrap=True).print(f"error: {problem}", markup=False)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
