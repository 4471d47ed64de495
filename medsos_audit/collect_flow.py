"""Live collection in three steps that hold the warehouse only when they must.

    plan_collection   (warehouse, seconds)  registry -> accounts due, most overdue first,
                                             written as chunk files of targets
    land_chunk        (Instagram, no warehouse) one chunk: land new posts under raw/<run_id>/,
                                             write what happened to an outcome file
    finish_collection (warehouse)           collect_log, load raw/<run_id>/ with the same
                                             importer as `run`, evidence manifest, high-water marks

The command line runs the three in one process; the collect_posts DAG runs plan, then one
land_chunk task per chunk (an `instagram` pool caps them), then one finish task -- the single
DuckDB writer. Work files live in $MEDSOS_HOME/collect/<run_id>/, not in the raw folder, so the
importer never sees them. Every step can be repeated: a retried chunk does not fetch again what
an earlier try landed, and finishing twice records nothing twice.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from instaloader import InstaloaderContext

from extract.collect import (
    CollectOptions,
    CollectResult,
    RequestCounter,
    Target,
    collect_accounts,
    commit_state,
    plan_targets,
    record_log,
)
from extract.collect.collector import AccountOutcome
from extract.collect.errors import CheckpointRequiredError, Status
from extract.collect.persist import read_result, read_targets, write_result, write_targets
from extract.collect.state import unknown_names
from extract.evidence import LandedFile, Manifest, record_run, sha256_file
from extract.registry import RegistryLoad
from extract.snapshot import POST_FILE, PROFILE_FILE, read_document
from medsos_audit.mail import queue_and_send_alerts
from medsos_audit.pipeline import ImportSummary, gate_and_publish, load_snapshot, notify_operator
from medsos_audit.progress import NoProgress, Progress
from medsos_audit.runs import fail_run, finish_run, start_run, utcnow
from medsos_audit.settings import Settings
from transform.accounts import apply_registry
from warehouse.db import connect, ensure_private_dir

_TRY = re.compile(r"^(chunk-\d{4})\.try-(\d+)\.json$")
FAILED_STATUSES = {str(s) for s in Status} - {"ok", "unchanged", "renamed", "private"}


class UsageError(ValueError):
    """The command was asked for something it cannot do (unknown account, bad budget)."""


@dataclass(frozen=True)
class Plan:
    """A collection run's id and the chunk files of targets its landing tasks read."""

    run_id: str
    chunks: list[str]
    accounts: int


@dataclass
class CollectSummary:
    """What a collect run did, for the command's output and runs.counts."""

    run_id: str
    result: CollectResult
    manifest: Manifest | None
    load: ImportSummary | None = None
    statuses: Counter[str] = field(default_factory=Counter)
    blocked: str | None = None  # why the data-quality gate held publication back

    @property
    def checkpoint(self) -> bool:
        return self.result.stopped is Status.CHECKPOINT

    @property
    def exit_code(self) -> int:
        """1 when a checkpoint needs a person in a browser or the gate blocked (CONTRACT)."""
        return 1 if self.checkpoint or self.blocked else 0

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
            "manifest_sha256": self.manifest.sha256 if self.manifest else None,
        }
        if self.load is not None:
            counts["load"] = self.load.counts()
        return counts


def work_dir(settings: Settings, run_id: str) -> Path:
    """Where a collection run keeps its chunk and outcome files."""
    return settings.home / "collect" / run_id


def run_of_chunk(chunk_file: str) -> str:
    """The collect run a chunk file belongs to (collect/<run_id>/targets/chunk-NNNN.json)."""
    return Path(chunk_file).parent.parent.name


def daily_quota(accounts: int, days: int = 6) -> int:
    """Accounts to collect per daily run so that every account is visited within ``days``."""
    return max(1, math.ceil(accounts / days))


def plan_collection(
    settings: Settings,
    registry: RegistryLoad,
    *,
    only: list[str] | None = None,
    limit: int | None = None,
    chunk_size: int = 50,
    args: dict[str, Any] | None = None,
    airflow_run_id: str | None = None,
) -> Plan:
    """Starts a collect run: applies the registry and writes the due accounts as chunk files.

    ``limit`` keeps only the most overdue accounts (None: all). Raises UsageError naming
    accounts in ``only`` that are not registered, before any request is made.
    """
    con = connect(settings.warehouse)
    try:
        apply_registry(con, registry)
        if only is not None:
            unknown = unknown_names(con, only)
            if unknown:
                raise UsageError(f"not a registered account: {', '.join(unknown)}")
        targets = plan_targets(con, only)
        if limit is not None:
            targets = targets[:limit]
        run_id = start_run(con, "collect", args, airflow_run_id=airflow_run_id)
    finally:
        con.close()
    folder = ensure_private_dir(work_dir(settings, run_id) / "targets")
    chunks = [
        str(
            write_targets(folder / f"chunk-{i // chunk_size:04d}.json", targets[i : i + chunk_size])
        )
        for i in range(0, len(targets), chunk_size)
    ]
    return Plan(run_id, chunks, len(targets))


