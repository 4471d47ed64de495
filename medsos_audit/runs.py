"""Run records: every run has a row in `runs` from start to finish (CONTRACT.md run_id form).

A run holds an exclusive ``flock`` on ``<warehouse folder>/locks/<run_id>.lock`` from before its
row is written until it is finished. The kernel drops that lock when the process ends, however
it ends (SIGKILL, OOM, power loss), so the next run can tell a dead run from a live one without
trusting pids: a 'running' row whose lock can be taken (or whose lock file is gone) belongs to a
dead process and is marked 'abandoned'. A live run (e.g. a collection landing files without
holding the warehouse) keeps its lock and is left alone.

A run started by Airflow (``airflow_run_id`` set) spans several task processes, so no process
lock can say whether it lives: Airflow does (its task states, retries and failure callbacks),
and such rows are neither locked nor marked here.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger("medsos_audit")
RUN_STATUSES = ("running", "success", "partial", "failed", "blocked", "abandoned")
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
LOCKS_DIR = "locks"

_held: dict[str, int] = {}  # run_id -> file descriptor holding its lock in this process


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(now: datetime | None = None) -> str:
    """A run id 'YYYYMMDDTHHMMSSZ-<8 hex>': sortable by time, unique, safe as a folder name."""
    now = now or utcnow()
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def is_run_id(value: str) -> bool:
    """True when ``value`` has the run id form (so it is safe to use as a file or folder name)."""
    return bool(RUN_ID.match(value))


def lock_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The folder of run locks beside the warehouse file (None for an in-memory database)."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    if not rows or not rows[0][0]:
        return None
    return Path(str(rows[0][0])).parent / LOCKS_DIR


def _lock_path(folder: Path, run_id: str) -> Path:
    # ids read back from the runs table become file names: anything but the plain form is hashed
    name = run_id if is_run_id(run_id) else "id-" + hashlib.sha256(run_id.encode()).hexdigest()[:16]
    return folder / f"{name}.lock"


def _take_lock(folder: Path, run_id: str, kind: str) -> int:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(_lock_path(folder, run_id), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        note = f"pid={os.getpid()} host={socket.gethostname()} kind={kind} started={utcnow()}\n"
        os.ftruncate(fd, 0)
        os.write(fd, note.encode())
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release_lock(folder: Path | None, run_id: str) -> None:
    fd = _held.pop(run_id, None)
    if fd is None:
        return
    if folder is not None:
        with contextlib.suppress(OSError):
            _lock_path(folder, run_id).unlink()
    os.close(fd)  # closing the descriptor drops the flock


def is_alive(folder: Path, run_id: str) -> bool:
    """Whether a live process still holds the lock of ``run_id``."""
    if run_id in _held:
        return True
    try:
        fd = os.open(_lock_path(folder, run_id), os.O_RDWR)
    except FileNotFoundError:
        return False  # the lock is taken before the row is written: no lock, no live owner
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def abandon_dead_runs(con: duckdb.DuckDBPyConnection, by_run: str | None = None) -> list[str]:
    """Marks 'abandoned' every 'running' run whose process has ended; returns their ids."""
    folder = lock_dir(con)
    if folder is None:
        return []
    running = [
        r
        for (r,) in con.execute(
            "SELECT run_id FROM runs WHERE status = 'running' AND airflow_run_id IS NULL"
        ).fetchall()
    ]
    dead = [r for r in running if not is_alive(folder, r)]
    for run_id in dead:
        note = "the process ended without finishing the run (its lock was released)"
        con.execute(
            "UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? "
            "WHERE run_id = ? AND status = 'running'",
            [utcnow(), f"{note}; found by run {by_run}" if by_run else note, run_id],
        )
        with contextlib.suppress(OSError):
            _lock_path(folder, run_id).unlink()
    return dead


def start_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    args: dict[str, Any] | None = None,
    *,
    airflow_run_id: str | None = None,
    run_id: str | None = None,
) -> str:
    """Records a new run as 'running' (after marking dead runs 'abandoned') and returns its id."""
    run_id = run_id or new_run_id()
    folder = lock_dir(con) if airflow_run_id is None else None
    abandon_dead_runs(con, by_run=run_id)
    if folder is not None:
        _held[run_id] = _take_lock(folder, run_id, kind)
    try:
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, NULL, 'running', NULL, NULL, ?)",
            [run_id, kind, airflow_run_id, utcnow(), json.dumps(args or {}, default=str)],
        )
    except BaseException:
        _release_lock(folder, run_id)
        raise
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Marks a run finished with its status, counts and (short) error text, and drops its lock.

    The lock goes even when the update cannot be written (a full disk): the row then stays
    'running' and the next run marks it 'abandoned'.
    """
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    try:
        con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(counts or {}, default=str), error, run_id],
        )
    finally:
        folder = None
        with contextlib.suppress(duckdb.Error):
            folder = lock_dir(con)
        _release_lock(folder, run_id)


def fail_run(con: duckdb.DuckDBPyConnection, run_id: str, exc: BaseException) -> None:
    """Records the run as failed with ``exc``; when even that cannot be written (a full disk)
    the row stays 'running' for the next run to mark 'abandoned', and ``exc`` is not hidden."""
    try:
        finish_run(con, run_id, "failed", error=f"{type(exc).__name__}: {exc}"[:500])
    except (duckdb.Error, OSError):
        log.warning("could not record the failure of run %s", run_id)


def recorded_purge(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    weeks: int,
    *,
    airflow_run_id: str | None = None,
) -> tuple[str, dict[str, object]]:
    """The retention purge inside its own run record ('purge'); returns the run id and counts.

    The command and the retention_purge DAG both call this, so both record a failure the same way.
    """
    from warehouse.retention import purge

    run_id = start_run(con, "purge", {"weeks": weeks}, airflow_run_id=airflow_run_id)
    try:
        counts = purge(con, home, weeks, utcnow(), run_id).counts()
    except BaseException as exc:
        fail_run(con, run_id, exc)
        raise
    finish_run(con, run_id, "success", counts)
    return run_id, counts
