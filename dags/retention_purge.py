"""
### retention_purge — the retention policy, weekly

Removes unflagged posts older than the retention period (`MEDSOS_RETENTION_WEEKS`, default 26)
and their raw files, posts whose every flag staff dismissed, and the data of doctors who left
the registry; flagged posts with an open case stay. Logs counts (`purge_log`), never content.
Runs Sundays at 03:00 Asia/Jakarta in the **`warehouse` pool** (DuckDB has one writer).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

from medsos_audit.dag_callbacks import notify_operator

DEFAULT_ARGS = {
    "owner": "medsos-audit",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "pool": "warehouse",
    "on_failure_callback": notify_operator,
}


@dag(
    dag_id="retention_purge",
    schedule="0 3 * * 0",
    start_date=pendulum.datetime(2026, 1, 4, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["medsos-audit", "privacy", "retention"],
    doc_md=__doc__,
)
def retention_purge() -> None:
    @task
    def purge() -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.purge_retention(get_current_context()["run_id"])

    purge()


retention_purge()
