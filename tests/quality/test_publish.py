"""The analysts' copy: only the allow-listed tables and columns, captions masked, read-only,
swapped in whole, and re-masking only what changed."""

from __future__ import annotations

import re
import shutil
import signal
import stat
from pathlib import Path

import duckdb
import pytest

from checks.masking import mask_identifiers
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import REPO_ROOT, Settings
from tests.conftest import SEEDS, post_node, save_post
from tests.quality.conftest import ACCOUNTS, REGISTRY, run_child, run_here
from warehouse.db import connect
from warehouse.publish import PUBLISHED_TABLES, publish

PRIVATE_ONLY = {
    "posts": {"source_file"},
    "profiles": {"source_file"},
    "flags": {"span_start", "span_end"},
    "runs": {"args"},
    "quarantine": {"source_file"},
    "dq_results": {"result_path"},
}


def _columns(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
            "ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """The home folder after one run of the sample."""
    home = tmp_path / "home"
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SEEDS / "snapshot", snapshot)
    assert run_here(home / "warehouse.duckdb", snapshot) == 0
    return home


def test_the_copy_holds_the_allow_listed_tables_without_private_columns(published: Path) -> None:
    private = _columns(published / "warehouse.duckdb")
    public = _columns(published / "published" / "warehouse.duckdb")
    assert set(public) == set(PUBLISHED_TABLES)
    for table, columns in public.items():
        if table == "published_info":
            continue
        dropped = PRIVATE_ONLY.get(table, set())
        assert columns == [c for c in private[table] if c not in dropped], table


def test_captions_are_masked_in_the_copy_and_kept_in_the_warehouse(published: Path) -> None:
    con = duckdb.connect(str(published / "warehouse.duckdb"), read_only=True)
    private = dict(con.execute("SELECT shortcode, caption FROM posts").fetchall())
    con.close()
    con = duckdb.connect(str(published / "published" / "warehouse.duckdb"), read_only=True)
    public = dict(con.execute("SELECT shortcode, caption FROM posts").fetchall())
    con.close()
    assert public == {code: mask_identifiers(text) for code, text in private.items()}
    changed = [code for code in private if public[code] != private[code]]
    assert changed, "the sample holds captions that name patients"
    for code in changed:
        assert "Sulastri" not in public[code] and "081" not in public[code]


def test_the_copy_is_read_only_whole_and_leaves_no_temporary_file(published: Path) -> None:
    copy = published / "published" / "warehouse.duckdb"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o444
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o755
    assert sorted(p.name for p in copy.parent.iterdir()) == ["warehouse.duckdb"]
    con = duckdb.connect(str(copy), read_only=True)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM posts")
    con.close()


def test_a_temporary_copy_left_by_a_killed_run_is_removed_by_the_next(
    published: Path, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    save_post(
        later / "dr.ratna.kulit", post_node("LATE1", ACCOUNTS["dr.ratna.kulit"], "dr.ratna.kulit")
    )
    killed = run_child(published / "warehouse.duckdb", later, fault="publish.copied")
    assert killed.returncode == -signal.SIGKILL
    folder = published / "published"
    assert len(list(folder.glob(".warehouse.*.tmp.duckdb"))) == 1
    assert run_here(published / "warehouse.duckdb", later) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["warehouse.duckdb"]


def test_captions_are_masked_once_by_the_parse_workers_and_publication_adds_none(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(env={"MEDSOS_HOME": str(tmp_path / "home")})
    _, _, first = run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    _, _, again = run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    later = tmp_path / "later"
    edit = post_node(
        "LATE2", ACCOUNTS["agus.internist"], "agus.internist", caption="Pasien Tn. Budi 60 th"
    )
    save_post(later / "agus.internist", edit)
    _, _, late = run_snapshot(settings, REGISTRY, later)
    assert again.published is None and again.gate is None  # nothing changed: nothing to mask
    # the workers masked every new or edited caption as they parsed it; publication had none left
    masked = [s.published.masked for s in (first, late) if s.published is not None]
    assert masked == [0, 0]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        stored = con.execute(
            "SELECT p.caption, m.caption FROM posts AS p JOIN posts_masked AS m "
            "ON m.shortcode = p.shortcode AND m.content_hash = p.content_hash"
        ).fetchall()
        assert len(stored) == con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 28
        assert all(m == (None if c is None else mask_identifiers(c)) for c, m in stored)
    finally:
        con.close()
    # masks made by other masking code are made again at publication
    con = duckdb.connect(str(settings.warehouse))
    con.execute("UPDATE posts_masked SET mask_version = 'older'")
    con.execute("DELETE FROM publications")  # as if the masking code had changed
    con.close()
    _, _, remasked = run_snapshot(settings, REGISTRY, later)
    assert remasked.published is not None and remasked.published.masked == 28


def test_a_rerun_that_changes_nothing_skips_the_gate_and_keeps_the_copy(tmp_path: Path) -> None:
    settings = Settings.from_env(env={"MEDSOS_HOME": str(tmp_path / "home")})
    run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    copy = settings.published_path
    before = copy.stat().st_mtime_ns, copy.read_bytes()
    run_id, _, again = run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    assert again.gate is None and again.published is None and again.blocked is None
    assert again.counts()["publication_current"] is True
    assert (copy.stat().st_mtime_ns, copy.read_bytes()) == before
    assert not (settings.dq_dir / run_id).exists()  # no gate ran, so no gate report
    # any change to what is published -- here an edit no run made -- brings both back
    con = duckdb.connect(str(settings.warehouse))
    con.execute("UPDATE posts SET likes = 424242")
    con.close()
    _, _, changed = run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    assert changed.gate is not None and changed.published is not None
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute("SELECT DISTINCT likes FROM posts").fetchall() == [(424242,)]
    con.close()
    # a copy deleted by hand is published again even though the warehouse did not change
    copy.unlink()
    _, _, restored = run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    assert restored.published is not None and copy.is_file()


def test_the_docs_name_every_published_table() -> None:
    text = (REPO_ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    section = text.split("## Reading while the pipeline writes", 1)[1]
    named = set(re.findall(r"`([a-z_]+)`", section))
    assert set(PUBLISHED_TABLES) <= named
    for table, columns in PRIVATE_ONLY.items():
        assert all(c in named for c in columns), table


def test_the_review_desk_reads_its_findings_from_the_copy(published: Path) -> None:
    from medsos_audit.review.source import load_snapshot

    copy = load_snapshot(published / "published" / "warehouse.duckdb", "published")
    con = duckdb.connect(str(published / "warehouse.duckdb"), read_only=True)
    flags = con.execute("SELECT count(*) FROM flags").fetchall()[0][0]
    con.close()
    assert copy.flags == flags > 0


def test_each_publication_masks_what_changed_since_the_last_on_the_same_connection(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(env={"MEDSOS_HOME": str(tmp_path / "home")})
    run_snapshot(settings, REGISTRY, SEEDS / "snapshot")
    target = tmp_path / "copy" / "warehouse.duckdb"
    con = connect(settings.warehouse)
    try:
        assert publish(con, target, "p1").masked == 0  # the workers masked every caption
        (shortcode,) = con.execute("SELECT min(shortcode) FROM posts").fetchall()[0]
        con.execute(
            "UPDATE posts SET caption = 'Kontrol Tn. Budi 60 th', content_hash = 'edited' "
            "WHERE shortcode = ?",
            [shortcode],
        )
        assert publish(con, target, "p2").masked == 1
        assert publish(con, target, "p3").masked == 0
    finally:
        con.close()
    copy = duckdb.connect(str(target), read_only=True)
    try:
        shown = copy.execute("SELECT caption FROM posts WHERE shortcode = ?", [shortcode])
        assert shown.fetchall() == [(mask_identifiers("Kontrol Tn. Budi 60 th"),)]
    finally:
        copy.close()
