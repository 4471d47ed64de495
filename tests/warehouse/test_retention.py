"""Retention on a real warehouse with collected (hashed) raw files: what goes, what stays."""

from __future__ import annotations

from datetime import datetime

from checks import load_ruleset
from extract.evidence import verify
from medsos_audit.cli import main
from medsos_audit.collect_flow import finish_collection, land_chunk, plan_collection
from medsos_audit.pipeline import build_audit, gate_warehouse
from tests.conftest import SEEDS
from tests.extract.collect.harness import NOW
from tests.extract.collect.test_collect_flow import WORLD, _context
from tests.extract.collect.test_collect_run import query, registry
from transform.accounts import apply_registry
from warehouse.audit import build_weeks
from warehouse.db import connect
from warehouse.retention import purge

LATER = datetime(2026, 1, 1)  # the recordings are from mid-2025: all of it is past 26 weeks


def _collected(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.citra", "dr.hadi")
    plan = plan_collection(settings, reg)
    ctx, counter = _context(WORLD)
    land_chunk(settings, plan.run_id, plan.chunks[0], ctx, counter, now=NOW)
    finish_collection(settings, reg, plan.run_id)
    return reg


def _flag(con, shortcode: str) -> None:
    con.execute(
        "INSERT INTO flags SELECT shortcode, owner_id, 'promotion', 'promotion.price', 'v', "
        "'sedang', 'Rp 100.000', 'caption', NULL, NULL, 'Fatwa', 60, post_week, ?, 'r' "
        "FROM posts WHERE shortcode = ?",
        [NOW, shortcode],
    )


def test_old_unflagged_posts_and_their_files_go_flagged_ones_stay(settings, tmp_path):
    _collected(settings, tmp_path)
    con = connect(settings.warehouse)
    kept = con.execute("SELECT shortcode FROM posts ORDER BY shortcode LIMIT 1").fetchall()[0][0]
    _flag(con, kept)
    files_before = con.execute("SELECT count(*) FROM evidence_files").fetchall()[0][0]
    result = purge(con, settings.home, 26, LATER, "purge-1")
    assert (result.posts, result.flags, result.doctors_removed) == (15, 0, 0)
    # The 15 purged posts' files go; the flagged post's file and the three profile files,
    # landed today (the files' own time), stay.
    assert (files_before, result.raw_files) == (19, 15)
    assert con.execute("SELECT shortcode FROM posts").fetchall() == [(kept,)]
    on_disk = sorted(p.name for p in (settings.home / "raw").rglob("*.json.xz"))
    assert len(on_disk) == 4 and sum(1 for name in on_disk if name.endswith("_UTC.json.xz")) == 1
    report = verify(con, settings.home)
    assert (report.ok, report.purged, report.files) == (True, 15, 4)
    assert con.execute(
        "SELECT run_id, raw_files, posts, flags, doctors_removed FROM purge_log"
    ).fetchall() == [("purge-1", 15, 15, 0, 0)]
    again = purge(con, settings.home, 26, LATER, "purge-2")
    assert (again.posts, again.raw_files) == (0, 0)


def test_an_old_profile_file_stays_while_its_profile_flag_is_open(settings, tmp_path):
    """Profile files are evidence too: past the cutoff they go, except the files of an account
    whose profile has a kept flag (before, every old profile file went)."""
    _collected(settings, tmp_path)
    con = connect(settings.warehouse)
    owner = con.execute("SELECT min(owner_id) FROM posts").fetchall()[0][0]
    con.execute(
        "INSERT INTO flags SELECT NULL, owner_id, 'promotion', 'promotion.bio_price', 'v', "
        "'sedang', 'Rp 100.000', 'biography', NULL, NULL, 'Fatwa', 60, NULL, ?, 'r' "
        "FROM accounts WHERE owner_id = ?",
        [NOW, owner],
    )
    profiles = "SELECT u.owner_id FROM evidence_files AS e JOIN account_usernames AS u "
    profiles += "ON u.username = e.username WHERE e.kind = 'profile' AND e.purged_at IS NULL"
    assert len(con.execute(profiles).fetchall()) == 3
    purge(con, settings.home, 26, datetime(2030, 1, 1), "purge-1")  # every file is old now
    assert con.execute(profiles).fetchall() == [(owner,)]


def test_audit_weeks_before_the_cutoff_are_frozen(settings, tmp_path):
    _collected(settings, tmp_path)
    con = connect(settings.warehouse)
    week = con.execute("SELECT min(post_week) FROM posts").fetchall()[0][0]
    before = con.execute("SELECT * FROM audit_weekly_branch ORDER BY ALL").fetchall()
    purge(con, settings.home, 26, LATER, "purge-1")
    assert build_weeks(con, {week}) == 0
    assert con.execute("SELECT * FROM audit_weekly_branch ORDER BY ALL").fetchall() == before


def test_weeks_frozen_by_a_purge_are_neither_rebuilt_nor_gated_after_a_later_change(
    settings, tmp_path
):
    """A registry or rule change after a purge marks every week for a rebuild; the frozen
    weeks' audit rows no longer match their (purged) posts, so gating them would block
    publication for good."""
    _collected(settings, tmp_path)
    con = connect(settings.warehouse)
    _flag(con, con.execute("SELECT min(shortcode) FROM posts").fetchall()[0][0])  # one kept
    purge(con, settings.home, 26, LATER, "purge-1")
    con.execute(
        "INSERT OR IGNORE INTO pending_weeks SELECT DISTINCT post_week, 'audit', ?, 'r2' "
        "FROM posts",
        [LATER],
    )
    assert con.execute("SELECT count(*) FROM pending_weeks").fetchall()[0][0] > 0
    build_audit(con, load_ruleset(SEEDS / "rules"), set(), everything=False, run_id="r2")
    gate = gate_warehouse(con, settings, "r2", today=LATER.date())
    assert gate.passed, gate
    assert con.execute("SELECT count(*) FROM pending_weeks").fetchall() == [(0,)]


def test_a_doctor_who_left_the_registry_is_removed_with_every_unflagged_post(settings, tmp_path):
    _collected(settings, tmp_path)
    con = connect(settings.warehouse)
    apply_registry(con, registry(tmp_path, "dr.alya", "dr.citra"))  # dr.hadi left
    result = purge(con, settings.home, 520, datetime(2025, 6, 3), "purge-1")  # nothing is old
    assert (result.posts, result.doctors_removed) == (2, 1)
    assert con.execute("SELECT count(*) FROM accounts WHERE username = 'dr.hadi'").fetchall() == [
        (0,)
    ]
    assert con.execute("SELECT npa FROM doctors ORDER BY 1").fetchall() == [
        ("310001",),
        ("310003",),
    ]
    assert con.execute("SELECT count(*) FROM posts").fetchall() == [(14,)]
    assert verify(con, settings.home).ok


def test_purge_command_prints_counts(settings, tmp_path, capsys):
    _collected(settings, tmp_path)
    assert main(["purge", "--weeks", "520", "--warehouse", str(settings.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "posts: 0" in out and "raw files: 0" in out
    assert query(settings, "SELECT kind, status FROM runs WHERE kind = 'purge'") == [
        ("purge", "success")
    ]
    assert main(["purge", "--weeks", "0", "--warehouse", str(settings.warehouse)]) == 2
