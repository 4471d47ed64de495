"""Publishes the analysts' copy: ``$MEDSOS_HOME/published/warehouse.duckdb``, masked, read-only,
swapped in atomically after each successful run.

DuckDB lets no other process open the warehouse while the pipeline writes it, not even
read-only. Analysts therefore read a separate file. It is written under a temporary name in the
same folder, closed and synced, then moved over the old one with ``os.replace``: a reader opening
the path gets the old file or the new one, never a half-written one, and a reader that already
has the old file open keeps reading it until it reconnects.

What is published is an allow-list (warehouse/sql/publish.sql): captions and accessibility
captions pass through ``checks.masking.mask_identifiers`` (kept per post content in
`posts_masked`, so only new or edited posts are masked again); file paths, run arguments,
e-mail bookkeeping, evidence files and the flags' offsets into the unmasked text stay private.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from checks import masking
from medsos_audit.faults import fault_point
from medsos_audit.runs import utcnow
from warehouse import sqlfiles
from warehouse.db import transaction

TEMP_PREFIX = ".warehouse."
TEMP_SUFFIX = ".tmp.duckdb"
PUBLISHED_MODE = 0o444  # read-only for everyone who can reach the folder
FOLDER_MODE = 0o755
PUBLISHED_TABLES = (
    "doctors",
    "accounts",
    "account_usernames",
    "profiles",
    "posts",
    "flags",
    "account_signals",
    "audit_weekly_account",
    "audit_weekly_branch",
    "collect_log",
    "runs",
    "dq_results",
    "quarantine",
    "flag_reviews",
    "published_info",
)
# What the fingerprint leaves out: run bookkeeping (every run adds a row to `runs`, every gate to
# `dq_results`) and the publication's own stamp. A run that changed nothing else publishes nothing.
UNFINGERPRINTED = ("runs", "dq_results", "published_info")


@dataclass
class Published:
    """Where the copy went, how many rows each table got, and how many captions were masked."""

    path: Path
    rows: dict[str, int]
    masked: int


def refresh_masked_posts(con: duckdb.DuckDBPyConnection) -> int:
    """Masks captions of posts new, edited or masked by older rules; returns how many."""
    version = masking.mask_version()
    rows = con.execute(
        sqlfiles.sql(__file__, "publish_stale_masks.sql"), {"version": version}
    ).fetchall()
    table = pa.table(
        {
            "shortcode": [r[0] for r in rows],
            "content_hash": [r[1] for r in rows],
            "caption": [masking.mask_or_none(r[2]) for r in rows],
            "accessibility_caption": [masking.mask_or_none(r[3]) for r in rows],
        },
        schema=pa.schema(
            [
                (n, pa.string())
                for n in ("shortcode", "content_hash", "caption", "accessibility_caption")
            ]
        ),
    )
    con.register("stage_masked", table)
    try:
        with transaction(con):
            sqlfiles.run(con, __file__, "publish_store_masks.sql", {"version": version})
    finally:
        con.unregister("stage_masked")
    return len(rows)


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of everything the analysts' copy is made from: row count and the sum of row
    hashes of each published table, the masking code's version and the publication SQL.

    One aggregate scan per table in DuckDB (about 40 ms at 50,000 posts); any insert, update or
    delete changes it.
    """
    digest = hashlib.sha256()
    digest.update(masking.mask_version().encode())
    digest.update(sqlfiles.sql(__file__, "publish.sql").encode())
    for name in PUBLISHED_TABLES:
        if name in UNFINGERPRINTED:
            continue
        # identifiers from the allow-list above; HUGEINT sum: identical rows do not cancel out
        rows, total = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {name} AS t"
        ).fetchall()[0]
        digest.update(f"{name}:{rows}:{total};".encode())
    return digest.hexdigest()


def last_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint recorded with the newest publication, if any."""
    rows = con.execute(
        "SELECT fingerprint FROM publications ORDER BY published_at DESC LIMIT 1"
    ).fetchall()
    return str(rows[0][0]) if rows else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Deletes temporary copies a killed run left behind; returns how many.

    Only the single writer publishes, and it holds the warehouse while it does, so no other
    publication can be in progress.
    """
    gone = 0
    for stale in folder.glob(f"{TEMP_PREFIX}*"):
        if stale.name.endswith((TEMP_SUFFIX, TEMP_SUFFIX + ".wal")):
            stale.unlink(missing_ok=True)
            gone += 1
    return gone


def publish(
    con: duckdb.DuckDBPyConnection, target: Path, run_id: str, stamp: str | None = None
) -> Published:
    """Writes the masked analysts' copy of the warehouse and swaps it in at ``target``.

    ``stamp`` is the warehouse's fingerprint when the caller already computed it (masking does
    not change it: `posts_masked` is derived data, and the masking code is part of it).
    """
    masked = refresh_masked_posts(con)
    fault_point("publish.masked")
    stamp = stamp or fingerprint(con)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(FOLDER_MODE)
    remove_stale_temps(folder)
    tmp = folder / f"{TEMP_PREFIX}{run_id}{TEMP_SUFFIX}"
    con.execute("ATTACH ? AS published", [str(tmp)])
    try:
        with transaction(con):
            sqlfiles.run(con, __file__, "publish.sql", {"run_id": run_id, "now": utcnow()})
        rows = {
            name: int(con.execute(f"SELECT count(*) FROM published.{name}").fetchall()[0][0])
            for name in PUBLISHED_TABLES  # identifiers from the allow-list above
        }
        con.execute("DETACH published")  # closes the file: checkpointed, no write-ahead log left
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("DETACH published")
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    tmp.chmod(PUBLISHED_MODE)
    _fsync(tmp)
    fault_point("publish.copied")
    tmp.replace(target)
    _fsync(folder)  # the rename itself is durable only once the folder is synced
    fault_point("publish.swapped")
    # recorded after the swap: a crash before this line only costs the next run a re-publication
    con.execute("INSERT INTO publications VALUES (?, ?, ?)", [run_id, utcnow(), stamp])
    return Published(target, rows, masked)
