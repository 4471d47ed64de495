"""The non-network pipeline, stage by stage: import -> normalise/load -> checks -> audit tables.

The command line (`medsos-audit run`) and the Airflow DAGs call these same functions; the DAGs
call each stage as its own task, the command line calls :func:`run_snapshot`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from checks import RuleSet, load_ruleset
from checks.quality import (
    DqReport,
    RawGate,
    WarehouseGate,
    record,
    report_for,
    validate_raw_batch,
    validate_warehouse,
)
from extract.registry import RegistryLoad, load_registry
from extract.snapshot import ParsedFile, Scan, SnapshotFile, parse_files, scan
from medsos_audit.faults import fault_point
from medsos_audit.gc_policy import bulk_allocation
from medsos_audit.mail import queue_and_send_alerts, queue_operator_notice, send_outbox
from medsos_audit.progress import NoProgress, Progress
from medsos_audit.review.sync import import_decisions
from medsos_audit.runs import fail_run, finish_run, start_run, utcnow
from medsos_audit.settings import Settings
from transform.accounts import apply_registry
from transform.flags import CheckResult, check_pending, refresh_signals
from transform.load import LoadResult, load_parsed, mark_pending_weeks, unread_files
from transform.prechecked import checks_task
from warehouse import audit
from warehouse.db import connect, transaction
from warehouse.publish import Published, fingerprint, last_fingerprint
from warehouse.publish import publish as publish_copy
from warehouse.weeks import week_of

log = logging.getLogger("medsos_audit")

LOAD_BATCH = 20_000  # files per load transaction: a crash loses at most one batch of work


@dataclass
class ImportSummary:
    """What a snapshot import did: files, rows, flags and weeks, and what it set aside."""

    files_found: int = 0
    files_already_loaded: int = 0
    registry_changes: int = 0
    load: LoadResult = field(default_factory=LoadResult)
    checks: CheckResult = field(default_factory=CheckResult)
    signals: int = 0
    weeks_rebuilt: int = 0
    gate: WarehouseGate | None = None
    published: Published | None = None
    blocked: str | None = None  # why the data-quality gate held publication back

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return self.load.skipped

    @property
    def set_aside(self) -> bool:
        """Whether some input was left out: files skipped or quarantined."""
        return bool(self.skipped or self.load.quarantined)

    def counts(self) -> dict[str, Any]:
        """The figures recorded in runs.counts."""
        return {
            "files_found": self.files_found,
            "files_already_loaded": self.files_already_loaded,
            "files_skipped": len(self.skipped),
            "files_quarantined": len(self.load.quarantined),
            "new_posts": self.load.new_posts,
            "changed_posts": self.load.changed_posts,
            "profiles": self.load.profiles,
            "posts_checked": self.checks.posts_checked,
            "flags": self.checks.flags,
            "account_signals": self.signals,
            "weeks_rebuilt": self.weeks_rebuilt,
            "registry_changes": self.registry_changes,
            "published": self.published is not None,
            "publication_current": self.gate is None and self.blocked is None,
        }


def import_files(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    snapshot_dir: Path,
    run_id: str,
    *,
    progress: Progress | None = None,
    source: str = "snapshot",
    report: DqReport | None = None,
    ruleset: RuleSet | None = None,
) -> tuple[LoadResult, Scan, int]:
    """Reads every new file of the snapshot, gates each batch, and loads it in one transaction.

    Files already read (same path, size and modification time) are skipped without reading.
    With ``ruleset`` the parse workers also check and mask each new post (transform.prechecked).
    Returns the load result, the scan, and how many files were already loaded.
    """
    prog: Progress = progress or NoProgress()
    report = report or report_for(settings.home, run_id)
    found = scan(snapshot_dir)
    todo = unread_files(con, found.files)
    unread_aside = set(unread_files(con, [f for f, _ in found.set_aside]))
    aside = [(f, why) for f, why in found.set_aside if f in unread_aside]
    result = LoadResult()
    batch: list[ParsedFile] = []
    now = utcnow()  # one time window for every batch of the run: one suite, built once
    task = checks_task(ruleset) if ruleset else None
    version = ruleset.version if ruleset else None
    with bulk_allocation(), prog.stage("import", len(todo)) as advance:
        for parsed in parse_files(todo, settings.tz, on_progress=advance, task=task):
            batch.append(parsed)
            if len(batch) >= LOAD_BATCH:
                result.merge(_gate_and_load(con, batch, [], run_id, source, report, now, version))
                batch = []
        result.merge(_gate_and_load(con, batch, aside, run_id, source, report, now, version))
    return result, found, len(found.files) - len(todo)


def _ruleset_or_none(settings: Settings) -> RuleSet | None:
    """The run's rule set, loaded before the import so the parse workers can check new posts;
    None when it does not load (the checks stage then loads it again and reports the problem
    after the import, where it always did)."""
    try:
        return load_ruleset(settings.rules_dir)
    except Exception:
        log.warning("rule set did not load; new posts are checked in the checks stage")
        return None


def gate_raw_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Sequence[ParsedFile],
    report: DqReport,
    now: datetime | None = None,
) -> tuple[RawGate, list[Any]]:
    """Validates a parsed batch before it loads and writes GX's results under dq/<run_id>/.

    Returns the gate (rows to hold back) and the kept results, whose `dq_results` rows the
    loader writes in the batch's own transaction.
    """
    gate = validate_raw_batch(con, batch, now or utcnow())
    kept = [report.add(v.suite.name, v) for v in gate.validations]
    return gate, kept


def _gate_and_load(
    con: duckdb.DuckDBPyConnection,
    batch: list[ParsedFile],
    aside: list[tuple[SnapshotFile, str]],
    run_id: str,
    source: str,
    report: DqReport,
    now: datetime,
    rule_version: str | None = None,
) -> LoadResult:
    if not batch and not aside:
        return LoadResult()
    fault_point("import.batch_parsed")
    gate, kept = gate_raw_batch(con, batch, report, now) if batch else (RawGate(), [])
    fault_point("import.batch_gated")

    def record_results(c: duckdb.DuckDBPyConnection) -> None:
        for entry in kept:
            record(c, run_id, entry)

    loaded = load_parsed(
        con,
        batch,
        aside,
        run_id,
        source,
        quarantine=gate.quarantined,
        in_transaction=record_results,
        rule_version=rule_version,
    )
    fault_point("import.batch_loaded")
    return loaded


def run_checks(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    run_id: str,
    *,
    progress: Progress | None = None,
) -> CheckResult:
    """Checks every post and profile not yet checked by this rule set's version.

    The weeks of the posts about to be checked are first noted in `pending_weeks` (their audit
    tables rebuilt, their flags read by the gate) even if this run dies after the flags are stored.
    """
    prog: Progress = progress or NoProgress()
    with transaction(con):
        weeks = con.execute(
            "SELECT DISTINCT post_week FROM posts WHERE checked_rule_version IS DISTINCT FROM ?",
            [ruleset.version],
        ).fetchall()
        mark_pending_weeks(con, sorted(w for (w,) in weeks), run_id)
    pending = con.execute(
        "SELECT count(*) FROM posts WHERE checked_rule_version IS DISTINCT FROM ?",
        [ruleset.version],
    ).fetchall()[0][0]
    with prog.stage("checks", int(pending)) as advance:

        def done(n: int) -> None:
            advance(n)
            fault_point("checks.batch_done")

        return check_pending(con, ruleset, run_id, on_progress=done)


def pending_weeks(con: duckdb.DuckDBPyConnection, stage: str) -> set[str]:
    """The weeks that still owe the given stage ('audit', 'gate' or 'rows') some work."""
    rows = con.execute("SELECT post_week FROM pending_weeks WHERE stage = ?", [stage]).fetchall()
    return {w for (w,) in rows}


def build_audit(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    weeks: set[str],
    *,
    everything: bool,
    run_id: str = "",
) -> tuple[int, int]:
    """Refreshes account signals and rebuilds the audit tables of ``weeks`` (or of every week),
    and of every week still pending from an earlier run that stopped before this stage.

    The rebuilt weeks then wait for the warehouse gate ('gate' in `pending_weeks`); weeks frozen
    by a retention purge are neither rebuilt nor gated (warehouse.audit.live_weeks).
    """
    chosen = (audit.all_weeks(con) if everything else set(weeks)) | pending_weeks(con, "audit")
    signals = refresh_signals(con, ruleset, chosen)
    fault_point("audit.signals_done")
    built = audit.build_weeks(con, chosen)
    fault_point("audit.built")
    if chosen:
        with transaction(con):
            con.execute(
                "INSERT OR IGNORE INTO pending_weeks SELECT unnest(?::VARCHAR[]), 'gate', ?, ?",
                [audit.live_weeks(con, chosen), utcnow(), run_id],
            )
            con.execute(
                "DELETE FROM pending_weeks WHERE stage = 'audit' AND post_week IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [sorted(chosen)],
            )
    return built, signals


def gate_warehouse(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    *,
    report: DqReport | None = None,
    today: date | None = None,
) -> WarehouseGate:
    """Validates the warehouse before publication and records the results (`dq_results`,
    dq/<run_id>/). Weeks that pass leave `pending_weeks`; weeks that fail stay, so every later
    run re-validates them and keeps publication blocked until the data is fixed."""
    report = report or report_for(settings.home, run_id)
    current = week_of(today or settings.today or datetime.now(ZoneInfo(settings.tz)).date())
    waiting = pending_weeks(con, "gate")
    live = audit.live_weeks(con, waiting)
    changed = pending_weeks(con, "rows")
    read = audit.live_weeks(con, changed)  # weeks whose posts or flags changed
    gate = validate_warehouse(con, live, current, rows_of=read)
    kept = [report.add(r.validation.suite.name, r.validation, r.weeks) for r in gate.runs]
    with transaction(con):
        for entry in kept:
            record(con, run_id, entry)
        # a week a purge froze while it waited can no longer change: nothing to validate
        frozen = sorted(waiting - set(live))
        if frozen:
            con.execute(
                "DELETE FROM pending_weeks WHERE stage = 'gate' AND post_week IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [frozen],
            )
        if gate.passed:
            # the week in progress stays pending: its "no empty week" check waits until it ends
            con.execute(
                "DELETE FROM pending_weeks WHERE stage = 'gate' AND post_week < ?", [current]
            )
        if gate.passed or frozen:
            # rows read and passed, or of weeks a purge froze, are owed no more
            done = sorted((changed - set(read)) | (set(read) if gate.passed else set()))
            con.execute(
                "DELETE FROM pending_weeks WHERE stage = 'rows' AND post_week IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [done],
            )
    fault_point("gate.recorded")
    return gate


@dataclass
class GateOutcome:
    """The warehouse gate's verdict, the copy it let through, or why it blocked.

    ``gate`` is None when the copy was already current: nothing to validate, nothing to publish.
    """

    gate: WarehouseGate | None
    published: Published | None
    blocked: str | None


def gate_and_publish(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, *, today: date | None = None
) -> GateOutcome:
    """The last stages of any run that changed the warehouse: validate it, then publish the
    analysts' copy, or, when the gate fails, publish nothing and tell the operator.

    The caller records the run: 'blocked' (exit 1; in a DAG raise GateBlockedError, which no
    retry can heal) when ``blocked`` is set.

    The gate guards publication, so when the warehouse holds exactly the data of the copy already
    published (a re-run over files already loaded) both are skipped: that is what makes a re-run
    nearly free. Weeks still owing the gate wait for the next run that changes something.
    """
    stamp = fingerprint(con)
    if settings.published_path.is_file() and stamp == last_fingerprint(con):
        log.info("warehouse unchanged since the last publication: gate and copy skipped")
        return GateOutcome(None, None, None)
    gate = gate_warehouse(con, settings, run_id, today=today)
    if gate.passed:
        return GateOutcome(gate, publish(con, settings, run_id, stamp), None)
    blocked = "blocked by the data-quality gate: " + gate.summary()
    notify_operator(con, settings, *_blocked_notice(settings, run_id, gate), run_id)
    return GateOutcome(gate, None, blocked)


def publish(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, stamp: str | None = None
) -> Published:
    """Swaps in the analysts' masked read-only copy at $MEDSOS_HOME/published/warehouse.duckdb."""
    return publish_copy(con, settings.published_path, run_id, stamp)


