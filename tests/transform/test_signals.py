"""Account-level signals: an account whose posts are mostly personal over 12 weeks gets one
personal_share row per window end; recomputing replaces the rows, never adds to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from checks import load_ruleset
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import Settings
from tests.conftest import SEEDS, post_node, save_post
from transform.flags import refresh_signals

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
