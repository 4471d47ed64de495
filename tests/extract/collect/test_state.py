"""Planning from and committing to a real warehouse: who is collected next, what is known."""

from __future__ import annotations

from datetime import datetime

from extract.collect import Target
from extract.collect.collector import AccountOutcome
from extract.collect.errors import Status
from extract.collect.state import commit_state, plan_targets, unknown_names
from extract.registry import load_registry
from tests.conftest import table, write_registry
from transform.accounts import apply_registry

T0 = datetime(2025, 6, 1, 3, 0)
NOW = datetime(2025, 6, 2, 3, 5)


def registered(con, tmp_path, *usernames):
    rows: list[tuple[str, ...]] = [
        (
            f"9{i:05d}",
            f"dr. {u}",
            "IDI Cabang Bandung",
            "Sp.KK",
            u,
            "2025-01-01",
            "etik@idi.example",
        )
        for i, u in enumerate(usernames)
    ]
    apply_registry(con, load_registry(write_registry(tmp_path / "registry.csv", rows)))


def outcome(username, status, *, owner=None, newest=None, remembered=(), requested=None):
    o = AccountOutcome(requested or username, username, owner, T0, status=status)
    o.newest = newest
    o.remembered = list(remembered)
    return o


def test_accounts_never_tried_come_first_then_the_longest_untried(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.alya", "dr.budi", "dr.citra")
    commit_state(fresh_db, "r1", [outcome("dr.budi", Status.UNCHANGED, owner="5102")], T0)
    fresh_db.execute("UPDATE accounts SET owner_id = '5102' WHERE username = 'dr.budi'")
    commit_state(fresh_db, "r2", [outcome("dr.alya", Status.UNCHANGED)], NOW)
    assert [t.username for t in plan_targets(fresh_db)] == ["dr.citra", "dr.budi", "dr.alya"]


def test_throttled_and_stopped_accounts_stay_first_in_line(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.alya", "dr.budi")
    commit_state(
        fresh_db,
        "r1",
        [outcome("dr.alya", Status.RATE_LIMITED), outcome("dr.budi", Status.BUDGET_EXHAUSTED)],
        NOW,
    )
    rows = table(fresh_db, "collect_state", "account_key")
    assert [(r["account_key"], r["last_attempt_at"], r["last_status"]) for r in rows] == [
        ("username:dr.alya", None, "rate_limited"),
        ("username:dr.budi", None, "budget_exhausted"),
    ]


def test_targets_carry_known_posts_remembered_posts_and_the_high_water_mark(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.alya")
    fresh_db.execute("UPDATE accounts SET owner_id = '5101'")
    fresh_db.execute(
        "INSERT INTO posts (shortcode, owner_id, username, posted_at, post_week, content_hash, "
        "first_seen, last_seen, run_id) VALUES "
        "('DKQwcJ7z7QC', '5101', 'dr.alya', '2025-05-30 02:59:46', '2025-W22', 'h', ?, ?, 'r0'),"
        "('XOTHER00001', '9999', 'someone', '2025-05-30 02:00:00', '2025-W22', 'h', ?, ?, 'r0')",
        [T0, T0, T0, T0],
    )
    stale = ("C3eROYnz7QB", datetime(2024, 2, 18, 2, 59, 53))
    done = outcome(
        "dr.alya",
        Status.OK,
        owner="5101",
        newest=(datetime(2025, 5, 30, 2, 59, 46), "DKQwcJ7z7QC"),
        remembered=[stale],
    )
    commit_state(fresh_db, "r1", [done], NOW)
    commit_state(fresh_db, "r2", [done], NOW)  # remembering twice keeps one row
    assert plan_targets(fresh_db) == [
        Target(
            username="dr.alya",
            owner_id="5101",
            known={"DKQwcJ7z7QC": datetime(2025, 5, 30, 2, 59, 46), stale[0]: stale[1]},
            high_water=datetime(2025, 5, 30, 2, 59, 46),
        )
    ]
    assert len(table(fresh_db, "collect_skipped")) == 1


def test_an_interrupted_pass_does_not_move_the_high_water_mark(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.gita")
    fresh_db.execute("UPDATE accounts SET owner_id = '5107'")
    first = outcome("dr.gita", Status.OK, owner="5107", newest=(T0, "OLD00000001"))
    commit_state(fresh_db, "r1", [first], T0)
    cut = outcome("dr.gita", Status.RATE_LIMITED, owner="5107", newest=(NOW, "NEW00000001"))
    commit_state(fresh_db, "r2", [cut], NOW)
    (row,) = table(fresh_db, "collect_state")
    assert (row["newest_posted_at"], row["newest_shortcode"], row["last_success_at"]) == (
        T0,
        "OLD00000001",
        T0,
    )
    assert (row["last_attempt_at"], row["last_status"]) == (T0, "rate_limited")


def test_state_moves_from_the_username_to_the_user_id_once_known(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.eko")
    commit_state(fresh_db, "r1", [outcome("dr.eko", Status.NOT_FOUND)], T0)
    renamed = outcome(
        "dr.eko.sp", Status.RENAMED, owner="5105", requested="dr.eko", newest=(T0, "DKV6AMjz8QE")
    )
    commit_state(fresh_db, "r2", [renamed], NOW)
    rows = table(fresh_db, "collect_state")
    assert [(r["account_key"], r["username"], r["last_status"]) for r in rows] == [
        ("5105", "dr.eko.sp", "renamed")
    ]


def test_accounts_option_names_registered_accounts_by_any_of_their_names(fresh_db, tmp_path):
    registered(fresh_db, tmp_path, "dr.alya", "dr.eko")
    fresh_db.execute(
        "UPDATE accounts SET owner_id = '5105', username = 'dr.eko.sp' WHERE npa = '900001'"
    )
    fresh_db.execute(
        "INSERT INTO account_usernames VALUES ('5105', 'dr.eko', ?, ?, 'registry'),"
        "('5105', 'dr.eko.sp', ?, ?, 'collect')",
        [T0, T0, NOW, NOW],
    )
    assert [t.username for t in plan_targets(fresh_db, only=["@DR.EKO"])] == ["dr.eko.sp"]
    assert unknown_names(fresh_db, ["dr.eko", "dr.alya", "dr.nobody"]) == ["dr.nobody"]
    assert plan_targets(fresh_db, only=[]) == []
