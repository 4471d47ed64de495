"""
### weekly_audit — the weekly audit for IDI branch staff

Runs every Monday for the ISO week that just ended (weeks drawn in `MEDSOS_TZ`,
Asia/Jakarta), and can be triggered for any past week with the `week` param (`YYYY-Www`):
a backfill or a re-run of a week produces the same tables and sends no e-mail twice.

Stages, one task each: `load_posts` (only when a `snapshot` folder is given, as the embedded
demo does; otherwise collect_posts has already loaded the week) → `run_checks` (any post not
yet checked by the current rule set) → `build_audit_tables` (the week, and any earlier week
that late posts touched).

Every task that writes the warehouse runs in the **`warehouse` pool** (size 1) and the DAG
allows one active run: DuckDB has a single writer. Analysts read the published copy meanwhile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.trigger import CronTriggerTimetable

from medsos_audit.dag_callbacks import notify_operator

DEFAULT_ARGS = {
    "owner": "medsos-audit",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "pool": "warehouse",
    "on_failure_callback": notify_operator,
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

        return dag_steps.load_snapshot_folder(
            medsos_run, get_current_context()["params"]["snapshot"]
        )

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
        counts = dag_steps.build_audit_tables(week, touched)
        dag_steps.finish_weekly(medsos_run, "success", {"week": week, **counts})
        return counts

    run: Any = start()  # TaskFlow returns XComArgs while wiring
    loaded: Any = load_posts(run["run_id"])
    checked: Any = run_checks(run["run_id"])
    loaded >> checked
    build_audit_tables(run["run_id"], run["week"], loaded, checked)


weekly_audit()
