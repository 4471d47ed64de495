"""Opens the warehouse: one DuckDB file, private to the service user, always migrated."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import takewhile
from pathlib import Path

import duckdb

from warehouse import migrate

# DuckDB keeps the table data it reads in its buffer pool, up to 80 % of the machine's memory
# by default: on a warehouse holding a million posts, publishing the analysts' copy took the
# run from 0.9 GB to 2.2 GB. Capped, DuckDB evicts pages (and spills to <warehouse>.tmp/) instead.
MEMORY_ENV = "MEDSOS_DUCKDB_MEMORY"
MEMORY_LIMIT = "512MB"
_MEMORY = re.compile(r"^\d+(?:\.\d+)?(?:[KMGT]i?B)$", re.IGNORECASE)


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or written (path, permission, disk, lock)."""


def memory_limit() -> str:
    """DuckDB's memory limit for warehouse connections: $MEDSOS_DUCKDB_MEMORY, else 512MB."""
    limit = "".join(os.environ.get(MEMORY_ENV, MEMORY_LIMIT).split())
    if not _MEMORY.match(limit):
        raise WarehouseError(
            f"{MEMORY_ENV}={os.environ.get(MEMORY_ENV)!r} is not a memory size such as 512MB or 2GB"
        )
    return limit


def ensure_private_dir(path: Path) -> Path:
    """Creates ``path`` (and parents) readable by the service user only (0700).

    Parents that already exist keep their mode (one may be the user's own folder).
    """
    # mkdir(parents=True) would give the parents it creates the umask's mode (e.g. 0755 for
    # $MEDSOS_HOME/dq/ above dq/<run_id>/): create each missing folder itself instead.
    missing = list(takewhile(lambda p: not p.exists(), [path, *path.parents]))
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another process may be quicker
        folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    path.mkdir(exist_ok=True)  # raises when ``path`` is a file
    path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes, *, durable: bool = False) -> Path:
    """Writes ``data`` to ``path`` atomically (a temporary file renamed over it) with mode 0600;
    ``durable`` also syncs it to disk before the rename. The folder must exist (see
    :func:`ensure_private_dir`); a failed write leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        tmp.chmod(0o600)  # os.open's mode is narrowed by the umask, never widened
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse at ``path``, migrated to the current schema.

    A new file is created with mode 0600; DuckDB's own write-ahead log inherits the umask, so the
    umask is narrowed while the file is opened. DuckDB's memory is capped (:func:`memory_limit`).
    """
    limit = memory_limit()
    try:
        if not read_only:
            ensure_private_dir(path.parent)
        old = os.umask(0o077)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        finally:
            os.umask(old)
        if not read_only:
            path.chmod(0o600)
    except duckdb.IOException as exc:
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
    except OSError as exc:  # its folder cannot be made, or the file's mode cannot be set
        raise WarehouseError(f"cannot open warehouse {path}: {exc.strerror or exc}") from exc
    con.execute(f"SET memory_limit = '{limit}'")  # checked by memory_limit(): digits and a unit
    if not read_only:
        migrate.apply(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Runs the block in one transaction: all of it lands, or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
