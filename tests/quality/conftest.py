"""Fixtures for the data-quality and fault-tolerance tests: a scenario snapshot with enough files
for several load and check batches, runs in a child process, and table dumps for comparison."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medsos_audit.cli import main
from tests.conftest import SEEDS, post_node, save_post
from tests.quality import child

REGISTRY = SEEDS / "registry.csv"
# Runs here are dated the Monday after the fixtures' last posts (2026-11-20, and the bench
# snapshot's 2026-11-22), so the gate judges the same weeks whatever day the suite runs.
RUN_DAY = "2026-11-23"
BATCHES = (25, 20)  # files per load transaction, posts per check transaction, in child runs
# Sample accounts (seeds/registry.csv) and their Instagram ids, for extra posts.
ACCOUNTS = {
    "dr.ratna.kulit": "7301224501",
    "dokteryusuf.anak": "7301339902",
    "sinta.dokterumum": "7302218833",
    "drg.bayu.senyum": "7302290114",
    "theresia.obgyn": "7303310075",
    "agus.internist": "7303387716",
}
CAPTIONS = (
    "Edukasi: cuci tangan pakai sabun minimal 20 detik.",
    "Promo akhir bulan! Facial cuma Rp 199.000, diskon 30% untuk 10 pendaftar pertama.",
    "Pasien saya hari ini Ny. Sulastri 67 tahun dari Bantul, No. RM 00-12-34-56, stroke.",
    "Liburan ke Bali bareng keluarga, seru banget #holiday",
    "Makasih testimoninya kak, senang bisa membantu #testimonipasien",
)
# Columns that record when or by which run something happened, not what the data is.
BOOKKEEPING: dict[str, set[str] | None] = {
    "runs": None,
    "dq_results": None,
    "schema_migrations": {"applied_at"},
    "doctors": {"updated_at"},
    "accounts": {"updated_at"},
    "posts": {"run_id"},
    "profiles": {"run_id"},
    "flags": {"run_id", "first_flagged_at"},
    "import_files": {"run_id", "seen_at"},
    "quarantine": {"run_id", "quarantined_at"},
    "pending_weeks": {"run_id", "marked_at"},
    "published_info": None,
    # one row per publication: a run killed between the swap and this row publishes once more
    "publications": None,
    # message ids and file names carry the run id; what was sent to whom, and for which flags,
    # must be the same
    "outbox": {"message_id", "eml_path", "created_at", "sent_at", "run_id"},
    "outbox_flags": {"message_id"},
}


def add_posts(snapshot: Path, count: int, *, start_day: int = 2, seed: int = 0) -> list[str]:
    """Saves ``count`` more posts of the sample accounts over November 2026; returns shortcodes."""
    codes = []
    names = sorted(ACCOUNTS)
    for i in range(count):
        name = names[(i + seed) % len(names)]
        code = f"Q{seed:02d}x{i:04d}"
        day = start_day + (i * 3 + seed) % 19
        when = f"2026-11-{day:02d}T{(i % 12) + 1:02d}:{(i * 7) % 60:02d}:00"
        node = post_node(
            code,
            owner_id=ACCOUNTS[name],
            username=name,
            caption=CAPTIONS[(i + seed) % len(CAPTIONS)],
            when=when,
        )
        save_post(snapshot / name, node, suffix=f"_{i}" if i else "")
        codes.append(code)
    return codes


def scenario_snapshot(root: Path) -> Path:
    """The sample snapshot plus 40 posts, two rows the gate holds back and one corrupt file."""
    snapshot = root / "snapshot"
    shutil.copytree(SEEDS / "snapshot", snapshot)
    add_posts(snapshot, 40)
    bad = post_node("bad'code;--", owner_id=ACCOUNTS["dr.ratna.kulit"], username="dr.ratna.kulit")
    save_post(snapshot / "dr.ratna.kulit", bad, suffix="_99")
    negative = post_node(
        "NEGlikes1",
        owner_id=ACCOUNTS["sinta.dokterumum"],
        username="sinta.dokterumum",
        edge_media_preview_like={"count": -3},
    )
    save_post(snapshot / "sinta.dokterumum", negative, suffix="_98")
    (snapshot / "drg.bayu.senyum" / "2026-11-06_10-00-00_UTC.json.xz").write_bytes(
        b"\xfd7zXZ\0junk"
    )
    return snapshot


def run_args(warehouse: Path, snapshot: Path) -> list[str]:
    return [
        "run",
        "--registry",
        str(REGISTRY),
        "--snapshot",
        str(snapshot),
        "--warehouse",
        str(warehouse),
    ]


def run_here(warehouse: Path, snapshot: Path, registry: Path = REGISTRY) -> int:
    """One pipeline run in this process, with MEDSOS_HOME the warehouse's folder."""
    pinned = {"MEDSOS_HOME": str(warehouse.parent), "MEDSOS_TODAY": RUN_DAY}
    before = {name: os.environ.get(name) for name in pinned}
    os.environ.update(pinned)
    try:
        argv = run_args(warehouse, snapshot)
        argv[2] = str(registry)
        return main(argv)
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def child_env(warehouse: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSOS_")}
    env["MEDSOS_HOME"] = str(warehouse.parent)
    env["MEDSOS_TODAY"] = RUN_DAY
    return env | extra


@dataclass
class Finished:
    """How a child run ended: its exit code (-9: killed) and what it printed."""

    returncode: int
    output: str


def start_child(
    warehouse: Path,
    snapshot: Path,
    *,
    batches: tuple[int, int] = BATCHES,
    fsize: int | None = None,
    log_dir: Path | None = None,
    **env: str,
) -> child.Child:
    """Starts one pipeline run in a child process (small batches: more transactions to die in)."""
    logs = log_dir or warehouse.parent
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"child-{len(list(logs.glob('child-*')))}.log"
    argv = run_args(warehouse, snapshot)
    return child.start(argv, child_env(warehouse, **env), batches, log, fsize)


def run_child(
    warehouse: Path,
    snapshot: Path,
    *,
    fault: str | None = None,
    batches: tuple[int, int] = BATCHES,
    fsize: int | None = None,
    log_dir: Path | None = None,
) -> Finished:
    """One pipeline run in a child process, optionally stopped at ``fault`` (MEDSOS_FAULT)."""
    env = {"MEDSOS_FAULT": fault} if fault else {}
    started = start_child(warehouse, snapshot, batches=batches, fsize=fsize, log_dir=log_dir, **env)
    code = started.wait()
    return Finished(code, started.output)


def _sortable(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(repr(v) for v in row)


def dump(path: Path, skip: Mapping[str, set[str] | None] = BOOKKEEPING) -> dict[str, list[Any]]:
    """Every table of a DuckDB file as a sorted list of rows, without bookkeeping columns."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        result: dict[str, list[Any]] = {}
        for table in sorted(tables):
            if table in skip and skip[table] is None:
                continue
            dropped = skip.get(table) or set()
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "ORDER BY column_index",
                    [table],
                ).fetchall()
                if c not in dropped
            ]
            # identifiers read from the catalog of a file this test wrote, quoted
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {select} FROM "{table}"').fetchall()
            result[table] = sorted(rows, key=_sortable)
        return result
    finally:
        con.close()


def statuses(warehouse: Path) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [s for (s,) in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    finally:
        con.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A MEDSOS_HOME of the test's own (make exports one for the repository's var/)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("MEDSOS_HOME", str(folder))
    for name in ("MEDSOS_WAREHOUSE", "MEDSOS_FAULT", "MEDSOS_OPERATOR_EMAIL", "MEDSOS_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    yield folder
