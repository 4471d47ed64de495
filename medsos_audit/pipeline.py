"""The non-network pipeline, stage by stage: import -> normalise/load -> checks -> audit tables.

The command line (`medsos-audit run`) and the Airflow DAGs call these same functions; the DAGs
call each stage as its own task, the command line calls :func:`run_snapshot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from checks import RuleSet, load_ruleset
from extract.registry import RegistryLoad, load_registry
from extract.snapshot import ParsedFile, Scan, parse_files, scan
from medsos_audit.progress import NoProgress, Progress
from medsos_audit.review.sync import import_decisions
from medsos_audit.runs import finish_run, start_run
from medsos_audit.settings import Settings
from transform.accounts import apply_registry
from transform.flags import CheckResult, check_pending, refresh_signals
from transform.load import LoadResult, known_files, load_parsed
from warehouse import audit
from warehouse.db import connect

LOAD_BATCH = 20_000  # files per load transaction: a crash loses at most one batch of work


@dataclass
class ImportSummary:
    """What a snapshot import did: files, rows, flags and weeks, and what it set aside."""

    files_found: int = 0
    files_already_loaded: int = 0
    media_files: int = 0
    registry_changes: int = 0
    load: LoadResult = field(default_factory=LoadResult)
    checks: CheckResult = field(default_factory=CheckResult)
    signals: int = 0
    weeks_rebuilt: int = 0

    @property
    def loaded_shortcodes(self) -> set[str]:
        return self.load.loaded_shortcodes

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return self.load.skipped

    def counts(self) -> dict[str, Any]:
        """The figures recorded in runs.counts."""
        return {
            "files_found": self.files_found,
            "files_already_loaded": self.files_already_loaded,
            "files_skipped": len(self.skipped),
            "new_posts": self.load.new_posts,
            "changed_posts": self.load.changed_posts,
            "profiles": self.load.profiles,
            "posts_checked": self.checks.posts_checked,
            "flags": self.checks.flags,
            "account_signals": self.signals,
            "weeks_rebuilt": self.weeks_rebuilt,
            "registry_changes": self.registry_changes,
        }


def import_files(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    snapshot_dir: Path,
    run_id: str,
    *,
    progress: Progress | None = None,
    source: str = "snapshot",
) -> tuple[LoadResult, Scan, int]:
    """Reads every new file of the snapshot and loads it, one transaction per batch.

    Files already read (same path, size and modification time) are skipped without reading.
    Returns the load result, the scan, and how many files were already loaded.
    """
    prog: Progress = progress or NoProgress()
    found = scan(snapshot_dir)
    known = known_files(con)
    todo = [f for f in found.files if (f.path, f.size, f.mtime_ns) not in known]
    aside = [(f, why) for f, why in found.set_aside if (f.path, f.size, f.mtime_ns) not in known]
    result = LoadResult()
    batch: list[ParsedFile] = []
    with prog.stage("import", len(todo)) as advance:
        for parsed in parse_files(todo, settings.tz, on_progress=advance):
            batch.append(parsed)
            if len(batch) >= LOAD_BATCH:
                result.merge(load_parsed(con, batch, [], run_id, source))
                batch = []
        result.merge(load_parsed(con, batch, aside, run_id, source))
    return result, found, len(found.files) - len(todo)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    run_id: str,
    *,
    progress: Progress | None = None,
) -> CheckResult:
    """Checks every post and profile not yet checked by this rule set's version."""
    prog: Progress = progress or NoProgress()
    pending = con.execute(
        "SELECT count(*) FROM posts WHERE checked_rule_version IS DISTINCT FROM ?",
        [ruleset.version],
    ).fetchall()[0][0]
    with prog.stage("checks", int(pending)) as advance:
        return check_pending(con, ruleset, run_id, on_progress=advance)


def build_audit(
    con: duckdb.DuckDBPyConnection, ruleset: RuleSet, weeks: set[str], *, everything: bool
) -> tuple[int, int]:
    """Refreshes account signals and rebuilds the audit tables of ``weeks`` (or of every week)."""
    chosen = audit.all_weeks(con) if everything else weeks
    signals = refresh_signals(con, ruleset, chosen)
    return audit.build_weeks(con, chosen), signals


def apply_decisions(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[str]:
    """Imports the review desk's new decisions; returns the weeks whose audit rows they change
    (a dismissed flag no longer counts as a violation)."""
    imported = import_decisions(con, settings)
    if not imported:
        return set()
    rows = con.execute(
        "SELECT DISTINCT p.post_week FROM (SELECT shortcode FROM review_log "
        "ORDER BY imported_at DESC, seq DESC LIMIT ?) AS r JOIN posts AS p USING (shortcode)",
        [imported],
    ).fetchall()
    return {str(w) for (w,) in rows}


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
    summary.registry_changes = apply_registry(con, registry)
    decided_weeks = apply_decisions(con, settings)
    summary.load, found, summary.files_already_loaded = import_files(
        con, settings, snapshot_dir, run_id, progress=progress, source=source
    )
    summary.files_found = len(found.files) + len(found.set_aside)
    summary.media_files = found.media_files
    ruleset = load_ruleset(settings.rules_dir)
    summary.checks = run_checks(con, ruleset, run_id, progress=progress)
    weeks = summary.load.weeks_touched | summary.checks.weeks_touched | decided_weeks
    summary.weeks_rebuilt, summary.signals = build_audit(
        con, ruleset, weeks, everything=summary.registry_changes > 0
    )
    return summary


def run_snapshot(
    settings: Settings,
    registry_path: Path,
    snapshot_dir: Path,
    *,
    progress: Progress | None = None,
    airflow_run_id: str | None = None,
) -> tuple[str, RegistryLoad, ImportSummary]:
    """The `run` command end to end: one run record around :func:`load_snapshot`."""
    registry = load_registry(registry_path)
    con = connect(settings.warehouse)
    try:
        args = {"registry": str(registry_path), "snapshot": str(snapshot_dir)}
        run_id = start_run(con, "run", args, airflow_run_id=airflow_run_id)
        try:
            summary = load_snapshot(
                con, settings, snapshot_dir, run_id, registry, progress=progress
            )
        except BaseException as exc:
            finish_run(con, run_id, "failed", error=f"{type(exc).__name__}: {exc}"[:500])
            raise
        status = "partial" if summary.skipped or registry.problems else "success"
        finish_run(con, run_id, status, summary.counts())
        return run_id, registry, summary
    finally:
        con.close()
