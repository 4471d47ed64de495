"""Account-level signals: an account whose posts are mostly personal over 12 weeks gets one
personal_share row per window end; recomputing replaces the rows, never adds to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from checks import load_ruleset
from checks.account import personal_share_signal
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import Settings
from tests.conftest import SEEDS, post_node, save_post
from transform.flags import SIGNAL_WINDOW_WEEKS, refresh_signals
from warehouse.weeks import shift, weeks_ending

OWNER = "7301224501"  # dr.ratna.kulit in seeds/registry.csv
PERSONAL = "Liburan ke Bali bareng keluarga, seru banget #holiday"
TEACHING = "Tips: pakai tabir surya setiap pagi, ulangi tiap 2-3 jam di luar ruangan."


def _signals(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT owner_id, window_end, value, posts, threshold, check_name, severity "
        "FROM account_signals ORDER BY ALL"
    ).fetchall()


def test_a_mostly_personal_account_gets_the_share_signal(
    tmp_path: Path, settings: Settings
) -> None:
    snap = tmp_path / "snap" / "dr.ratna.kulit"
    for i in range(8):
        caption = PERSONAL if i % 2 == 0 else TEACHING
        node = post_node(f"SIG{i}", OWNER, "dr.ratna.kulit", caption=caption,
                         when=f"2026-10-0{i + 1}T03:00:00")  # fmt: skip
        save_post(snap, node)
    run_snapshot(settings, SEEDS / "registry.csv", tmp_path / "snap")
    con = duckdb.connect(str(settings.warehouse))
    try:
        rows = _signals(con)
        ours = [r for r in rows if r[0] == OWNER]
        assert ours, "4 personal posts of 8 in the window pass the 30 % threshold"
        assert all(r[2] >= 0.3 and r[3] >= 6 and r[5] == "personal_mixing" for r in ours)
        assert all(r[0] == OWNER for r in rows)  # the other sample accounts stay below it
        ends = sorted({str(r[1]) for r in ours})
        written = refresh_signals(con, load_ruleset(settings.rules_dir), set(ends))
        assert written == len(ours)
        assert _signals(con) == rows  # replaced, not added to
    finally:
        con.close()


def test_every_window_is_counted_as_if_it_were_counted_alone(
    tmp_path: Path, settings: Settings
) -> None:
    snap = tmp_path / "snap" / "dr.ratna.kulit"
    # personal posts early, teaching later: the share crosses the threshold in some windows only
    for i in range(16):
        caption = PERSONAL if i < 7 else TEACHING
        day = f"2026-{8 + i // 8:02d}-{1 + (i % 8) * 3:02d}T03:00:00"
        save_post(snap, post_node(f"WIN{i}", OWNER, "dr.ratna.kulit", caption=caption, when=day))
    run_snapshot(settings, SEEDS / "registry.csv", tmp_path / "snap")
    ruleset = load_ruleset(settings.rules_dir)
    ends = [shift("2026-W47", -n) for n in range(20)]  # windows overlapping in every way
    con = duckdb.connect(str(settings.warehouse))
    try:
        written = refresh_signals(con, ruleset, set(ends))
        got = con.execute(
            "SELECT owner_id, window_start, window_end, value, posts FROM account_signals "
            "WHERE window_end IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL",
            [ends],
        ).fetchall()
        expected = []
        for end in ends:  # each window by itself, straight from posts and flags
            span = weeks_ending(end, SIGNAL_WINDOW_WEEKS)
            counts = con.execute(
                "SELECT p.owner_id, count(*), count(*) FILTER (WHERE p.shortcode IN "
                "(SELECT shortcode FROM flags WHERE check_name = 'personal_mixing')) "
                "FROM posts AS p WHERE p.post_week IN (SELECT unnest(?::VARCHAR[])) "
                "GROUP BY p.owner_id",
                [span],
            ).fetchall()
            for owner, posts, personal in counts:
                signal = personal_share_signal(owner, posts, personal, span[0], end, ruleset)
                if signal is not None:
                    expected.append((owner, signal.window_start, end, signal.value, signal.posts))
    finally:
        con.close()
    assert written == len(expected) == len(got)
    assert 0 < len({r[2] for r in got}) < len(ends)  # some windows cross the threshold, not all
    assert got == sorted(expected)
