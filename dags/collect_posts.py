"""
### collect_posts — daily rolling collection of registered doctors' public Instagram posts

Every day the accounts most overdue for a visit (enough that the whole registry is visited at
least once a week) are split into chunks of accounts. Each chunk is one mapped `land_posts`
task in the **`instagram` pool** — the pool's size caps how many run against Instagram at once —
that lands new posts as instaloader files under `$MEDSOS_HOME/raw/<run_id>/` without touching
the warehouse. Throttled chunks are retried with exponential backoff and resume where they
stopped; a checkpoint, an unknown account or an unusable session fail at once (retrying would
not heal them). Then one `load_posts` task — the single DuckDB writer, in the **`warehouse`
pool** of size 1 — logs the requests, loads what landed with the same importer as
`medsos-audit run`, seals the evidence manifest and moves the high-water marks. It updates the
`medsos://warehouse/posts` asset.

Params: `accounts` (only these usernames), `chunk_size`, `limit` (accounts this run; default a
sixth of the registry), `max_requests_per_chunk`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import (
    Asset,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    XComArg,
    dag,
    get_current_context,
    task,
)

from medsos_audit.dag_callbacks import notify_operator

POSTS = Asset("medsos://warehouse/posts")
NOT_RETRYABLE = RetryRule(
    exception=[
        "extract.exceptions.AccountNotFoundError",
        "extract.exceptions.CheckpointRequiredError",
        "extract.exceptions.SessionUnusableError",
    ],
    action=RetryAction.FAIL,
    reason="will not heal by retrying: a person must act",
)
DEFAULT_ARGS = {
    "owner": "medsos-audit",
    "retries": 3,
    "retry_delay": timedelta(minutes=15),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(hours=3),
    "on_failure_callback": notify_operator,
}


@dag(
    dag_id="collect_posts",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["medsos-audit", "collection", "instagram"],
    doc_md=__doc__,
    params={
        "accounts": Param(None, type=["null", "array"], description="only these usernames"),
        "chunk_size": Param(50, type="integer", minimum=1, maximum=500),
        "limit": Param(None, type=["null", "integer"], minimum=1),
        "max_requests_per_chunk": Param(150, type=["null", "integer"], minimum=1),
    },
)
def collect_posts() -> None:
    @task(pool="warehouse")
    def plan_accounts() -> list[str]:
        from medsos_audit import dag_steps

        ctx = get_current_context()
        params = ctx["params"]
        plan = dag_steps.plan_collection(
            ctx["run_id"], params["accounts"], params["chunk_size"], params["limit"]
        )
        ctx["ti"].xcom_push(key="collect_run", value=plan["run_id"])
        return list(plan["chunks"])

    @task(pool="instagram", retry_policy=ExceptionRetryPolicy(rules=[NOT_RETRYABLE]))
    def land_posts(chunk: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        ctx = get_current_context()
        attempt = int(ctx["ti"].try_number)
        budget = ctx["params"]["max_requests_per_chunk"]
        return dag_steps.land_chunk(chunk, budget, attempt)

    @task(pool="warehouse", trigger_rule="all_done", outlets=[POSTS])
    def load_posts(collect_run: str) -> dict[str, Any]:
        from medsos_audit import dag_steps

        return dag_steps.finish_collection(collect_run)

    chunks: Any = plan_accounts()  # TaskFlow returns XComArgs while wiring
    landed = land_posts.expand(chunk=chunks)
    collect_run: Any = XComArg(chunks.operator, key="collect_run")
    landed >> load_posts(collect_run)


collect_posts()
