"""
### weekly_audit — the weekly audit for IDI branch staff

Runs every Monday at 06:00 (Asia/Jakarta) for the ISO week that just ended, and can be
triggered for any past week with the `week` param (`YYYY-Www`): a backfill or a re-run of a
week produces the same tables and sends no e-mail twice (every message has an idempotency key
in the outbox).

One task per stage:

1. `load_posts` — only when a `snapshot` folder is given (the embedded demo); otherwise
   collect_posts has already loaded the week. Each batch of files passes the raw
   data-quality gate before it loads; failing rows go to `quarantine`.
2. `run_checks` — every post not yet checked by the current rule set.
3. `build_audit_tables` — imports the review desk's decisions, rebuilds the week and any
   earlier week that late posts or decisions touched.
4. `check_data` — the warehouse data-quality gate over the rebuilt weeks, then the masked
   analysts' copy. A failing gate blocks publication and everything after it, tells the
   operator, and is not retried (fixing the data heals it, retrying does not).
5. `render_reports` — each branch's HTML, XLSX and CSV report.
6. `send_alerts` — each branch's weekly report e-mail and alerts for new flags, through the
   outbox (SMTP `smtp_default`, else files).

Every task runs in the **`warehouse` pool** (size 1) and the DAG allows one active run: DuckDB
has a single writer. Analysts read the published copy meanwhile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import (
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    get_current_context,
    task,
)
from airflow.timetables.trigger import CronTriggerTimetable

from medsos_audit.dag_callbacks import weekly_task_failed

GATE_BLOCKED = RetryRule(
    exception="checks.errors.GateBlockedError",
    action=RetryAction.FAIL,
    reason="the data-quality gate failed: fix the data, then re-run the week",
)
DEFAULT_ARGS = {
    "owner": "medsos-audit",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": 2.0,
    "pool": "warehouse",
    "on_failure_callback": weekly_task_failed,
}


@dag(
    dag_id="weekly_audit",
    schedule=CronTriggerTimetable("0 6 * * 1", timezone="Asia/Jakarta"),
    start_date=pendulum.datetime(2026, 1, 5, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["medsos-audit", "audit", "weekly"],
    doc_md=__doc__,
    params={
        "week": Param(None, type=["null", "string"], pattern=r"^\d{4}-W\d{2}$"),
        "snapshot": Param(None, type=["null", "string"], description="import this folder first"),
    },
)
def weekly_audit() -> None:
    @task(multiple_outputs=True)
    def start() -> dict[str, Any]:
        from medsos_audit import dag_steps

        ctx = get_current_context()
        cfg = dag_steps.settings()
        week = dag_steps.week_for(ctx.get("logical_date"), ctx["params"]["week"], cfg.tz)
        return {"run_id": dag_steps.start_weekly(ctx["run_id"], week), "week": week}

    @task
    def load_posts(medsos_run: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        snapshot = get_current_context()["params"]["snapshot"]
        return dag_steps.load_snapshot_folder(medsos_run, snapshot)

    @task
    def run_checks(medsos_run: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.check_posts(medsos_run)

    @task
    def build_audit_tables(
        medsos_run: str, week: str, loaded: dict[str, Any], checked: dict[str, Any]
    ) -> dict[str, Any]:
        from medsos_audit import dag_steps

        touched = sorted(set(loaded["weeks"]) | set(checked["weeks"]))
        return dag_steps.build_audit_tables(medsos_run, week, touched)

    @task(retry_policy=ExceptionRetryPolicy(rules=[GATE_BLOCKED]))
    def check_data(medsos_run: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.check_data(medsos_run)

    @task
    def render_reports(week: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.render_reports(week)

    @task
    def send_alerts(medsos_run: str, week: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.send_mail(medsos_run, week)

    run: Any = start()  # TaskFlow returns XComArgs while wiring
    loaded: Any = load_posts(run["run_id"])
    checked: Any = run_checks(run["run_id"])
    loaded >> checked
    audited = build_audit_tables(run["run_id"], run["week"], loaded, checked)
    gated = check_data(run["run_id"])
    reports = render_reports(run["week"])
    mailed = send_alerts(run["run_id"], run["week"])
    audited >> gated >> reports >> mailed


weekly_audit()
