"""The review desk's own store: one SQLite file beside the warehouse, never the warehouse itself.

DuckDB lets one process hold the warehouse, and the pipeline holds it for minutes; the desk keeps
its users, sessions and review log here instead (WAL mode: readers never block the writer), and
the pipeline imports the log from this file read-only (see ``sync.py``).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from warehouse.db import ensure_private_dir

SCHEMA_VERSION = 1
_SCHEMA = Path(__file__).parent / "sql" / "store_schema.sql"
_TIME = "%Y-%m-%d %H:%M:%S.%f"


class StoreError(RuntimeError):
    """The review store cannot be opened or has a schema this code does not know."""


def to_text(moment: datetime) -> str:
    """A naive UTC datetime as the store writes it (sorts as text in time order)."""
    return moment.strftime(_TIME)


def from_text(text: str) -> datetime:
    """A stored time back as a naive UTC datetime."""
    return datetime.strptime(text, _TIME)


def open_store(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the desk store at ``path``; created (0600, folder 0700) when missing.

    The connection is in autocommit mode: writers take :func:`write_transaction`.
    """
    if read_only:
        if not path.exists():
            raise StoreError(f"no review store at {path}")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout = 5000")
        _check_version(con, path)
        return con
    ensure_private_dir(path.parent)
    old = os.umask(0o077)  # the -wal and -shm files SQLite creates inherit the umask
    try:
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout = 5000")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA foreign_keys = ON")
        if con.execute("PRAGMA user_version").fetchone()[0] == 0:
            _create(con)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open review store {path}: {exc}") from exc
    finally:
        os.umask(old)
    path.chmod(0o600)
    _check_version(con, path)
    return con


def _statements(text: str) -> list[str]:
    """The statements of a SQL script, split where SQLite itself says one is complete."""
    found, pending = [], ""
    for line in text.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    return found


def _create(con: sqlite3.Connection) -> None:
    with write_transaction(con):
        for statement in _statements(_SCHEMA.read_text(encoding="utf-8")):
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('store_id', ?)", [secrets.token_hex(8)])
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _check_version(con: sqlite3.Connection, path: Path) -> None:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        raise StoreError(f"review store {path} has schema {version}, expected {SCHEMA_VERSION}")


def store_id(con: sqlite3.Connection) -> str:
    """This store's random id (tells its log apart from a log of a replaced store)."""
    return str(con.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])


@contextmanager
def write_transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Runs the block as one write transaction, taken up front so two writers queue, not fail."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
