"""Evidence that holds up: each landed file's SHA-256, and per-run manifests chained by hash.

Each collect run records the hash of every file it landed (``evidence_files``) and writes
``raw/<run_id>/MANIFEST.json`` listing them, with the hash of the previous run's manifest in it;
the manifest's own hash goes to ``evidence_manifests``. Changing a landed file, a manifest, or
dropping a run from the middle of the chain is then visible to ``verify`` (the
``verify-evidence`` command), which staff can run before quoting a post in an ethics hearing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.db import ensure_private_dir, transaction
from warehouse.sqlfiles import sql

MANIFEST_NAME = "MANIFEST.json"
MANIFEST_FORMAT = "medsos-audit evidence manifest 1"


@dataclass(frozen=True)
class LandedFile:
    """A file written from what Instagram served, with the hash of its bytes on disk."""

    path: Path  # absolute
    sha256: str
    size: int
    kind: str  # post, profile
    username: str
    shortcode: str | None = None
    posted_at: datetime | None = None


@dataclass(frozen=True)
class Manifest:
    """A run's manifest as recorded in evidence_manifests."""

    run_id: str
    path: str  # relative to MEDSOS_HOME
    sha256: str
    prev_sha256: str | None
    files: int


@dataclass(frozen=True)
class Problem:
    """One thing verify found wrong, named so staff can act on it."""

    kind: str  # file_changed, file_missing, manifest_changed, manifest_missing, chain_broken, ...
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


@dataclass
class Verification:
    """What verify checked and what it found."""

    manifests: int = 0
    files: int = 0
    purged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _written_at(path: Path) -> datetime:
    """When the file was written (its mtime, naive UTC): also what the importer calls seen_at."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def home_relative(home: Path, path: Path) -> str:
    """``path`` relative to MEDSOS_HOME, in '/' form (how evidence paths are stored)."""
    return path.resolve().relative_to(home.resolve()).as_posix()


def _manifest_bytes(
    run_id: str,
    created_at: datetime,
    previous: tuple[str, str] | None,
    entries: Sequence[Mapping[str, object]],
) -> bytes:
    doc = {
        "format": MANIFEST_FORMAT,
        "run_id": run_id,
        "created_at": created_at.isoformat(timespec="seconds") + "Z",
        "previous": None if previous is None else {"run_id": previous[0], "sha256": previous[1]},
        "files": list(entries),
    }
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def record_run(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    run_id: str,
    run_dir: Path,
    files: Sequence[LandedFile],
    created_at: datetime,
) -> Manifest:
    """Records the run's landed files and writes its manifest chained to the last one; atomic.

    ``created_at`` is naive UTC. The manifest file is written first and the rows after it in one
    transaction, so a crash leaves at worst a manifest file no row points to.
    """
    ensure_private_dir(run_dir.parent)
    ensure_private_dir(run_dir)
    entries = sorted(
        (
            {
                "path": home_relative(home, f.path),
                "sha256": f.sha256,
                "size": f.size,
                "kind": f.kind,
                "shortcode": f.shortcode,
            }
            for f in files
        ),
        key=lambda e: str(e["path"]),
    )
    last = con.execute(sql(__file__, "evidence_last_manifest.sql")).fetchall()
    previous = (str(last[0][0]), str(last[0][1])) if last else None
    data = _manifest_bytes(run_id, created_at, previous, entries)
    path = run_dir / MANIFEST_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    manifest = Manifest(
        run_id,
        home_relative(home, path),
        hashlib.sha256(data).hexdigest(),
        previous[1] if previous else None,
        len(entries),
    )
    n = len(files)
    staged = pa.table(
        {
            "path": pa.array([home_relative(home, f.path) for f in files], pa.string()),
            "sha256": pa.array([f.sha256 for f in files], pa.string()),
            "size_bytes": pa.array([f.size for f in files], pa.int64()),
            "run_id": pa.array([run_id] * n, pa.string()),
            "username": pa.array([f.username for f in files], pa.string()),
            "shortcode": pa.array([f.shortcode for f in files], pa.string()),
            "kind": pa.array([f.kind for f in files], pa.string()),
            "landed_at": pa.array([_written_at(f.path) for f in files], pa.timestamp("us")),
        }
    )
    con.register("stage_evidence_files", staged)
    try:
        with transaction(con):
            con.execute(sql(__file__, "evidence_insert_files.sql"))
            con.execute(
                sql(__file__, "evidence_insert_manifest.sql"),
                [
                    run_id,
                    manifest.path,
                    manifest.sha256,
                    manifest.prev_sha256,
                    manifest.files,
                    created_at,
                ],
            )
    finally:
        con.unregister("stage_evidence_files")
    return manifest


def _check_file(home: Path, path: str, sha: str, size: int, report: Verification) -> None:
    full = home / path
    if not full.is_file():
        report.problems.append(Problem("file_missing", path, "the landed file is gone"))
        return
    found = sha256_file(full)
    if found != sha:
        report.problems.append(Problem("file_changed", path, f"SHA-256 is {found}, recorded {sha}"))
    elif full.stat().st_size != size:
        report.problems.append(Problem("file_changed", path, "size differs from the record"))


def verify(con: duckdb.DuckDBPyConnection, home: Path) -> Verification:
    """Checks each manifest against its recorded hash and chain link, and each file against both."""
    report = Verification()
    previous_sha: str | None = None
    for run_id, mpath, msha, prev_sha, _count in con.execute(
        sql(__file__, "evidence_manifests.sql")
    ).fetchall():
        report.manifests += 1
        if prev_sha != previous_sha:
            report.problems.append(
                Problem(
                    "chain_broken",
                    mpath,
                    f"run {run_id} chains to {prev_sha}; the manifest before it is {previous_sha}",
                )
            )
        previous_sha = msha
        full = home / mpath
        if not full.is_file():
            report.problems.append(Problem("manifest_missing", mpath, f"run {run_id}"))
            listed: dict[str, tuple[str, int]] = {}
        else:
            raw = full.read_bytes()
            found = hashlib.sha256(raw).hexdigest()
            if found != msha:
                report.problems.append(
                    Problem("manifest_changed", mpath, f"SHA-256 is {found}, recorded {msha}")
                )
            doc = json.loads(raw)
            linked = (doc.get("previous") or {}).get("sha256")
            if linked != prev_sha:
                report.problems.append(
                    Problem(
                        "chain_broken", mpath, f"the file links to {linked}, recorded {prev_sha}"
                    )
                )
            listed = {e["path"]: (e["sha256"], int(e["size"])) for e in doc.get("files", [])}
        rows = con.execute(sql(__file__, "evidence_files_of_run.sql"), [run_id]).fetchall()
        recorded = {path: (sha, int(size)) for path, sha, size, _purged in rows}
        for path in sorted(set(listed) ^ set(recorded)):
            where = "the manifest" if path in listed else "evidence_files"
            report.problems.append(
                Problem("unrecorded", path, f"listed only in {where} of {run_id}")
            )
        for path, sha, size, purged in rows:
            if listed.get(path, (sha, size)) != (sha, int(size)):
                report.problems.append(
                    Problem("record_changed", path, "evidence_files and the manifest disagree")
                )
            if purged:
                report.purged += 1
                continue
            report.files += 1
            _check_file(home, path, sha, int(size), report)
    return report
