"""`medsos-audit collect`: land registered accounts' new public posts, then load them like `run`.

land (raw/<run_id>/, instaloader layout) -> collect_log -> load (the same importer as
``run --snapshot``) -> evidence (hashes, chained manifest) -> high-water marks, only if the load
succeeded. :func:`collect_run` takes the InstaloaderContext from its caller: the command builds
a real one, tests pass one that serves recorded responses.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from extract.collect import RequestCounter
from extract.collect.errors import SessionUnusableError, Status
from extract.collect.login import find_session, make_instaloader
from extract.registry import RegistryError, load_registry
from medsos_audit.cli_support import EXIT_USAGE, settings_from
from medsos_audit.collect_flow import CollectSummary, UsageError, collect_once
from medsos_audit.progress import RichProgress
from medsos_audit.settings import airflow_connection_uri


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "collect",
        help="collect registered accounts' new public posts from Instagram and audit them",
        description=(
            "Collect the new public posts of the registry's accounts with instaloader, most "
            "overdue first, land them under $MEDSOS_HOME/raw/<run_id>/ and load them as `run` "
            "does. Exit 0 when done (private, not found, throttled accounts and a spent budget "
            "are recorded, not fatal), 1 on a checkpoint or a failure, 2 on a usage error."
        ),
    )
    cmd.add_argument(
        "--registry", type=Path, required=True, help="registry CSV of doctors and accounts"
    )
    cmd.add_argument(
        "--session-file",
        type=Path,
        default=None,
        help="instaloader session file to log in with (default: $MEDSOS_INSTAGRAM_SESSION, "
        "else the Airflow connection instagram_default, else logged out)",
    )
    cmd.add_argument(
        "--accounts",
        default=None,
        help="only these registered accounts, comma-separated usernames",
    )
    cmd.add_argument(
        "--max-requests",
        type=int,
        default=None,
        help="stop cleanly after this many requests to Instagram; the next run goes on",
    )
    return cmd


def _print(console: Console, summary: CollectSummary) -> None:
    r = summary.result
    for o in r.outcomes:
        if o.status not in {Status.OK, Status.UNCHANGED}:
            renamed = f" (was {o.renamed_from})" if o.renamed_from else ""
            detail = f": {o.error}" if o.error else ""
            console.print(f"{o.username}{renamed}: {o.status}{detail}", markup=False)
    table = Table(title=f"collect {summary.run_id}", show_header=False)
    for key, value in summary.counts().items():
        if key not in {"load", "statuses"}:
            table.add_row(key.replace("_", " "), str(value))
    for status, n in sorted(summary.statuses.items()):
        table.add_row(f"accounts {status}", str(n))
    if summary.load is not None:
        for key in ("new_posts", "changed_posts", "flags", "weeks_rebuilt", "files_skipped"):
            table.add_row(f"loaded: {key.replace('_', ' ')}", str(summary.load.counts()[key]))
    console.print(table)
    if r.stopped is not None:
        console.print(f"stopped early: {r.stop_reason}", markup=False)
        console.print(f"{len(r.not_attempted)} accounts left for the next run")


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, soft_wrap=True)
    settings = settings_from(args)
    if args.max_requests is not None and args.max_requests < 1:
        console.print("error: --max-requests must be at least 1", markup=False)
        return EXIT_USAGE
    only = None
    if args.accounts is not None:
        only = [a for a in (p.strip() for p in args.accounts.split(",")) if a]
    try:
        registry = load_registry(args.registry)
        counter = RequestCounter(args.max_requests)
        session = find_session(
            args.session_file, settings.instagram_session, airflow_connection_uri
        )
        loader = make_instaloader(counter, session)
        if session is not None:
            console.print(f"logged in with the session file from {session.origin}", markup=False)
        summary = collect_once(
            settings,
            registry,
            loader.context,
            counter,
            only=only,
            progress=RichProgress(),
            args={
                "registry": str(args.registry),
                "accounts": only,
                "max_requests": args.max_requests,
                "logged_in": session is not None,
            },
        )
    except (RegistryError, UsageError, SessionUnusableError) as exc:
        console.print(f"error: {exc}", markup=False)
        return EXIT_USAGE
    for problem in registry.problems:
        console.print(f"registry row skipped {problem}", markup=False)
    _print(console, summary)
    console.print(f"warehouse: {settings.warehouse}", markup=False)
    return summary.exit_code
