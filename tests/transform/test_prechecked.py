"""New posts are checked by the parse workers and their flags stored with the load: the result
must be exactly what the checks stage computes from the stored rows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from checks import load_ruleset
from extract.snapshot import parse_files, scan
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import Settings
from tests.conftest import SEEDS, post_node, save_post
from transform.flags import check_pending
from transform.load import load_parsed
from transform.prechecked import checks_task

FLAG_COLUMNS = (
    "shortcode, owner_id, check_name, rule_id, rule_version, severity, evidence, "
    "evidence_field, span_start, span_end, fatwa_ref, risk_score, post_week"
)


def _flags(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(f"SELECT {FLAG_COLUMNS} FROM flags ORDER BY ALL").fetchall()


def test_flags_stored_with_the_load_equal_those_of_the_checks_stage(settings: Settings) -> None:
    _, _, summary = run_snapshot(settings, SEEDS / "registry.csv", SEEDS / "snapshot")
    assert summary.load.posts_checked == summary.load.new_posts > 0
    assert summary.checks.posts_checked == summary.load.posts_checked  # none left for the stage
    con = duckdb.connect(str(settings.warehouse))
    try:
        from_workers = _flags(con)
        assert from_workers, "the sample has flagged posts"
        first_seen = con.execute("SELECT min(first_flagged_at) FROM flags").fetchall()
        con.execute("UPDATE posts SET checked_rule_version = NULL")
        again = check_pending(con, load_ruleset(settings.rules_dir), "recheck")
        assert again.posts_checked == summary.load.new_posts
        assert _flags(con) == from_workers
        # re-checking the same content keeps when each finding was first made
        assert con.execute("SELECT min(first_flagged_at) FROM flags").fetchall() == first_seen
    finally:
        con.close()


def test_only_the_stored_content_gets_the_workers_flags(tmp_path: Path, settings: Settings) -> None:
    run_snapshot(settings, SEEDS / "registry.csv", SEEDS / "snapshot")
    ruleset = load_ruleset(settings.rules_dir)
    owner = "7301224501"  # dr.ratna.kulit in seeds/registry.csv
    # two files of one new post: an older edit that promotes, and the newer clean caption
    older = tmp_path / "older" / "dr.ratna.kulit"
    newer = tmp_path / "newer" / "dr.ratna.kulit"
    save_post(
        older,
        post_node(
            "PRE1",
            owner,
            "dr.ratna.kulit",
            caption="Promo facial diskon 50% khusus minggu ini, DM untuk order!",
            when="2026-11-17T02:00:00",
        ),
    )
    newest = save_post(
        newer,
        post_node(
            "PRE1",
            owner,
            "dr.ratna.kulit",
            caption="Tips: pakai tabir surya setiap pagi.",
            when="2026-11-17T02:00:00",
        ),
    )
    newest.touch()  # observed later than the older copy
    files = scan(tmp_path / "newer").files + scan(tmp_path / "older").files
    parsed = list(parse_files(files, settings.tz, task=checks_task(ruleset)))
    assert all(p.flags is not None for p in parsed)
    assert [len(p.flags or ()) > 0 for p in parsed] == [False, True]
    con = duckdb.connect(str(settings.warehouse))
    try:
        loaded = load_parsed(con, parsed, [], "r-pre", rule_version=ruleset.version)
        assert loaded.posts_checked == 1
        stored = con.execute(
            "SELECT caption, checked_rule_version FROM posts WHERE shortcode = 'PRE1'"
        )
        assert stored.fetchall() == [("Tips: pakai tabir surya setiap pagi.", ruleset.version)]
        # the promotion flag belonged to the older copy, which is not what the warehouse holds
        assert con.execute("SELECT count(*) FROM flags WHERE shortcode = 'PRE1'").fetchall() == [
            (0,)
        ]
    finally:
        con.close()
