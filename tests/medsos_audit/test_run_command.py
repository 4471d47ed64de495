"""`medsos-audit run` end to end on real files: the sample, the dev corpus, twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from medsos_audit.cli import main
from medsos_audit.settings import REPO_ROOT
from tests.conftest import SEEDS, table

# The labeled dev corpus lives outside the repository (it is measured against, not shipped).
DEV_CORPUS = Path(
    os.environ.get("MEDSOS_DEV_CORPUS", "")
    or next(
        (
            p
            for p in (REPO_ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus"))
            if p.is_dir()
        ),
        REPO_ROOT.parent / "shared" / "corpus",
    )
)
TABLES = (
    "doctors",
    "accounts",
    "account_usernames",
    "profiles",
    "posts",
    "flags",
    "account_signals",
    "audit_weekly_account",
    "audit_weekly_branch",
    "import_files",
)


def _run(warehouse: Path, snapshot: Path, registry: Path = SEEDS / "registry.csv") -> int:
    argv = ["run", "--registry", str(registry), "--snapshot", str(snapshot)]
    return main([*argv, "--warehouse", str(warehouse)])


def _dump(warehouse: Path) -> dict[str, list[dict[str, object]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {name: table(con, name, "ALL") for name in TABLES}
    finally:
        con.close()


def test_the_sample_runs_end_to_end_and_a_second_run_changes_no_row(
    tmp_path: Path, sample_snapshot: Path
) -> None:
    warehouse = tmp_path / "var" / "warehouse.duckdb"
    assert _run(warehouse, sample_snapshot) == 0
    first = _dump(warehouse)
    assert len(first["posts"]) == 27
    assert {r["check_name"] for r in first["flags"]} == {
        "promotion",
        "testimonial_repost",
        "personal_mixing",
        "patient_privacy",
    }
    assert {r["branch"] for r in first["audit_weekly_branch"]} == {
        "IDI Cabang Yogyakarta",
        "IDI Cabang Semarang",
        "IDI Cabang Medan",
    }
    skipped = [r for r in first["import_files"] if r["status"] == "skipped"]
    assert [(Path(str(r["path"])).name, r["reason"]) for r in skipped] == [
        (
            "2026-11-01_10-00-00_UTC.json.xz",
            "truncated xz data: the file ends before its compressed stream",
        )
    ]
    assert _run(warehouse, sample_snapshot) == 0
    assert _dump(warehouse) == first
    con = duckdb.connect(str(warehouse), read_only=True)
    runs = con.execute("SELECT kind, status FROM runs ORDER BY started_at").fetchall()
    assert runs == [("run", "partial"), ("run", "partial")]


@pytest.mark.skipif(
    not (DEV_CORPUS / "make_snapshot.py").exists(), reason="the shared dev corpus is not here"
)
def test_the_dev_corpus_loads_every_post(tmp_path: Path) -> None:
    snapshot = tmp_path / "dev"
    subprocess.run(
        [
            sys.executable,
            str(DEV_CORPUS / "make_snapshot.py"),
            str(DEV_CORPUS / "dev" / "posts.jsonl"),
            str(snapshot),
        ],
        check=True,
        capture_output=True,
    )
    warehouse = tmp_path / "w.duckdb"
    assert _run(warehouse, snapshot, DEV_CORPUS / "dev" / "registry.csv") == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    lines = (DEV_CORPUS / "dev" / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert con.execute("SELECT count(*) FROM posts").fetchall() == [(len(lines),)]
    # the typo row " Dr.Lukman_Hakim " is trimmed and lower-cased, and its posts load
    assert con.execute(
        "SELECT count(*) FROM posts WHERE username = 'dr.lukman_hakim'"
    ).fetchall() == [(3,)]
    # the registered account with no posts is kept, unresolved
    assert con.execute(
        "SELECT owner_id FROM accounts WHERE username = 'maya.kristanti.obgyn'"
    ).fetchall() == [(None,)]
    assert con.execute("SELECT count(*) > 0 FROM flags").fetchall() == [(True,)]
    assert con.execute("SELECT count(*) > 0 FROM audit_weekly_branch").fetchall() == [(True,)]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["run", "--registry", "nope.csv", "--snapshot", "seeds/snapshot"], 2),
        (["run", "--registry", "seeds/registry.csv", "--snapshot", "no/such/dir"], 2),
        (["run", "--registry", "seeds/registry.csv"], 2),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], code: int) -> None:
    args = [a if not a.startswith("seeds") else str(REPO_ROOT / a) for a in args]
    assert main([*args, "--warehouse", str(tmp_path / "w.duckdb")]) == code


def test_the_installed_command_has_help() -> None:
    exe = Path(sys.executable).parent / "medsos-audit"
    out = subprocess.run([str(exe), "run", "--help"], check=True, capture_output=True, text=True)
    assert "--registry" in out.stdout and "--snapshot" in out.stdout and "--warehouse" in out.stdout
