"""The warehouse gate: a failing suite blocks publication, says why, and keeps blocking."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from checks.quality import validate
from checks.quality.suites import WAREHOUSE_FLAGS
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import Settings, SettingsError
from tests.conftest import SEEDS, post_node, save_post, write_registry
from tests.quality.conftest import ACCOUNTS, REGISTRY, run_here, statuses

TODAY = date(2026, 11, 23)  # a Monday: weeks up to 2026-W47 are complete


def _settings(home: Path) -> Settings:
    return Settings.from_env(env={"MEDSOS_HOME": str(home)})


def _published_run(home: Path) -> str:
    con = duckdb.connect(str(home / "published" / "warehouse.duckdb"), read_only=True)
    try:
        return str(con.execute("SELECT run_id FROM published_info").fetchall()[0][0])
    finally:
        con.close()


# a second copy of the oldest week's first post, as a faulty load or a hand edit would leave it
DUPLICATE_AN_OLD_POST = (
    "INSERT INTO posts SELECT * FROM posts WHERE post_week = '2026-W45' "
    "AND shortcode = (SELECT min(shortcode) FROM posts WHERE post_week = '2026-W45')"
)


def _late_post(tmp_path: Path) -> Path:
    """A snapshot holding one new post, in 2026-W47, of a sample account."""
    later = tmp_path / "later"
    user = "agus.internist"
    save_post(later / user, post_node("LATE1", ACCOUNTS[user], user, when="2026-11-18T03:00:00"))
    return later


def _count(home: Path, query: str) -> int:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return int(con.execute(query).fetchall()[0][0])
    finally:
        con.close()


def _tamper(home: Path, *statements: str) -> None:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


@pytest.fixture
def sampled(tmp_path: Path) -> tuple[Path, Path]:
    """(home, snapshot) after one clean run of the embedded sample."""
    home = tmp_path / "home"
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SEEDS / "snapshot", snapshot)
    assert run_here(home / "warehouse.duckdb", snapshot) == 0
    return home, snapshot


def test_a_clean_sample_passes_every_suite_and_the_results_are_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_id, _, summary = run_snapshot(_settings(home), REGISTRY, SEEDS / "snapshot", today=TODAY)
    assert summary.gate is not None and summary.gate.passed and summary.blocked is None
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT suite, post_week, success, failed FROM dq_results ORDER BY suite, post_week"
    ).fetchall()
    con.close()
    assert rows == [
        ("raw_post_keys", None, True, 0),
        ("raw_posts", None, True, 0),
        ("raw_profiles", None, True, 0),
        ("warehouse_audit_accounts", "2026-W45", True, 0),
        ("warehouse_audit_accounts", "2026-W46", True, 0),
        ("warehouse_audit_accounts", "2026-W47", True, 0),
        ("warehouse_audit_branches", "2026-W45", True, 0),
        ("warehouse_audit_branches", "2026-W46", True, 0),
        ("warehouse_audit_branches", "2026-W47", True, 0),
        ("warehouse_flags", None, True, 0),
        ("warehouse_posts", None, True, 0),
        ("warehouse_week_volume", "2026-W45", True, 0),
        ("warehouse_week_volume", "2026-W46", True, 0),
        ("warehouse_week_volume", "2026-W47", True, 0),
    ]
    folder = home / "dq" / run_id
    documents = sorted(folder.glob("*.json"))
    assert len(documents) == 8
    for path in documents:
        result = json.loads(path.read_text(encoding="utf-8"))["result"]
        assert result["success"] is True and result["statistics"]["unsuccessful_expectations"] == 0
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "lulus / passed" in page and "http" not in page  # readable offline
    assert _published_run(home) == run_id


def test_duplicate_posts_block_publication_exit_1_and_keep_blocking(
    sampled: tuple[Path, Path],
) -> None:
    home, snapshot = sampled
    published = _published_run(home)
    _tamper(
        home,
        "INSERT INTO posts SELECT * FROM posts "
        "WHERE shortcode = (SELECT min(shortcode) FROM posts)",
    )
    assert run_here(home / "warehouse.duckdb", snapshot) == 1
    assert run_here(home / "warehouse.duckdb", snapshot) == 1  # nothing fixed: still blocked
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    runs = con.execute("SELECT status, error FROM runs ORDER BY started_at").fetchall()
    failed = con.execute(
        "SELECT DISTINCT suite FROM dq_results WHERE NOT success ORDER BY 1"
    ).fetchall()
    mail = con.execute(
        "SELECT o.kind, r.status, o.subject FROM outbox AS o JOIN runs AS r USING (run_id) "
        "ORDER BY r.started_at, o.kind"
    ).fetchall()
    con.close()
    assert [s for s, _ in runs] == ["partial", "blocked", "blocked"]
    assert runs[1][1].startswith(
        "blocked by the data-quality gate: warehouse_posts.posts_unique_by_shortcode: 2 row(s)"
    )
    assert failed == [("warehouse_posts",)]
    assert _published_run(home) == published  # the analysts' copy is the last good one
    # the operator hears of each blocked run; the branches get no alert from them
    assert {(kind, status) for kind, status, _ in mail} == {
        ("alert", "partial"),
        ("operator", "blocked"),
    }
    notices = [subject for kind, _, subject in mail if kind == "operator"]
    assert len(notices) == 2 and all("publication blocked" in s for s in notices)


def test_the_gate_reads_the_weeks_it_publishes_not_the_whole_history(
    sampled: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = sampled
    later = _late_post(tmp_path)
    _, _, summary = run_snapshot(_settings(home), REGISTRY, later, today=TODAY)
    assert summary.gate is not None and summary.gate.passed
    runs = {r.validation.suite.name: r for r in summary.gate.runs}
    assert runs["warehouse_audit_accounts"].weeks == ["2026-W47"]  # the week the new post is in
    in_week = _count(home, "SELECT count(*) FROM posts WHERE post_week = '2026-W47'")
    posts = _count(home, "SELECT count(*) FROM posts")
    flags = _count(
        home, "SELECT count(*) FROM flags WHERE post_week = '2026-W47' OR shortcode IS NULL"
    )
    all_flags = _count(home, "SELECT count(*) FROM flags")
    assert runs["warehouse_posts"].validation.rows == in_week < posts
    assert runs["warehouse_flags"].validation.rows == flags < all_flags


def test_damage_outside_the_weeks_being_published_still_blocks(
    sampled: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = sampled
    _tamper(
        home,
        DUPLICATE_AN_OLD_POST,
        "UPDATE posts SET owner_id = '999' WHERE shortcode = "
        "(SELECT max(shortcode) FROM posts WHERE post_week = '2026-W46')",
    )
    later = _late_post(tmp_path)
    _, _, summary = run_snapshot(_settings(home), REGISTRY, later, today=TODAY)
    assert summary.blocked is not None
    assert "warehouse_posts.posts_unique_by_shortcode: 2 row(s)" in summary.blocked
    assert "warehouse_posts.post_account_registered: 1 row(s)" in summary.blocked


def test_a_registry_change_regates_every_week_but_reads_only_the_posts_that_changed(
    sampled: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = sampled
    grown = tmp_path / "registry.csv"
    grown.write_text(
        REGISTRY.read_text(encoding="utf-8")
        + "999001,dr. Baru,IDI Cabang Yogyakarta,,dr.baru.bergabung,2026-11-20,"
        + "etik.yogyakarta@idi-cabang.example\n",
        encoding="utf-8",
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    _, _, summary = run_snapshot(_settings(home), grown, empty, today=TODAY)
    assert summary.registry_changes > 0 and summary.gate is not None and summary.gate.passed
    runs = {r.validation.suite.name: r for r in summary.gate.runs}
    # every week's audit rows were rebuilt (a new doctor changes each week's branch row) ...
    assert runs["warehouse_audit_accounts"].weeks == ["2026-W45", "2026-W46", "2026-W47"]
    # ... but no post or flag changed, so those suites read no week's rows (profile flags, one
    # per account at most, are always read)
    profile_flags = _count(home, "SELECT count(*) FROM flags WHERE shortcode IS NULL")
    assert runs["warehouse_posts"].validation.rows == 0
    assert runs["warehouse_flags"].validation.rows == profile_flags


def test_changed_rows_wait_for_the_gate_until_it_passes(
    sampled: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = sampled

    def waiting() -> list[tuple[str, str]]:
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        try:
            rows = con.execute(
                "SELECT post_week, stage FROM pending_weeks WHERE stage = 'rows' ORDER BY 1"
            ).fetchall()
            return [(str(w), str(s)) for w, s in rows]
        finally:
            con.close()

    assert waiting() == []  # the sample's run passed: nothing left to read again
    _tamper(
        home,
        DUPLICATE_AN_OLD_POST,
    )
    later = _late_post(tmp_path)
    _, _, blocked = run_snapshot(_settings(home), REGISTRY, later, today=TODAY)
    assert blocked.blocked is not None
    assert waiting() == [("2026-W47", "rows")]  # still owed: the gate did not pass
    _tamper(
        home,
        "DELETE FROM posts WHERE rowid = (SELECT max(rowid) FROM posts WHERE shortcode = "
        "(SELECT min(shortcode) FROM posts WHERE post_week = '2026-W45'))",
    )
    _, _, passed = run_snapshot(_settings(home), REGISTRY, later, today=TODAY)
    assert passed.gate is not None and passed.gate.passed
    runs = {r.validation.suite.name: r for r in passed.gate.runs}
    in_week = _count(home, "SELECT count(*) FROM posts WHERE post_week = '2026-W47'")
    assert runs["warehouse_posts"].validation.rows == in_week  # the week it still owed
    assert waiting() == []


def test_a_post_whose_account_is_not_registered_blocks(sampled: tuple[Path, Path]) -> None:
    home, snapshot = sampled
    _tamper(home, "DELETE FROM accounts WHERE username = 'drg.bayu.senyum'")
    _, _, summary = run_snapshot(_settings(home), REGISTRY, snapshot, today=TODAY)
    assert summary.blocked is not None
    assert "warehouse_posts.post_account_registered: 4 row(s) e.g." in summary.blocked


def test_audit_rows_that_do_not_add_up_block_only_their_week(sampled: tuple[Path, Path]) -> None:
    home, snapshot = sampled
    # as a faulty rebuild of 2026-W46 would leave them
    _tamper(
        home,
        "UPDATE audit_weekly_branch SET posts = posts + 1 "
        "WHERE post_week = '2026-W46' AND branch = 'IDI Cabang Medan'",
        "UPDATE audit_weekly_account SET flagged_posts = posts + 1 "
        "WHERE post_week = '2026-W46' AND username = 'dr.ratna.kulit'",
        "INSERT INTO pending_weeks VALUES ('2026-W46', 'gate', now(), 'test')",
    )
    run_id, _, summary = run_snapshot(_settings(home), REGISTRY, snapshot, today=TODAY)
    assert summary.gate is not None
    assert summary.gate.reasons() == [
        "warehouse_audit_accounts.flagged_posts_within_posts: 1 row(s) e.g. 2026-W46/7301224501",
        "warehouse_audit_branches.branch_posts_sum_of_accounts: 1 row(s) e.g. "
        "2026-W46/IDI Cabang Medan",
        "warehouse_audit_branches.branch_flagged_sum_of_accounts: 1 row(s) e.g. "
        "2026-W46/IDI Cabang Yogyakarta",
    ]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    weekly = con.execute(
        "SELECT suite, post_week, success FROM dq_results WHERE run_id = ? AND post_week "
        "IS NOT NULL AND suite LIKE 'warehouse_audit%' ORDER BY 1, 2",
        [run_id],
    ).fetchall()
    con.close()
    assert weekly == [
        ("warehouse_audit_accounts", "2026-W46", False),
        ("warehouse_audit_branches", "2026-W46", False),
    ]


def _busy_then_silent(root: Path) -> tuple[Path, Path]:
    registry = write_registry(
        root / "registry.csv",
        [
            ["N1", "dr. A", "IDI Cabang A", "Sp.KK", "dr.a", "2025-01-01", "a@idi.example"],
            ["N2", "dr. B", "IDI Cabang B", "Sp.A", "dr.b", "2025-01-01", "b@idi.example"],
        ],
    )
    snapshot = root / "snapshot"
    for i in range(22):  # 22 posts in 2026-W45 for branch A, then nothing in 2026-W46
        when = f"2026-11-{3 + i % 5:02d}T{i % 24:02d}:10:00"
        save_post(snapshot / "dr.a", post_node(f"A{i:03d}", "11", "dr.a", when=when))
    for day in (4, 11, 18):  # branch B posts every week
        when = f"2026-11-{day:02d}T03:00:00"
        save_post(snapshot / "dr.b", post_node(f"B{day:03d}", "22", "dr.b", when=when))
    return registry, snapshot


def test_a_busy_branch_falling_silent_blocks_until_its_posts_arrive(tmp_path: Path) -> None:
    home = tmp_path / "home"
    registry, snapshot = _busy_then_silent(tmp_path)
    _, _, first = run_snapshot(_settings(home), registry, snapshot, today=TODAY)
    assert first.blocked == (
        "blocked by the data-quality gate: warehouse_week_volume.no_empty_week_after_a_busy_one: "
        "1 row(s) e.g. 2026-W46/IDI Cabang A"
    )
    assert not (home / "published").exists()
    _, _, again = run_snapshot(_settings(home), registry, snapshot, today=TODAY)
    assert again.blocked == first.blocked  # the week stays pending until it passes
    late = tmp_path / "late"
    save_post(late / "dr.a", post_node("A900", "11", "dr.a", when="2026-11-12T03:00:00"))
    _, _, fixed = run_snapshot(_settings(home), registry, late, today=TODAY)
    assert fixed.blocked is None and fixed.published is not None
    assert statuses(home / "warehouse.duckdb") == ["blocked", "blocked", "success"]


def test_the_week_in_progress_is_not_judged_for_falling_silent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    registry, snapshot = _busy_then_silent(tmp_path)
    # on Monday of 2026-W46 that week has only begun: a quiet branch is no reason to block
    _, _, summary = run_snapshot(_settings(home), registry, snapshot, today=date(2026, 11, 9))
    assert summary.blocked is None
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    # ... but it stays pending, to be judged once it is over
    pending = con.execute("SELECT post_week, stage FROM pending_weeks ORDER BY 1").fetchall()
    con.close()
    assert pending == [("2026-W46", "gate"), ("2026-W47", "gate")]


def test_medsos_today_dates_the_run_like_the_today_argument(tmp_path: Path) -> None:
    registry, snapshot = _busy_then_silent(tmp_path)
    monday = Settings.from_env(tmp_path / "m" / "warehouse.duckdb", {"MEDSOS_TODAY": "2026-11-09"})
    assert monday.today == date(2026, 11, 9)
    _, _, summary = run_snapshot(monday, registry, snapshot)
    assert summary.blocked is None  # W46 is in progress on that day
    later = Settings.from_env(tmp_path / "l" / "warehouse.duckdb", {"MEDSOS_TODAY": "2026-11-23"})
    _, _, summary = run_snapshot(later, registry, snapshot)
    assert summary.blocked is not None and "2026-W46/IDI Cabang A" in summary.blocked
    with pytest.raises(SettingsError, match="MEDSOS_TODAY must be a date YYYY-MM-DD, got '23/11'"):
        Settings.from_env(tmp_path / "x.duckdb", {"MEDSOS_TODAY": "23/11"})


def test_flags_outside_the_allowed_sets_fail_by_subject_and_rule() -> None:
    frame = pd.DataFrame(
        {
            "subject": ["AAA", "profile:11", "BBB"],
            "check_name": ["promotion", "selfie", "patient_privacy"],
            "rule_id": ["p1", "x1", "pp1"],
            "severity": ["berat", "sedang", "fatal"],
            "risk_score": [40, 101, 80],
        }
    )
    failing = {o.expect.name: o.failing for o in validate(frame, WAREHOUSE_FLAGS).failed}
    key = {"subject": "profile:11", "check_name": "selfie", "rule_id": "x1"}
    assert failing == {
        "check_name_allowed": [key],
        "severity_allowed": [
            {
                "subject": "BBB",
                "check_name": "patient_privacy",
                "rule_id": "pp1",
                "severity": "fatal",
            }
        ],
        "risk_score_in_range": [key | {"risk_score": 101}],
    }