def notify_operator(
    con: duckdb.DuckDBPyConnection, settings: Settings, subject: str, body: str, run_id: str
) -> bool:
    """Queues an operator e-mail (MEDSOS_OPERATOR_EMAIL) and sends the outbox; False when it
    could not be queued (the run's own outcome is recorded regardless)."""
    try:
        queue_operator_notice(con, settings, subject, body, run_id)
    except Exception:
        log.exception("operator notice could not be queued: %s", subject)
        return False
    try:
        send_outbox(con, settings)  # a failed send stays queued for the next run
    except Exception:
        log.exception("operator notice queued but not sent: %s", subject)
    return True


def apply_decisions(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str = ""
) -> set[str]:
    """Imports the review desk's new decisions; returns the weeks whose audit rows they change
    (a dismissed flag no longer counts as a violation).

    The weeks of every decision imported since the last run that finished are also noted in
    `pending_weeks`, so the audit rebuild happens even when a run imported decisions and died.
    """
    imported = import_decisions(con, settings)
    new = con.execute(
        "SELECT DISTINCT p.post_week FROM (SELECT shortcode FROM review_log "
        "ORDER BY imported_at DESC, seq DESC LIMIT ?) AS r JOIN posts AS p USING (shortcode)",
        [imported],
    ).fetchall()
    unfinished = con.execute(
        "SELECT DISTINCT p.post_week FROM review_log AS r JOIN posts AS p USING (shortcode) "
        "WHERE r.imported_at > coalesce((SELECT max(finished_at) FROM runs WHERE status IN "
        "('success', 'partial', 'blocked')), '-infinity'::TIMESTAMP)"
    ).fetchall()
    weeks = {str(w) for (w,) in new}
    owed = weeks | {str(w) for (w,) in unfinished}
    if owed:
        with transaction(con):
            con.execute(
                "INSERT OR IGNORE INTO pending_weeks SELECT unnest(?::VARCHAR[]), 'audit', ?, ?",
                [sorted(owed), utcnow(), run_id],
            )
    return weeks