def _already_seen(run_dir: Path, earlier: list[CollectResult], target: Target) -> Target:
    """The target with what earlier tries of this run saw counted as known: the posts they
    landed (read from disk, so a try killed before writing its outcomes counts too) and the
    stale posts they fetched and set aside (from their outcome files)."""
    known = dict(target.known)
    for result in earlier:
        for outcome in result.outcomes:
            if outcome.requested == target.username:
                known.update(outcome.remembered)
    folder = run_dir / target.username
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if not POST_FILE.match(path.name):
                continue
            try:
                shortcode = str(read_document(str(path))["node"]["shortcode"])
            except (OSError, ValueError, KeyError):
                continue  # half-written by a killed try: fetch that post again
            known.setdefault(shortcode, datetime.strptime(path.name[:19], "%Y-%m-%d_%H-%M-%S"))
    return replace(target, known=known)


def land_chunk(
    settings: Settings,
    run_id: str,
    chunk_file: str,
    context: InstaloaderContext,
    counter: RequestCounter,
    *,
    attempt: int = 1,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> CollectResult:
    """Collects one chunk of targets into raw/<run_id>/ and writes its outcome file.

    Posts an earlier try of the same run landed or set aside are not fetched again. Raises
    CheckpointRequiredError (not worth retrying) after writing the outcomes when Instagram asks
    for a checkpoint; throttling is recorded per account, not raised.
    """
    prog: Progress = progress or NoProgress()
    run_dir = settings.raw_dir / run_id
    chunk = Path(chunk_file)
    outcomes = work_dir(settings, run_id) / "outcomes"
    earlier = [read_result(p) for p in sorted(outcomes.glob(f"{chunk.stem}.try-*.json"))]
    targets = [_already_seen(run_dir, earlier, t) for t in read_targets(chunk)]
    options = CollectOptions(lookback=timedelta(weeks=settings.lookback_weeks))
    with prog.stage("collect", len(targets)) as advance:
        result = collect_accounts(
            context,
            counter,
            targets,
            run_dir,
            now=now or utcnow(),
            options=options,
            on_account=lambda _outcome: advance(1),
        )
    outcome_file = outcomes / f"{chunk.stem}.try-{attempt}.json"
    write_result(outcome_file, result)
    result.raise_if_blocked()
    return result


def _gather(settings: Settings, run_id: str) -> tuple[CollectResult, list[AccountOutcome]]:
    """Every try's outcomes (for the log) and each account's last try (for the state)."""
    folder = work_dir(settings, run_id) / "outcomes"
    tries: list[tuple[str, int, Path]] = []
    if folder.is_dir():
        for path in folder.iterdir():
            m = _TRY.match(path.name)
            if m:
                tries.append((m.group(1), int(m.group(2)), path))
    merged = CollectResult(settings.raw_dir / run_id, [], [], 0)
    last: dict[str, AccountOutcome] = {}
    for _chunk, _try, path in sorted(tries):
        part = read_result(path)
        merged.outcomes.extend(part.outcomes)
        merged.not_attempted.extend(part.not_attempted)
        merged.requests += part.requests
        if part.stopped is not None and merged.stopped is not Status.CHECKPOINT:
            merged.stopped, merged.stop_reason = part.stopped, part.stop_reason
        for outcome in part.outcomes:
            last[outcome.requested] = outcome
    tried = set(last)
    merged.not_attempted = [t for t in merged.not_attempted if t.username not in tried]
    return merged, list(last.values())


def _landed_files(run_dir: Path, reported: list[LandedFile]) -> list[LandedFile]:
    """The files of the run: those the outcomes report, plus any a crashed try left unreported."""
    files = {f.path.resolve(): f for f in reported}
    if run_dir.is_dir():
        for folder in sorted(p for p in run_dir.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                if path.resolve() in files:
                    continue
                if POST_FILE.match(path.name) or PROFILE_FILE.match(path.name):
                    kind = "post" if POST_FILE.match(path.name) else "profile"
                    files[path.resolve()] = LandedFile(
                        path, sha256_file(path), path.stat().st_size, kind, folder.name
                    )
    return list(files.values())


def finish_collection(
    settings: Settings,
    registry: RegistryLoad,
    run_id: str,
    *,
    progress: Progress | None = None,
) -> CollectSummary:
    """Logs, loads and seals a collect run; safe to repeat (nothing is recorded twice)."""
    result, latest = _gather(settings, run_id)
    con = connect(settings.warehouse)
    try:
        return _finish(con, settings, registry, run_id, result, latest, progress)
    except BaseException as exc:
        fail_run(con, run_id, exc)
        raise
    finally:
        con.close()


def _finish(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: RegistryLoad,
    run_id: str,
    result: CollectResult,
    latest: list[AccountOutcome],
    progress: Progress | None,
) -> CollectSummary:
    run_dir = settings.raw_dir / run_id
    logged = con.execute("SELECT count(*) FROM collect_log WHERE run_id = ?", [run_id])
    if logged.fetchall()[0][0] == 0:
        record_log(con, run_id, result)
    load: ImportSummary | None = None
    manifest: Manifest | None = None
    try:
        if run_dir.is_dir():
            load = load_snapshot(
                con, settings, run_dir, run_id, registry, progress=progress, source="collect"
            )
    finally:
        sealed = con.execute(
            "SELECT path, sha256, prev_sha256, files FROM evidence_manifests WHERE run_id = ?",
            [run_id],
        ).fetchall()
        if sealed:
            path, sha, prev, files = sealed[0]
            manifest = Manifest(run_id, path, sha, prev, files)
        elif run_dir.is_dir():
            # A manifest file without its row is what a crash between the two leaves.
            (run_dir / "MANIFEST.json").unlink(missing_ok=True)
            files = _landed_files(run_dir, result.files)
            manifest = record_run(con, settings.home, run_id, run_dir, files, utcnow())
    commit_state(con, run_id, latest, utcnow())
    summary = CollectSummary(run_id, result, manifest, load)
    summary.statuses.update(str(o.status) for o in latest)
    outcome = gate_and_publish(con, settings, run_id)
    summary.blocked = outcome.blocked
    if outcome.blocked is not None:
        # nothing reaches the branches from a warehouse the gate does not trust: no alerts
        finish_run(con, run_id, "blocked", summary.counts(), outcome.blocked[:500])
        return summary
    partial = result.stopped is not None or any(s in FAILED_STATUSES for s in summary.statuses)
    # as `run` counts it: a skipped or quarantined file, or a registry row left out
    partial = partial or bool(load and load.set_aside) or bool(registry.problems)
    status = "partial" if partial else "success"
    finish_run(con, run_id, status, summary.counts(), result.stop_reason)
    # After the run is recorded: a mail failure leaves messages queued, never fails the load.
    notice = _session_notice(con, run_id, result, summary.statuses)
    if notice is not None:
        notify_operator(con, settings, *notice, run_id)
    queue_and_send_alerts(con, settings, run_id)
    return summary


def _session_notice(
    con: duckdb.DuckDBPyConnection, run_id: str, result: CollectResult, statuses: Counter[str]
) -> tuple[str, str] | None:
    """The operator's notice (CONTRACT: an expired or challenged Instagram session), if due."""
    args = con.execute("SELECT args FROM runs WHERE run_id = ?", [run_id]).fetchall()
    logged_in = bool(args and json.loads(args[0][0] or "{}").get("logged_in"))
    if result.stopped is Status.CHECKPOINT:
        subject = f"Sesi Instagram perlu verifikasi / Instagram session challenged ({run_id})"
        what = (
            "Instagram meminta verifikasi (checkpoint/challenge); pengumpulan dihentikan.\n"
            "Instagram asked for a checkpoint or challenge; collection stopped."
        )
    elif logged_in and statuses.get(str(Status.LOGIN_REQUIRED)):
        subject = f"Sesi Instagram kedaluwarsa? / Instagram session expired? ({run_id})"
        what = (
            "Akun yang masuk (logged in) mendapat dinding login: sesi kemungkinan kedaluwarsa.\n"
            "The logged-in run met a login wall: the session has probably expired."
        )
    else:
        return None
    body = (
        f"{what}\n\n"
        "Masuk ke akun Instagram layanan di peramban, selesaikan verifikasi, lalu buat ulang file "
        "sesi (docs/operations.md, login).\n"
        "Log in to the service's Instagram account in a browser, clear the check, then renew the "
        "session file (docs/operations.md, login).\n\n"
        f"Run: {run_id}\nStatus: {dict(statuses)}\n"
    )
    return subject, body


def collect_once(
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
    """The `collect` command: plan, land every account in one chunk, finish."""
    plan = plan_collection(settings, registry, only=only, args=args, chunk_size=10**9)
    for chunk in plan.chunks:
        try:
            land_chunk(settings, plan.run_id, chunk, context, counter, now=now, progress=progress)
        except CheckpointRequiredError:
            break  # recorded in the outcome file; finishing reports it
    return finish_collection(settings, registry, plan.run_id, progress=progress)
