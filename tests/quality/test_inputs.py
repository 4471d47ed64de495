"""Corrupt, duplicate and hostile input: each bad file is set aside with its path and reason, the
same input twice changes no row, and hostile text is stored as text, never run or followed."""

from __future__ import annotations

import json
import lzma
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from bench.synthetic import generate
from checks.quality import DqReport
from tests.conftest import SEEDS, post_node, profile_node, save_post, save_profile, write_registry
from tests.quality.conftest import dump, run_here, statuses

CORRUPTIONS = {
    "truncated": (lambda raw: raw[: len(raw) // 2], "truncated xz data"),
    "garbage": (lambda raw: b"\x00garbage" * 40, "corrupt or truncated xz data"),
    "not utf-8": (lambda raw: lzma.compress(b'{"node": "\xff\xfe"}'), "not UTF-8 text"),
    "not an object": (lambda raw: lzma.compress(b"[1, 2, 3]"), "top level is not an object"),
    "empty": (lambda raw: b"", "truncated xz data"),
}


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """10,000 posts in instaloader's layout, one file in 500 corrupted five different ways."""
    root = tmp_path_factory.mktemp("many")
    snapshot = root / "snapshot"
    registry = generate(snapshot, 10_000)
    posts = sorted(p for p in snapshot.rglob("*_UTC*.json.xz"))
    broken: dict[str, str] = {}
    kinds = list(CORRUPTIONS)
    for n, path in enumerate(posts[::500]):
        kind = kinds[n % len(kinds)]
        corrupt, reason = CORRUPTIONS[kind]
        path.write_bytes(corrupt(path.read_bytes()))
        broken[str(path)] = reason
    return snapshot, registry, broken


def test_one_corrupt_file_in_500_of_10000_loses_only_that_file(
    ten_thousand: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    snapshot, registry, broken = ten_thousand
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    assert run_here(warehouse, snapshot, registry) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    skipped = dict(
        con.execute("SELECT path, reason FROM import_files WHERE status = 'skipped'").fetchall()
    )
    loaded = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    con.close()
    assert len(broken) == 20 and loaded == 10_000 - len(broken)
    assert set(skipped) == set(broken)
    for path, reason in broken.items():
        assert reason in skipped[path], (path, skipped[path])
    before = dump(warehouse)
    assert run_here(warehouse, snapshot, registry) == 0  # the same input again
    assert dump(warehouse) == before
    assert statuses(warehouse) == ["partial", "success"]


def test_the_same_posts_delivered_again_under_other_paths_change_no_post_or_flag(
    tmp_path: Path,
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    shutil.copytree(SEEDS / "snapshot", first)
    shutil.copytree(first, again, copy_function=shutil.copy2)  # same bytes and times, new paths
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    assert run_here(warehouse, first) == 0
    kept = {"posts": {"source_file"}, "profiles": {"source_file"}, "import_files": None}
    before = dump(warehouse, {**kept, "runs": None, "dq_results": None})
    assert run_here(warehouse, again) == 0
    assert dump(warehouse, {**kept, "runs": None, "dq_results": None}) == before


def _registry(root: Path, *rows: list[str]) -> Path:
    base = [["N1", "dr. A", "IDI Cabang X", "Sp.KK", "dr.a", "2025-01-01", "x@idi.example"]]
    return write_registry(root / "registry.csv", [*base, *rows])


def test_hostile_text_is_stored_as_text_and_nothing_escapes_its_folder(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    injection = "'); DROP TABLE posts; -- <script>alert(1)</script>"
    save_post(snapshot / "dr.a", post_node("SQLcap1", "11", "dr.a", caption=injection))
    save_post(snapshot / "dr.a", post_node("<script>x</script>", "11", "dr.a"), suffix="_1")
    save_profile(snapshot / "dr.a", profile_node("dr.a", "11", biography=injection))
    outside = tmp_path / "outside"
    save_post(outside, post_node("OUTSIDE1", "11", "dr.a"))
    (snapshot / "linked").symlink_to(outside)  # a folder link leading out of the snapshot
    (snapshot / "dr.a" / "2026-11-01_00-00-00_UTC.json.xz").symlink_to(next(outside.iterdir()))
    registry = _registry(
        tmp_path,
        ["N2", "Robert'); DROP TABLE doctors;--", "IDI Cabang X", "", "dr.b", "", ""],
        ["N3", "dr. C", "IDI Cabang X", "", "../../etc", "", ""],
        ["N4", "dr. D", "IDI Cabang X", "", "[/red]", "", ""],
    )
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    assert run_here(warehouse, snapshot, registry) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT shortcode, caption FROM posts").fetchall() == [
        ("SQLcap1", injection)
    ]
    assert con.execute("SELECT biography FROM profiles").fetchall() == [(injection,)]
    aside = con.execute(
        "SELECT reason FROM import_files WHERE status = 'skipped' ORDER BY 1"
    ).fetchall()
    assert aside == [("symbolic link: not followed out of the snapshot",)] * 2
    assert con.execute("SELECT npa, full_name FROM doctors ORDER BY 1").fetchall() == [
        ("N1", "dr. A"),
        ("N2", "Robert'); DROP TABLE doctors;--"),
    ]
    con.close()
    page = next((warehouse.parent / "dq").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_absurd_files_are_set_aside_with_a_reason(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    folder = snapshot / "dr.a"
    save_post(folder, post_node("OK1", "11", "dr.a"))
    save_post(folder, post_node("BIG1", "11", "dr.a", caption="x" * 10_000_000), suffix="_1")
    bomb = folder / "2026-11-02_00-00-00_UTC.json.xz"
    with lzma.open(bomb, "wb") as fh:  # 64 MB of spaces: 10 kB on disk
        for _ in range(64):
            fh.write(b" " * 2**20)
    deep = folder / "2026-11-03_00-00-00_UTC.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    os.makedirs(os.fsencode(snapshot) + b"/dr.\xff", exist_ok=True)
    (folder / os.fsdecode(b"2026-11-04_00-00-00_UTC\xff.json")).write_text("{}")
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    assert run_here(warehouse, snapshot, _registry(tmp_path)) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    reasons = sorted(
        r
        for (r,) in con.execute(
            "SELECT reason FROM import_files WHERE status = 'skipped'"
        ).fetchall()
    )
    assert con.execute("SELECT shortcode FROM posts").fetchall() == [("OK1",)]
    con.close()
    assert reasons == [
        "caption of 10000000 characters (Instagram allows 2,200)",
        "decompresses to more than 16 MB",
        "file name is not UTF-8 text",
        "folder name is not UTF-8 text: not an Instagram username",
        "maximum recursion depth exceeded while decoding a JSON array from a unicode string",
    ]


def test_a_run_id_never_leads_outside_the_results_folder(tmp_path: Path) -> None:
    report = DqReport(tmp_path, "../../etc")
    assert report.folder.parent == tmp_path / "dq" and report.folder.name.startswith("id-")
    assert json.dumps(report.folder_name) == f'"{report.folder_name}"'
