"""Run records: every run has a row in `runs` from start to finish (CONTRACT.md run_id form)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import duckdb

RUN_STATUSES = ("running", "success", "partial", "failed", "blocked", "abandoned")


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(now: datetime | None = None) -> str:
    """A run id 'YYYYMMDDTHHMMSSZ-<8 hex>': sortable by time, unique, safe as a folder name."""
    now = now or utcnow()
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def start_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    args: dict[str, Any] | None = None,
    *,
    airflow_run_id: str | None = None,
    run_id: str | None = None,
) -> str:
    """Records a new run as 'running' and returns its id."""
    run_id = run_id or new_run_id()
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, NULL, 'running', NULL, NULL, ?)",
        [run_id, kind, airflow_run_id, utcnow(), json.dumps(args or {}, default=str)],
    )
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Marks a run finished with its status, counts and (short) error text."""
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE run_id = ?",
        [utcnow(), status, json.dumps(counts or {}, default=str), error, run_id],
    )
