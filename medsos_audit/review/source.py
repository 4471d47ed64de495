"""The findings the desk shows: an in-memory copy of a read-only warehouse file.

DuckDB lets no process open a file another process is writing, and a reader holding the file
stops the pipeline from opening it. So the desk opens its source only to copy the flags it
shows (with their post, account and doctor), closes it at once, and serves every request from
its own in-memory copy. The copy is refreshed when the source file changes; while the source
cannot be opened the desk keeps serving the last copy and says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from medsos_audit.settings import Settings
from warehouse import sqlfiles

log = logging.getLogger("medsos_audit.review")


class SourceUnavailableError(RuntimeError):
    """No findings could be read yet (the source is missing or held by the pipeline)."""


@dataclass(frozen=True)
class Snapshot:
    """One in-memory copy of the findings; take a ``cursor()`` per request."""

    con: duckdb.DuckDBPyConnection
    path: Path
    kind: str  # 'published' or 'warehouse'
    file_time: datetime  # modification time of the source file when copied (UTC, naive)
    flags: int

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()


def source_path(settings: Settings) -> tuple[Path, str]:
    """The file the desk reads and what it is: the setting, the published copy, the warehouse."""
    if settings.review_source is not None:
        return settings.review_source, "published"
    if settings.published_path.exists():
        return settings.published_path, "published"
    return settings.warehouse, "warehouse"


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    wal = Path(f"{path}.wal")
    wal_mtime = wal.stat().st_mtime_ns if wal.exists() else 0
    return (st.st_ino, max(st.st_mtime_ns, wal_mtime), st.st_size)


def load_snapshot(path: Path, kind: str) -> Snapshot:
    """Copies the desk's findings from ``path`` (opened read-only and closed at once)."""
    try:
        src = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SourceUnavailableError(f"cannot read {path}: {exc}") from exc
    try:
        rows = src.sql(sqlfiles.sql(__file__, "desk_flags.sql")).to_arrow_table()
    except duckdb.Error as exc:
        raise SourceUnavailableError(f"{path} is not a medsos-audit warehouse: {exc}") from exc
    finally:
        src.close()
    mem = duckdb.connect(":memory:")
    mem.register("incoming", rows)
    mem.execute("CREATE TABLE flag_rows AS SELECT * FROM incoming")
    mem.unregister("incoming")
    sqlfiles.run(mem, __file__, "desk_items.sql")
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    return Snapshot(mem, path, kind, mtime, rows.num_rows)


class DeskSource:
    """Hands out the current snapshot, refreshing it when the source file has changed.

    A refresh is tried at most every ``min_interval`` seconds, so a source the pipeline is
    writing (the warehouse fallback) is not knocked on at every request.
    """

    def __init__(
        self,
        locate: Callable[[], tuple[Path, str]],
        *,
        min_interval: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._locate = locate
        self._min_interval = min_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._signature: tuple[object, ...] | None = None
        self._last_try = float("-inf")
        self.stale_reason: str | None = None

    def current(self) -> Snapshot:
        """The newest snapshot that could be read; SourceUnavailableError when there is none."""
        path, kind = self._locate()
        sig = (path, kind, _signature(path))
        snap = self._snapshot
        if snap is not None and sig == self._signature:
            return snap
        if snap is not None and self._monotonic() - self._last_try < self._min_interval:
            return snap
        # One thread refreshes; the others keep serving the old copy instead of queueing.
        if not self._lock.acquire(blocking=snap is None):
            return snap  # type: ignore[return-value]  # only reached when snap is not None
        try:
            if self._snapshot is not None and sig == self._signature:
                return self._snapshot
            self._last_try = self._monotonic()
            if sig[2] is None:
                self.stale_reason = f"{path} does not exist"
            else:
                try:
                    self._snapshot = load_snapshot(path, kind)
                    self._signature = sig
                    self.stale_reason = None
                    log.info("findings copied from %s: %d flags", path, self._snapshot.flags)
                except SourceUnavailableError as exc:
                    self.stale_reason = str(exc)
                    log.info("findings not refreshed: %s", exc)
            if self._snapshot is None:
                raise SourceUnavailableError(self.stale_reason or f"cannot read {path}")
            return self._snapshot
        finally:
            self._lock.release()

    def close(self) -> None:
        """Drops the in-memory copy (the server is stopping)."""
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.con.close()
            self._snapshot, self._signature = None, None

    @property
    def stale(self) -> bool:
        """True when the last refresh failed and an older copy is being served."""
        return self.stale_reason is not None and self._snapshot is not None
