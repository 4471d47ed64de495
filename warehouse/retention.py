"""The retention policy: what is removed when, with every purge logged by counts, not content.

Unflagged posts older than the retention period (default 26 weeks) and their raw files go, as
do posts whose every flag staff dismissed; flagged posts and their evidence stay while a case
is open (not dismissed); a doctor who left the registry
loses every unflagged post at once and disappears when nothing of theirs is kept. Manifests
stay (their hashes still verify what is kept); a purged file keeps its hash row, marked purged.
Audit rows of weeks before the cutoff are frozen aggregates: they are not rebuilt from what
remains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from warehouse import sqlfiles
from warehouse.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeResult:
    """What one purge removed (counts only)."""

    cutoff: datetime
    raw_files: int
    posts: int
    flags: int
    doctors_removed: int

    def counts(self) -> dict[str, object]:
        """The figures recorded in runs.counts and printed (never content)."""
        return {
            "cutoff": self.cutoff.isoformat(timespec="seconds"),
            "posts": self.posts,
            "raw_files": self.raw_files,
            "flags": self.flags,
            "doctors_removed": self.doctors_removed,
        }


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # table names come from the literal list in purge(), never from data
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def purge(
    con: duckdb.DuckDBPyConnection, home: Path, weeks: int, now: datetime, run_id: str
) -> PurgeResult:
    """Applies the policy in one transaction, then deletes the raw files it marked purged."""
    if weeks < 1:
        raise ValueError("the retention period must be at least one week")
    cutoff = now - timedelta(weeks=weeks)
    with transaction(con):
        sqlfiles.run(con, __file__, "retention_mark.sql", {"cutoff": cutoff})
        posts, files, doctors = (
            _count(con, t) for t in ("purge_posts", "purge_files", "purge_doctors")
        )
        flags = int(
            con.execute(
                "SELECT count(*) FROM flags WHERE shortcode IN (SELECT shortcode FROM purge_posts)"
                " OR owner_id IN (SELECT owner_id FROM accounts "
                "WHERE npa IN (SELECT npa FROM purge_doctors))"
            ).fetchall()[0][0]
        )
        params = {
            "cutoff": cutoff,
            "now": now,
            "run_id": run_id,
            "raw_files": files,
            "posts": posts,
            "flags": flags,
            "doctors": doctors,
        }
        sqlfiles.run(con, __file__, "retention_apply.sql", params)
    removed = delete_purged_files(con, home)
    log.info(
        "purge %s: %d posts, %d raw files (%d deleted now), %d flags, %d doctors",
        run_id,
        posts,
        files,
        removed,
        flags,
        doctors,
    )
    return PurgeResult(cutoff, files, posts, flags, doctors)


def delete_purged_files(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Deletes raw files whose rows say purged but that are still on disk (also after a crash)."""
    deleted = 0
    root = home.resolve()
    for (path,) in con.execute(
        "SELECT path FROM evidence_files WHERE purged_at IS NOT NULL ORDER BY path"
    ).fetchall():
        full = (root / path).resolve()
        if not full.is_relative_to(root):  # a stored path never leaves MEDSOS_HOME
            continue
        if full.is_file():
            full.unlink()
            deleted += 1
    return deleted


def frozen_before(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The newest purge cutoff: audit weeks starting before it are no longer rebuilt."""
    rows = con.execute("SELECT max(cutoff) FROM purge_log").fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else None
