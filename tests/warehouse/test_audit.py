from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from tests.conftest import table
from warehouse import audit
from warehouse.audit import build_weeks

NOW = datetime(2026, 11, 23, 1, 0)


def _seed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO doctors VALUES ('1', 'dr. A', 'X', NULL, NULL, NULL, TRUE, ?),"
        " ('2', 'dr. B', 'X', NULL, NULL, NULL, TRUE, ?),"
        " ('3', 'dr. C', 'Y', NULL, NULL, NULL, TRUE, ?),"
        " ('4', 'dr. D', 'Y', NULL, NULL, NULL, FALSE, ?)",
        [NOW] * 4,
    )
    con.execute(
        "INSERT INTO accounts VALUES ('501', 'a', '1', NULL, TRUE, NULL, NULL, ?),"
        " ('502', 'b', '2', NULL, TRUE, NULL, NULL, ?),"
        " ('503', 'c', '3', NULL, TRUE, NULL, NULL, ?),"
        " ('504', 'd', '4', NULL, FALSE, NULL, NULL, ?)",
        [NOW] * 4,
    )
    posts = [
        ("P1", "501", "2026-W47"),
        ("P2", "501", "2026-W47"),
        ("P3", "501", "2026-W47"),
        ("P4", "502", "2026-W47"),
        ("P5", "501", "2026-W46"),
        ("P6", "504", "2026-W47"),  # a doctor who left the registry: not audited
    ]
    for shortcode, owner, week in posts:
        con.execute(
            "INSERT INTO posts (shortcode, owner_id, username, posted_at, post_week, content_hash,"
            " first_seen, last_seen, run_id) VALUES (?, ?, 'u', ?, ?, 'h', ?, ?, 'r')",
            [shortcode, owner, NOW, week, NOW, NOW],
        )
    flags = [
        ("P1", "promotion", "price", "sedang", 60),
        ("P1", "promotion", "discount", "sedang", 60),
        ("P1", "patient_privacy", "rm_number", "berat", 60),
        ("P2", "personal_mixing", "holiday", "ringan", 20),
        ("P5", "promotion", "price", "sedang", 50),
        ("P6", "promotion", "price", "sedang", 50),
    ]
    for shortcode, check, rule, severity, score in flags:
        con.execute(
            "INSERT INTO flags VALUES (?, '501', ?, ?, 'v', ?, 'e', 'caption', NULL, NULL,"
            " 'ref', ?, NULL, ?, 'r')",
            [shortcode, check, rule, severity, score, NOW],
        )


def test_weekly_tables_count_distinct_posts_per_check_and_severity(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    _seed(fresh_db)
    assert build_weeks(fresh_db, {"2026-W47"}) == 1
    assert table(fresh_db, "audit_weekly_account", "owner_id") == [
        {
            "post_week": "2026-W47",
            "owner_id": "501",
            "username": "a",
            "npa": "1",
            "branch": "X",
            "posts": 3,
            "flagged_posts": 2,
            "promotion_posts": 1,
            "testimonial_repost_posts": 0,
            "personal_mixing_posts": 1,
            "patient_privacy_posts": 1,
            "ringan_posts": 1,
            "sedang_posts": 1,
            "berat_posts": 1,
            "max_risk_score": 60,
        },
        {
            "post_week": "2026-W47",
            "owner_id": "502",
            "username": "b",
            "npa": "2",
            "branch": "X",
            "posts": 1,
            "flagged_posts": 0,
            "promotion_posts": 0,
            "testimonial_repost_posts": 0,
            "personal_mixing_posts": 0,
            "patient_privacy_posts": 0,
            "ringan_posts": 0,
            "sedang_posts": 0,
            "berat_posts": 0,
            "max_risk_score": 0,
        },
    ]
    branch = fresh_db.execute(
        "SELECT branch, accounts, accounts_with_posts, flagged_accounts, posts, flagged_posts,"
        " promotion_posts, berat_posts FROM audit_weekly_branch ORDER BY branch"
    ).fetchall()
    assert branch == [("X", 2, 2, 1, 4, 2, 1, 1), ("Y", 1, 0, 0, 0, 0, 0, 0)]


def test_rebuilding_a_week_is_a_pure_function_of_the_data(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    _seed(fresh_db)
    build_weeks(fresh_db, {"2026-W46", "2026-W47"})
    first = (table(fresh_db, "audit_weekly_account"), table(fresh_db, "audit_weekly_branch"))
    build_weeks(fresh_db, {"2026-W47"})
    build_weeks(fresh_db, {"2026-W46", "2026-W47"})
    assert (
        table(fresh_db, "audit_weekly_account"),
        table(fresh_db, "audit_weekly_branch"),
    ) == first
    # only the asked-for week changes when its data changes
    fresh_db.execute("DELETE FROM flags WHERE shortcode = 'P5'")
    build_weeks(fresh_db, {"2026-W47"})
    assert table(fresh_db, "audit_weekly_account") == first[0]
    build_weeks(fresh_db, {"2026-W46"})
    w46 = fresh_db.execute(
        "SELECT flagged_posts FROM audit_weekly_account WHERE post_week = '2026-W46'"
    ).fetchall()
    assert w46 == [(0,)]


def test_weeks_are_built_in_passes_of_bounded_size_with_the_same_rows(
    fresh_db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(fresh_db)
    weeks = {"2026-W45", "2026-W46", "2026-W47"}  # W45 has no posts: branch rows of zeros
    assert build_weeks(fresh_db, weeks) == 3
    names = ("audit_weekly_account", "audit_weekly_branch")
    whole = {t: table(fresh_db, t, "ALL") for t in names}
    # W45 has no post, W46 one, W47 five: weeks join a pass while its posts stay within the
    # limit, and a week over the limit is a pass of its own
    ordered = sorted(weeks)
    assert audit.passes(fresh_db, ordered, 0) == [["2026-W45"], ["2026-W46"], ["2026-W47"]]
    assert audit.passes(fresh_db, ordered, 1) == [["2026-W45", "2026-W46"], ["2026-W47"]]
    assert audit.passes(fresh_db, ordered, 6) == [ordered]
    monkeypatch.setattr(audit, "POSTS_PER_PASS", 0)
    fresh_db.execute("DELETE FROM audit_weekly_account")
    fresh_db.execute("DELETE FROM audit_weekly_branch")
    assert build_weeks(fresh_db, weeks) == 3
    assert {t: table(fresh_db, t, "ALL") for t in names} == whole
