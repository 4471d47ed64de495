"""What staff decisions change downstream: audit counts and retention."""

from __future__ import annotations

from datetime import datetime

import duckdb

from checks import load_ruleset
from medsos_audit.pipeline import apply_decisions, build_audit
from medsos_audit.review.decisions import DecisionInput
from medsos_audit.settings import Settings
from tests.review.conftest import ANI
from tests.review.test_sync import PRIVACY, PROMO, decide
from warehouse.retention import purge


def _week_row(con: duckdb.DuckDBPyConnection, owner_id: str | None, week: str) -> tuple[int, ...]:
    return tuple(
        con.execute(
            "SELECT flagged_posts, promotion_posts, patient_privacy_posts, sedang_posts,"
            " berat_posts FROM audit_weekly_account WHERE owner_id = ? AND post_week = ?",
            [owner_id, week],
        ).fetchall()[0]
    )


def test_dismissed_flags_stop_counting_and_confirmed_ones_take_the_staff_severity(
    store,
    warehouse: duckdb.DuckDBPyConnection,
    desk_settings: Settings,
) -> None:
    promo_week, privacy_week = (
        warehouse.execute("SELECT post_week FROM posts WHERE shortcode = ?", [code]).fetchall()[0][
            0
        ]
        for code in (PROMO.shortcode, PRIVACY.shortcode)
    )
    before_promo = _week_row(warehouse, PROMO.owner_id, promo_week)
    before_privacy = _week_row(warehouse, PRIVACY.owner_id, privacy_week)
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    decide(
        store,
        ANI,
        PRIVACY,
        DecisionInput("confirm", "open", severity="sedang", sanction="kategori_1"),
        2,
    )
    weeks = apply_decisions(warehouse, desk_settings)
    assert weeks == {promo_week, privacy_week}
    build_audit(warehouse, load_ruleset(desk_settings.rules_dir), weeks, everything=False)
    after_promo = _week_row(warehouse, PROMO.owner_id, promo_week)
    after_privacy = _week_row(warehouse, PRIVACY.owner_id, privacy_week)
    # the dismissed promotion no longer counts
    assert after_promo[0] == before_promo[0] - 1 and after_promo[1] == before_promo[1] - 1
    # the confirmed privacy case counts as sedang, no longer as berat
    assert after_privacy[2] == before_privacy[2]
    assert (after_privacy[3], after_privacy[4]) == (before_privacy[3] + 1, before_privacy[4] - 1)
    assert apply_decisions(warehouse, desk_settings) == set()  # nothing new the second time


def test_a_post_whose_flags_were_all_dismissed_is_purged_like_an_unflagged_one(
    store,
    warehouse: duckdb.DuckDBPyConnection,
    desk_settings: Settings,
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    apply_decisions(warehouse, desk_settings)
    result = purge(warehouse, desk_settings.home, 26, datetime(2027, 12, 1), "purge-1")
    left = {code for (code,) in warehouse.execute("SELECT shortcode FROM posts").fetchall()}
    assert PROMO.shortcode not in left and PRIVACY.shortcode in left
    flagged = warehouse.execute("SELECT count(DISTINCT shortcode) FROM flags_effective").fetchall()
    assert len(left) == flagged[0][0]  # only posts with a live case remain
    assert result.flags > 0
