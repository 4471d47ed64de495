"""Loads parsed snapshot files into the warehouse in one transaction per batch, idempotently."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter

import duckdb
import pyarrow as pa

from checks.masking import mask_version
from extract.snapshot import ParsedFile, SnapshotFile
from medsos_audit.faults import fault_point
from medsos_audit.runs import utcnow
from transform.accounts import Observation, resolve_owners
from transform.flags import flag_table
from transform.normalise import POST_COLUMNS, PROFILE_COLUMNS
from warehouse import sqlfiles
from warehouse.db import transaction
from warehouse.sqlfiles import sql

_LIST = pa.list_(pa.string())
POST_SCHEMA = pa.schema(
    [
        ("shortcode", pa.string()),
        ("media_id", pa.string()),
        ("owner_id", pa.string()),
        ("username", pa.string()),
        ("posted_at", pa.timestamp("us")),
        ("post_week", pa.string()),
        ("typename", pa.string()),
        ("is_video", pa.bool_()),
        ("caption", pa.string()),
        ("accessibility_caption", pa.string()),
        ("is_sponsored", pa.bool_()),
        ("sponsor_users", _LIST),
        ("tagged_users", _LIST),
        ("hashtags", _LIST),
        ("mentions", _LIST),
        ("location", pa.string()),
        ("likes", pa.int64()),
        ("comments", pa.int64()),
        ("content_hash", pa.string()),
        ("source_file", pa.string()),
        ("seen_at", pa.timestamp("us")),
    ]
)
PROFILE_SCHEMA = pa.schema(
    [
        ("owner_id", pa.string()),
        ("username", pa.string()),
        ("full_name", pa.string()),
        ("biography", pa.string()),
        ("external_url", pa.string()),
        ("business_category", pa.string()),
        ("is_business_account", pa.bool_()),
        ("is_private", pa.bool_()),
        ("is_verified", pa.bool_()),
        ("followers", pa.int64()),
        ("followees", pa.int64()),
        ("content_hash", pa.string()),
        ("source_file", pa.string()),
        ("seen_at", pa.timestamp("us")),
    ]
)


@dataclass
class LoadResult:
    """What one load changed, and what it set aside (path, reason)."""

    new_posts: int = 0
    changed_posts: int = 0
    profiles: int = 0
    posts_checked: int = 0  # posts whose flags the parse workers computed, stored with the load
    flags: int = 0
    weeks_touched: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: LoadResult) -> None:
        self.new_posts += other.new_posts
        self.changed_posts += other.changed_posts
        self.profiles += other.profiles
        self.posts_checked += other.posts_checked
        self.flags += other.flags
        self.weeks_touched |= other.weeks_touched
        self.skipped.extend(other.skipped)
        self.quarantined.extend(other.quarantined)


def seen_at(file: SnapshotFile) -> datetime:
    """When a file was written (its mtime, UTC): the moment the collector saw the post.

    Using the file's own time, not the load's, makes loading the same file twice a no-op.
    """
    return datetime.fromtimestamp(file.mtime_ns / 1e9, UTC).replace(tzinfo=None)


def unread_files(
    con: duckdb.DuckDBPyConnection, files: Sequence[SnapshotFile]
) -> list[SnapshotFile]:
    """The files of ``files`` not read before (no recorded path, size and mtime), in order.

    A quarantined or skipped file counts as read: the same bytes would fail the same way, and
    loading the same input twice must change no row (re-admit one by deleting its import_files
    rows). The comparison is an anti-join in DuckDB, so the memory it takes follows the scan,
    not the years of history in import_files (5 million rows of it as a Python set: 2.3 GB).
    """
    if not files:
        return []
    stage = pa.table(
        {
            "pos": pa.array(range(len(files)), pa.int64()),
            "path": pa.array([f.path for f in files], pa.string()),
            "size_bytes": pa.array([f.size for f in files], pa.int64()),
            "mtime_ns": pa.array([f.mtime_ns for f in files], pa.int64()),
        }
    )
    con.register("stage_scan", stage)
    try:
        rows = con.execute(sql(__file__, "unread_files.sql")).fetchall()
    finally:
        con.unregister("stage_scan")
    return [files[pos] for (pos,) in rows]


def load_parsed(
    con: duckdb.DuckDBPyConnection,
    parsed: Sequence[ParsedFile],
    set_aside: Sequence[tuple[SnapshotFile, str]],
    run_id: str,
    source: str = "snapshot",
    *,
    quarantine: Mapping[str, Sequence[tuple[str, str, str]]] | None = None,
    in_transaction: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
    rule_version: str | None = None,
) -> LoadResult:
    """Loads one batch of parsed files in one transaction and records every file's outcome.

    ``quarantine`` maps a file's path to the (suite, expectation, details) its row failed in the
    data-quality gate: such a row is not loaded, its failures go to `quarantine` and its file is
    recorded 'quarantined'. ``in_transaction`` runs inside the same transaction (the gate's
    `dq_results` rows), so a crash keeps all of the batch's bookkeeping or none of it.
    ``rule_version`` is the rule set the parse workers checked the posts with (ParsedFile.flags):
    those flags are stored in the same transaction, so the checks stage skips these posts.
    """
    result = LoadResult()
    held = quarantine or {}
    outcomes: list[tuple[SnapshotFile, str, str | None, str | None]] = [
        (f, "skipped", reason, None) for f, reason in set_aside
    ]
    with transaction(con):
        # when each file was seen, worked out once per file (the rows and the sightings share it)
        stamps = {
            p.file.path: seen_at(p.file)
            for p in parsed
            if p.file.path not in held and (p.post or p.profile)
        }
        observations = [
            Observation(row.owner_id, row.username, p.file.folder, stamps[p.file.path], source)
            for p in parsed
            if p.file.path not in held
            for row in (p.post, p.profile)
            if row is not None and row.owner_id
        ]
        registered = resolve_owners(con, observations)
        posts: list[ParsedFile] = []
        profiles: list[ParsedFile] = []
        for p in parsed:
            if p.error:
                outcomes.append((p.file, "skipped", p.error, None))
                continue
            row = p.post or p.profile
            assert row is not None
            shortcode = p.post.shortcode if p.post else None
            if p.file.path in held:
                failed = sorted({f"{suite}.{name}" for suite, name, _ in held[p.file.path]})
                reason = "data-quality gate: " + ", ".join(failed)
                outcomes.append((p.file, "quarantined", reason, shortcode))
            elif not row.owner_id:
                outcomes.append((p.file, "skipped", "no owner id in the saved node", shortcode))
            elif not registered.get(row.owner_id):
                name = row.username or p.file.folder
                reason = f"account @{name} (id {row.owner_id}) is not in the registry"
                outcomes.append((p.file, "skipped", reason, shortcode))
            else:
                (posts if p.post else profiles).append(p)
                outcomes.append((p.file, "loaded", None, shortcode))
        if posts:
            _load_posts(con, posts, stamps, run_id, result)
            if rule_version is not None:
                _store_prechecked(con, posts, rule_version, run_id, result)
            _store_premasked(con, posts)
        if profiles:
            _load_profiles(con, profiles, stamps, run_id, result)
        _record_files(con, outcomes, run_id)
        _record_quarantine(con, parsed, held, run_id)
        if in_transaction is not None:
            in_transaction(con)
        fault_point("load.before_commit")
    result.skipped = [
        (f.path, reason) for f, status, reason, _ in outcomes if status == "skipped" and reason
    ]
    result.quarantined = [
        (f.path, reason) for f, status, reason, _ in outcomes if status == "quarantined" and reason
    ]
    return result


def _columns(
    rows: Sequence[object], names: tuple[str, ...], files: Sequence[str], stamps: Sequence[datetime]
) -> dict[str, Sequence[object]]:
    """Row objects turned into columns (attrgetter and zip do the per-row work in C)."""
    values = list(zip(*map(attrgetter(*names), rows), strict=True)) or [()] * len(names)
    columns: dict[str, Sequence[object]] = dict(zip(names, values, strict=True))
    columns["source_file"] = files
    columns["seen_at"] = stamps
    return columns


def _load_posts(
    con: duckdb.DuckDBPyConnection,
    posts: list[ParsedFile],
    stamps: Mapping[str, datetime],
    run_id: str,
    result: LoadResult,
) -> None:
    files = [p.file.path for p in posts]
    columns = _columns([p.post for p in posts], POST_COLUMNS, files, [stamps[f] for f in files])
    con.register("stage_posts", pa.table(columns, schema=POST_SCHEMA))
    try:
        weeks = con.execute(sql(__file__, "touched_weeks.sql")).fetchall()
        result.weeks_touched |= {w for (w,) in weeks}
        mark_pending_weeks(con, sorted(w for (w,) in weeks), run_id)
        result.new_posts += _count(
            con.execute(sql(__file__, "insert_posts.sql"), {"run_id": run_id})
        )
        result.changed_posts += _count(con.execute(sql(__file__, "update_posts.sql")))
    finally:
        con.unregister("stage_posts")


def _store_prechecked(
    con: duckdb.DuckDBPyConnection,
    posts: list[ParsedFile],
    version: str,
    run_id: str,
    result: LoadResult,
) -> None:
    checked = [p for p in posts if p.flags is not None and p.post is not None]
    if not checked:
        return
    stage = pa.table(
        {
            "shortcode": [p.post.shortcode for p in checked if p.post],
            "content_hash": [p.post.content_hash for p in checked if p.post],
            "source_file": [p.file.path for p in checked],
        }
    )
    flags = [(f, p.file.path, p.post.post_week) for p in checked if p.post for f in p.flags or ()]
    table = flag_table([f for f, _, _ in flags], [w for _, _, w in flags])
    table = table.append_column("source_file", pa.array([s for _, s, _ in flags], pa.string()))
    con.register("stage_prechecked", stage)
    con.register("stage_preflags", table)
    try:
        sqlfiles.run(con, __file__, "store_prechecked.sql", {"version": version})
        result.posts_checked += _count(con.execute("SELECT count(*) FROM stage_checked"))
        result.flags += _count(con.execute("SELECT count(*) FROM stage_flags"))
        params = {"now": utcnow(), "run_id": run_id}
        sqlfiles.run(con, __file__, "replace_post_flags.sql", {**params, "version": version})
        fault_point("load.prechecked")
    finally:
        con.unregister("stage_prechecked")
        con.unregister("stage_preflags")
        con.execute("DROP TABLE IF EXISTS stage_checked")
        con.execute("DROP TABLE IF EXISTS stage_flags")


def _store_premasked(con: duckdb.DuckDBPyConnection, posts: list[ParsedFile]) -> None:
    masked = [(p.post, p.masked) for p in posts if p.post is not None and p.masked is not None]
    if not masked:
        return
    stage = pa.table(
        {
            "shortcode": [row.shortcode for row, _ in masked],
            "content_hash": [row.content_hash for row, _ in masked],
            "caption": pa.array([m[0] for _, m in masked], pa.string()),
            "accessibility_caption": pa.array([m[1] for _, m in masked], pa.string()),
        }
    )
    con.register("stage_premasked", stage)
    try:
        sqlfiles.run(con, __file__, "store_premasked.sql", {"version": mask_version()})
    finally:
        con.unregister("stage_premasked")


def _load_profiles(
    con: duckdb.DuckDBPyConnection,
    profiles: list[ParsedFile],
    stamps: Mapping[str, datetime],
    run_id: str,
    result: LoadResult,
) -> None:
    files = [p.file.path for p in profiles]
    rows = [p.profile for p in profiles]
    columns = _columns(rows, PROFILE_COLUMNS, files, [stamps[f] for f in files])
    con.register("stage_profiles", pa.table(columns, schema=PROFILE_SCHEMA))
    try:
        result.profiles += _count(con.execute(sql(__file__, "update_profiles.sql")))
        result.profiles += _count(
            con.execute(sql(__file__, "insert_profiles.sql"), {"run_id": run_id})
        )
    finally:
        con.unregister("stage_profiles")


def mark_pending_weeks(con: duckdb.DuckDBPyConnection, weeks: Sequence[str], run_id: str) -> None:
    """Notes that posts or flags of ``weeks`` changed: their audit tables must be rebuilt
    ('audit') and the gate must read their rows ('rows'). Call inside the change's transaction:
    the note and the change land together, so a crash cannot lose either."""
    if weeks:
        con.execute(
            "INSERT OR IGNORE INTO pending_weeks SELECT w.post_week, s.stage, ?, ? "
            "FROM (SELECT unnest(?::VARCHAR[]) AS post_week) AS w, "
            "(VALUES ('audit'), ('rows')) AS s(stage)",
            [utcnow(), run_id, list(weeks)],
        )


def _record_quarantine(
    con: duckdb.DuckDBPyConnection,
    parsed: Sequence[ParsedFile],
    held: Mapping[str, Sequence[tuple[str, str, str]]],
    run_id: str,
) -> None:
    rows = [
        (p.file.path, p.post.shortcode if p.post else None, suite, name, details)
        for p in parsed
        if p.file.path in held and not p.error
        for suite, name, details in held[p.file.path]
    ]
    if not rows:
        return
    names = ("source_file", "shortcode", "suite", "expectation", "details")
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
    con.register("stage_quarantine", table)
    try:
        con.execute(
            "INSERT INTO quarantine SELECT ?, source_file, shortcode, suite, expectation, "
            "details, ? FROM stage_quarantine",
            [run_id, utcnow()],
        )
    finally:
        con.unregister("stage_quarantine")


def _record_files(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[tuple[SnapshotFile, str, str | None, str | None]],
    run_id: str,
) -> None:
    if not outcomes:
        return
    now = utcnow()
    table = pa.table(
        {
            "path": [f.path for f, *_ in outcomes],
            # 0 is a size like any other: recorded as NULL, an empty file (or a folder set aside)
            # would not count as read and would gain a new row on every run
            "size_bytes": pa.array([f.size for f, *_ in outcomes], pa.int64()),
            "mtime_ns": pa.array([f.mtime_ns for f, *_ in outcomes], pa.int64()),
            "kind": [f.kind for f, *_ in outcomes],
            "status": [status for _, status, _, _ in outcomes],
            "reason": [reason for _, _, reason, _ in outcomes],
            "username": [f.folder or None for f, *_ in outcomes],
            "shortcode": [shortcode for *_, shortcode in outcomes],
        }
    )
    con.register("stage_files", table)
    try:
        con.execute(
            "INSERT INTO import_files SELECT path, size_bytes, mtime_ns, kind, status, reason, "
            "username, shortcode, ?, ? FROM stage_files",
            [run_id, now],
        )
    finally:
        con.unregister("stage_files")


def _count(cursor: duckdb.DuckDBPyConnection) -> int:
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows else 0
