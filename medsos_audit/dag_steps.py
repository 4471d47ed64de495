"""One function per Airflow task: read the settings, run one stage, return a small JSON summary.

The DAG files in dags/ only wire these together; they import this module inside their task
functions, never at parse time. Every step is safe to retry: the stages underneath are
idempotent, and each step opens the warehouse only for as long as it writes.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from instaloader import InstaloaderContext

from extract.collect import RequestCounter
from extract.collect.errors import THROTTLED
from extract.collect.login import find_session, make_instaloader
from extract.exceptions import RateLimitedError
from extract.registry import load_registry
from medsos_audit import collect_flow
from medsos_audit.pipeline import (
    apply_decisions,
    build_audit,
    gate_and_publish,
    load_snapshot,
    run_checks,
)
from medsos_audit.progress import LogProgress
from medsos_audit.runs import finish_run, start_run
from medsos_audit.settings import Settings, airflow_connection_uri
from warehouse.db import connect
from warehouse.weeks import monday_of, week_of

log = logging.getLogger("medsos_audit.dag")

# The seam for tests and dry runs: "module:function" returning an InstaloaderContext for a
# RequestCounter. Unset in production, where a real Instaloader is built.
INSTALOADER_FACTORY_ENV = "MEDSOS_INSTALOADER_FACTORY"


def settings() -> Settings:
    """The settings every step reads (environment and Airflow connections)."""
    return Settings.from_env()


def week_for(logical_date: datetime | None, requested: str | None, tz: str) -> str:
    """The ISO week a weekly run audits: ``requested`` if given, else the week that ended
    before the run's logical date (in ``tz``)."""
    if requested:
        monday_of(requested)  # raises WeekError (a ValueError) on a malformed week
        return requested
    moment = logical_date or datetime.now(ZoneInfo(tz))
    local: date = moment.astimezone(ZoneInfo(tz)).date() if moment.tzinfo else moment.date()
    # The last complete week ends on the Sunday before ``local`` (yesterday, on a Monday).
    return week_of(local - timedelta(days=local.weekday() + 1))


# -- collect_posts ---------------------------------------------------------------------------


def plan_collection(
    airflow_run_id: str, accounts: list[str] | None, chunk_size: int, limit: int | None
) -> dict[str, Any]:
    """Picks the accounts due, most overdue first, and writes them as chunk files."""
    cfg = settings()
    registry = load_registry(cfg.registry)
    for problem in registry.problems:
        log.warning("registry row skipped: %s", problem)
    if limit is None and not accounts:
        limit = collect_flow.daily_quota(len(registry.accounts))
    plan = collect_flow.plan_collection(
        cfg,
        registry,
        only=accounts,
        limit=limit,
        chunk_size=chunk_size,
        args={"accounts": accounts, "limit": limit, "chunk_size": chunk_size},
        airflow_run_id=airflow_run_id,
    )
    log.info(
        "collect run %s: %d accounts in %d chunks", plan.run_id, plan.accounts, len(plan.chunks)
    )
    return {"run_id": plan.run_id, "chunks": plan.chunks, "accounts": plan.accounts}


def _context_factory() -> Callable[[RequestCounter], InstaloaderContext] | None:
    import os

    spec = os.environ.get(INSTALOADER_FACTORY_ENV)
    if not spec:
        return None
    module, _, name = spec.partition(":")
    factory: Callable[[RequestCounter], InstaloaderContext] = getattr(
        importlib.import_module(module), name
    )
    return factory


def land_chunk(chunk: str, max_requests: int | None, attempt: int) -> dict[str, Any]:
    """Lands one chunk of accounts; raises to be retried when Instagram throttled the chunk."""
    cfg = settings()
    run_id = collect_flow.run_of_chunk(chunk)
    counter = RequestCounter(max_requests)
    factory = _context_factory()
    if factory is not None:
        context = factory(counter)
    else:
        session = find_session(None, cfg.instagram_session, airflow_connection_uri)
        context = make_instaloader(counter, session).context
    result = collect_flow.land_chunk(
        cfg, run_id, chunk, context, counter, attempt=attempt, progress=LogProgress(log)
    )
    statuses: dict[str, int] = {}
    for outcome in result.outcomes:
        statuses[str(outcome.status)] = statuses.get(str(outcome.status), 0) + 1
    summary = {
        "chunk": Path(chunk).name,
        "requests": result.requests,
        "new_posts": sum(o.new_posts for o in result.outcomes),
        "statuses": statuses,
        "not_attempted": len(result.not_attempted),
    }
    log.info("chunk %s: %s", Path(chunk).name, summary)
    if result.stopped in THROTTLED:
        # What was landed stays; the retry (after Airflow's backoff) resumes without refetching.
        raise RateLimitedError(result.stop_reason or str(result.stopped))
    return summary


def finish_collection(run_id: str) -> dict[str, Any]:
    """Logs, loads and seals the run: the single warehouse writer of collect_posts."""
    cfg = settings()
    summary = collect_flow.finish_collection(
        cfg, load_registry(cfg.registry), run_id, progress=LogProgress(log)
    )
    counts = summary.counts()
    log.info("collect run %s finished: %s", run_id, counts)
    return counts