def load_snapshot(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    snapshot_dir: Path,
    run_id: str,
    registry: RegistryLoad,
    *,
    progress: Progress | None = None,
    source: str = "snapshot",
) -> ImportSummary:
    """Imports an instaloader-layout folder and brings flags and audit tables up to date."""
    summary = ImportSummary()
    summary.registry_changes = apply_registry(con, registry, run_id)
    fault_point("registry.applied")
    decided_weeks = apply_decisions(con, settings, run_id)
    early = _ruleset_or_none(settings)
    summary.load, found, summary.files_already_loaded = import_files(
        con, settings, snapshot_dir, run_id, progress=progress, source=source, ruleset=early
    )
    summary.files_found = len(found.files) + len(found.set_aside)
    # a rule set that did not load fails here, after the import, as it always did
    ruleset = early or load_ruleset(settings.rules_dir)
    fault_point("import.done")
    summary.checks = run_checks(con, ruleset, run_id, progress=progress)
    # the posts the parse workers checked were stored with their batch: count them here
    summary.checks.posts_checked += summary.load.posts_checked
    summary.checks.flags += summary.load.flags
    fault_point("checks.done")
    weeks = summary.load.weeks_touched | summary.checks.weeks_touched | decided_weeks
    summary.weeks_rebuilt, summary.signals = build_audit(
        con, ruleset, weeks, everything=summary.registry_changes > 0, run_id=run_id
    )
    return summary


