"""`medsos-audit collect`: land registered accounts' new public posts, then load them like `run`.

land (raw/<run_id>/, instaloader layout) -> collect_log -> load (the same importer as
``run --snapshot``) -> evidence (hashes, chained manifest) -> high-water marks, only if the load
succeeded. :func:`collect_run` takes the InstaloaderContext from its caller: the command builds
a real one, tests pass one that serves recorded responses.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from instaloader import InstaloaderContext
from rich.console import Console
from rich.table import Table

from extract.collect import (
    CollectOptions,
    CollectResult,
    RequestCounter,
    collect_accounts,
    commit_state,
    plan_targets,
    record_log,
)
from extract.collect.collector import AccountOutcome
from extract.collect.errors import SessionUnusableError, Status
from extract.collect.login import find_session, make_instaloader
from extract.collect.state import unknown_names
from extract.evidence import Manifest, record_run
from extract.registry import RegistryError, RegistryLoad, load_registry
from medsos_audit.cli_support import EXIT_FAILED, EXIT_OK, EXIT_USAGE, settings_from
from medsos_audit.pipeline import ImportSummary, load_snapshot
from medsos_audit.progress import NoProgress, Progress, RichProgress
from medsos_audit.runs import finish_run, start_run, utcnow
from medsos_audit.settings import Settings, airflow_connection_uri
from transform.accounts import apply_registry
from warehouse.db import WarehouseError, connect


class UsageError(ValueError):
    """The command was asked for something it cannot do (unknown account, bad budget)."""


@dataclass
class CollectSummary:
    """What a collect run did, for the command's output and runs.counts."""

    run_id: str
    result: CollectResult
    manifest: Manifest
    load: ImportSummary | None = None
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def exit_code(self) -> int:
        # A checkpoint needs a person to clear it in a browser: report it as a failure.
        return EXIT_FAILED if self.result.stopped is Status.CHECKPOINT else EXIT_OK

    def counts(self) -> dict[str, Any]:
        r = self.result
        counts: dict[str, Any] = {
            "accounts_tried": len(r.outcomes),
            "accounts_not_tried": len(r.not_attempted),
            "requests": r.requests,
            "new_posts": sum(o.new_posts for o in r.outcomes),
            "files_landed": len(r.files),
            "stopped": str(r.stopped) if r.stopped else None,
            "statuses": dict(self.statuses),
            "manifest_sha256": self.manifest.sha256,
        }
        if self.load is not None:
            counts["load"] = self.load.counts()
        return counts


def collect_run(
    settings: Settings,
    registry: RegistryLoad,
    context: InstaloaderContext,
    counter: RequestCounter,
    *,
    only: list[str] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    args: dict[str, Any] | None = None,
) -> CollectSummary:
    """One collect run end to end, recorded in ``runs``; raises UsageError before any request."""
    progress = progress or NoProgress()
    con = connect(settings.warehouse)
    try:
        apply_registry(con, registry)
        if only is not None:
            unknown = unknown_names(con, only)
            if unknown:
                raise UsageError(f"not a registered account: {', '.join(unknown)}")
        run_id = start_run(con, "collect", args)
        try:
            return _collect(con, settings, registry, context, counter, run_id, only, now, progress)
        except BaseException as exc:
            finish_run(con, run_id, "failed", error=f"{type(exc).__name__}: {exc}"[:500])
            raise
    finally:
        con.close()


def _collect(
    con: Any,
    settings: Settings,
    registry: RegistryLoad,
    context: InstaloaderContext,
    counter: RequestCounter,
    run_id: str,
    only: list[str] | None,
    now: datetime | None,
    progress: Progress,
) -> CollectSummary:
    now = now or utcnow()
    run_dir = settings.raw_dir / run_id
    targets = plan_targets(con, only)
    options = CollectOptions(lookback=timedelta(weeks=settings.lookback_weeks))
    with progress.stage("collect", len(targets)) as advance:

        def done(_outcome: AccountOutcome) -> None:
            advance(1)

        result = collect_accounts(
            context, counter, targets, run_dir, now=now, options=options, on_account=done
        )
    record_log(con, run_id, result)
    load: ImportSummary | None = None
    try:
        if result.files:
            load = load_snapshot(
                con, settings, run_dir, run_id, registry, progress=progress, source="collect"
            )
    finally:
        # After the load, so the importer never reads the manifest; whatever happened to the
        # load, what was landed is on record.
        manifest = record_run(con, settings.home, run_id, run_dir, result.files, utcnow())
    commit_state(con, run_id, result.outcomes, utcnow())
    summary = CollectSummary(run_id, result, manifest, load)
    summary.statuses.update(str(o.status) for o in result.outcomes)
    failed = {str(s) for s in Status} - {"ok", "unchanged", "renamed", "private"}
    partial = result.stopped is not None or any(s in failed for s in summary.statuses)
    partial = partial or bool(load and load.skipped)
    finish_run(con, run_id, "partial" if partial else "success", summary.counts())
    return summary


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
        summary = collect_run(
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
    except WarehouseError as exc:
        console.print(f"error: {exc}", markup=False)
        return EXIT_FAILED
    for problem in registry.problems:
        console.print(f"registry row skipped {problem}", markup=False)
    _print(console, summary)
    console.print(f"warehouse: {settings.warehouse}", markup=False)
    return summary.exit_code