# -- weekly_audit ----------------------------------------------------------------------------


def start_weekly(airflow_run_id: str, week: str) -> str:
    """Records the weekly run and returns its id."""
    con = connect(settings().warehouse)
    try:
        return start_run(con, "weekly_audit", {"week": week}, airflow_run_id=airflow_run_id)
    finally:
        con.close()


def load_snapshot_folder(run_id: str, snapshot: str | None) -> dict[str, Any]:
    """Imports a snapshot folder first when one is given (the embedded demo); else nothing."""
    if not snapshot:
        return {"weeks": []}
    cfg = settings()
    registry = load_registry(cfg.registry)
    con = connect(cfg.warehouse)
    try:
        summary = load_snapshot(
            con, cfg, Path(snapshot), run_id, registry, progress=LogProgress(log)
        )
    finally:
        con.close()
    weeks = sorted(summary.load.weeks_touched | summary.checks.weeks_touched)
    return {"weeks": weeks, **summary.counts()}


def check_posts(run_id: str) -> dict[str, Any]:
    """Runs the checks over every post not yet checked by the current rule set."""
    from checks import load_ruleset

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        result = run_checks(con, load_ruleset(cfg.rules_dir), run_id, progress=LogProgress(log))
    finally:
        con.close()
    return {
        "posts_checked": result.posts_checked,
        "flags": result.flags,
        "weeks": sorted(result.weeks_touched),
    }


def build_audit_tables(medsos_run: str, week: str, touched: list[str]) -> dict[str, Any]:
    """Rebuilds the audited week and every week touched by late data or decisions."""
    from checks import load_ruleset

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        apply_decisions(con, cfg, medsos_run)
        weeks, signals = build_audit(
            con,
            load_ruleset(cfg.rules_dir),
            {week, *touched},
            everything=False,
            run_id=medsos_run,
        )
    finally:
        con.close()
    return {"weeks_rebuilt": weeks, "account_signals": signals}


def check_data(medsos_run: str) -> dict[str, Any]:
    """The warehouse gate, then the analysts' copy; raises GateBlockedError when it blocks."""
    from checks.errors import GateBlockedError

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        outcome = gate_and_publish(con, cfg, medsos_run)
        if outcome.blocked is not None:
            finish_run(con, medsos_run, "blocked", {}, error=outcome.blocked[:500])
            raise GateBlockedError(outcome.blocked)
    finally:
        con.close()
    published = outcome.published
    return {"published": str(published.path) if published else None}


def render_reports(week: str) -> dict[str, Any]:
    """Writes every branch's report of ``week`` (HTML, XLSX, CSV)."""
    from medsos_audit.report import build_reports

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        written = build_reports(con, cfg, week, progress=LogProgress(log))
    finally:
        con.close()
    return {"reports": [str(r.html) for r in written]}


def send_mail(medsos_run: str, week: str) -> dict[str, Any]:
    """Queues each branch's weekly report and new alerts, sends the outbox, ends the run."""
    from medsos_audit.mail import queue_and_send_alerts, queue_weekly_reports

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        reports = queue_weekly_reports(con, cfg, week, medsos_run)
        delivery = queue_and_send_alerts(con, cfg, medsos_run)
        counts = {
            "week": week,
            "weekly_reports_queued": reports,
            "alerts_queued": delivery.alerts_queued,
            "flags_alerted": delivery.flags_alerted,
            "sent": delivery.sent.sent,
            "written": delivery.sent.written,
            "failed": delivery.sent.failed,
        }
        finish_run(con, medsos_run, "success", counts)
    finally:
        con.close()
    return counts


def fail_weekly(airflow_run_id: str, error: str) -> list[str]:
    """Records as failed the weekly run of this Airflow run while it is still 'running': its
    tasks run one after another, so once one fails for good nothing else will finish it (a run
    the gate blocked is already 'blocked' and stays so). Returns the run ids it failed."""
    con = connect(settings().warehouse)
    try:
        running = [
            r
            for (r,) in con.execute(
                "SELECT run_id FROM runs WHERE kind = 'weekly_audit' AND status = 'running' "
                "AND airflow_run_id = ?",
                [airflow_run_id],
            ).fetchall()
        ]
        for run_id in running:
            finish_run(con, run_id, "failed", error=error[:500])
        return running
    finally:
        con.close()


# -- retention_purge -------------------------------------------------------------------------


def purge_retention(airflow_run_id: str) -> dict[str, Any]:
    """Applies the retention policy; returns the counts it logged."""
    from medsos_audit.runs import recorded_purge

    cfg = settings()
    con = connect(cfg.warehouse)
    try:
        run_id, counts = recorded_purge(
            con, cfg.home, cfg.retention_weeks, airflow_run_id=airflow_run_id
        )
    finally:
        con.close()
    log.info("purge %s: %s", run_id, counts)
    return counts