def run_snapshot(
    settings: Settings,
    registry_path: Path,
    snapshot_dir: Path,
    *,
    progress: Progress | None = None,
    airflow_run_id: str | None = None,
    today: date | None = None,
    send_alerts: bool = True,
) -> tuple[str, RegistryLoad, ImportSummary]:
    """The `run` command end to end: one run record around :func:`load_snapshot`, then the
    warehouse gate and, when it passes, the analysts' copy (``summary.blocked`` says why not).

    A full disk or a permission error propagates; the command line turns it into one clear line
    (medsos_audit.cli_support.io_problem).
    ``send_alerts=False`` leaves the e-mail stage to a later `alerts` run (the benchmark times
    the non-network path only).
    """
    registry = load_registry(registry_path)
    con = connect(settings.warehouse)
    try:
        args = {"registry": str(registry_path), "snapshot": str(snapshot_dir)}
        run_id = start_run(con, "run", args, airflow_run_id=airflow_run_id)
        fault_point("run.started")
        summary = _run_stages(
            con, settings, snapshot_dir, run_id, registry, progress, today, send_alerts
        )
        return run_id, registry, summary
    finally:
        con.close()


def _run_stages(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    snapshot_dir: Path,
    run_id: str,
    registry: RegistryLoad,
    progress: Progress | None,
    today: date | None,
    send_alerts: bool = True,
) -> ImportSummary:
    try:
        summary = load_snapshot(con, settings, snapshot_dir, run_id, registry, progress=progress)
        outcome = gate_and_publish(con, settings, run_id, today=today)
    except BaseException as exc:
        fail_run(con, run_id, exc)
        raise
    summary.gate, summary.published = outcome.gate, outcome.published
    summary.blocked = outcome.blocked
    if summary.blocked is None:
        problems = summary.set_aside or registry.problems
        fault_point("run.before_finish")
        finish_run(con, run_id, "partial" if problems else "success", summary.counts())
        if send_alerts:
            queue_and_send_alerts(con, settings, run_id)
    else:
        # nothing reaches the branches from a warehouse the gate does not trust: no alerts
        finish_run(con, run_id, "blocked", summary.counts(), error=summary.blocked[:500])
    return summary


def _blocked_notice(settings: Settings, run_id: str, gate: WarehouseGate) -> tuple[str, str]:
    folder = settings.dq_dir / run_id
    reasons = "\n".join(f"- {line}" for line in gate.reasons())
    subject = f"Publikasi ditahan gerbang mutu data / publication blocked ({run_id})"
    body = (
        "Gerbang mutu data menahan publikasi tabel audit; salinan analis tidak diperbarui.\n"
        "The data-quality gate blocked publication of the audit tables; the analysts' copy was "
        "not updated.\n\n"
        f"{reasons}\n\nHasil / results: {folder}/index.html\n"
    )
    return subject, body
